"""Which process holds a TCP port: read from /proc/net/tcp{,6} and /proc/<pid>/fd.

Parsing is pure (text in, sockets out); the edge functions read /proc. A busy port is reported
with its holder so the user knows what to stop, instead of a bare "address already in use".
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from avion_workspace.infra.errors import PortBusy

TCP_LISTEN = "0A"


@dataclass(frozen=True)
class ListeningSocket:
    address: str
    port: int
    inode: int


@dataclass(frozen=True)
class PortHolder:
    pid: int
    command: str

    def describe(self) -> str:
        return f"pid {self.pid} ({self.command})"


def _decode_address(hex_addr: str) -> str:
    """``0100007F`` → ``127.0.0.1``; IPv6 addresses are four little-endian 32-bit words."""
    raw = bytes.fromhex(hex_addr)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


def parse_proc_net_tcp(text: str) -> list[ListeningSocket]:
    """The listening sockets in the text of /proc/net/tcp or /proc/net/tcp6."""
    sockets = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] != TCP_LISTEN:
            continue
        hex_addr, _, hex_port = fields[1].partition(":")
        sockets.append(
            ListeningSocket(_decode_address(hex_addr), int(hex_port, 16), int(fields[9]))
        )
    return sockets


def listening_inodes(port: int, tables: Iterable[str]) -> set[int]:
    return {s.inode for text in tables for s in parse_proc_net_tcp(text) if s.port == port}


def _proc_tables(proc: Path) -> Iterator[str]:
    for name in ("tcp", "tcp6"):
        try:
            yield (proc / "net" / name).read_text(encoding="ascii")
        except OSError:
            continue


def _command(proc: Path, pid: int) -> str:
    try:
        raw = (proc / str(pid) / "cmdline").read_bytes()
    except OSError:
        return "?"
    parts = [p.decode(errors="replace") for p in raw.split(b"\0") if p]
    return " ".join(parts)[:120] or "?"


def port_holders(port: int, proc: Path = Path("/proc")) -> list[PortHolder]:
    """Processes with a socket listening on ``port`` (empty when unknown or not permitted)."""
    inodes = listening_inodes(port, _proc_tables(proc))
    if not inodes:
        return []
    wanted = {f"socket:[{inode}]" for inode in inodes}
    holders = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                target = str(fd.readlink())
            except OSError:
                continue
            if target in wanted:
                pid = int(entry.name)
                holders.append(PortHolder(pid, _command(proc, pid)))
                break
    return sorted(holders, key=lambda h: h.pid)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


# The config setting of each stack component's port (its section is not always its name).
PORT_SETTINGS = {
    "postgres": ("postgres", "local_port"),
    "redis": ("redis", "local_port"),
    "s3": ("object_storage", "local_port"),
    "search": ("search", "local_port"),
}


def move_port_hint(component: str, port: int, setting: tuple[str, ...] | None = None) -> str:
    """How to give ``component`` another port on this machine only (the git-ignored override)."""
    path = setting or PORT_SETTINGS.get(component, (component, "local_port"))
    suggestion = (
        port + 10000 if port + 10000 < 65536 and port_is_free(port + 10000) else free_port()
    )
    lines = [f"{'  ' * depth}{key}:" for depth, key in enumerate(path[:-1])]
    lines.append(f"{'  ' * (len(path) - 1)}{path[-1]}: {suggestion}")
    snippet = "\n".join(f"      {line}" for line in lines)
    return (
        f"stop that process, or move {component} on this machine only: put\n{snippet}\n"
        "    in config/local.override.yaml (git-ignored; the committed generated files stay as they are)"
    )


def ensure_port_free(
    component: str, port: int, host: str = "127.0.0.1", *, setting: tuple[str, ...] | None = None
) -> None:
    """Raise :class:`PortBusy` naming the holder when ``port`` cannot be listened on.

    ``setting`` is the config path of that port when it is not the component's ``local_port``.
    """
    if port_is_free(port, host):
        return
    holders = port_holders(port)
    held_by = ", ".join(h.describe() for h in holders) or "a process this user cannot see"
    raise PortBusy(
        f"{component} cannot start: port {port} is in use by {held_by}",
        hint=move_port_hint(component, port, setting),
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS reports free right now (for tests and overlays)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
