"""Who holds a port: /proc parsing, and the real holder of a real listening socket."""

from __future__ import annotations

import os
import socket

import pytest

from avion_workspace.infra.errors import PortBusy
from avion_workspace.infra.ports import (
    ensure_port_free,
    listening_inodes,
    parse_proc_net_tcp,
    port_holders,
    port_is_free,
)

TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 4242 1 0 100 0 0 10 0
   1: 0100007F:1538 0100007F:D0C2 01 00000000:00000000 00:00000000 00000000   999        0 5555 1 0 20 4 30 10 -1
   2: 00000000:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0 100 0 0 10 0
"""
TCP6 = """\
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1538 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9001 1 0 100 0 0 10 0
"""


def test_parse_keeps_only_listening_sockets_with_decoded_addresses() -> None:
    sockets = parse_proc_net_tcp(TCP)
    assert [(s.address, s.port, s.inode) for s in sockets] == [
        ("127.0.0.1", 5432, 4242),
        ("0.0.0.0", 6379, 777),  # noqa: S104 - a parsed address, nothing binds
    ]
    (v6,) = parse_proc_net_tcp(TCP6)
    assert (v6.address, v6.port, v6.inode) == ("::1", 5432, 9001)


def test_listening_inodes_merge_ipv4_and_ipv6_tables() -> None:
    assert listening_inodes(5432, [TCP, TCP6]) == {4242, 9001}
    assert listening_inodes(9999, [TCP, TCP6]) == set()


@pytest.fixture
def listener() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock  # type: ignore[misc]
    sock.close()


def test_the_holder_of_a_real_listening_socket_is_this_process(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    holders = port_holders(port)
    assert [h.pid for h in holders] == [os.getpid()]
    assert "python" in holders[0].command or "pytest" in holders[0].command
    assert not port_is_free(port)


def test_a_busy_port_is_reported_with_its_holder(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    with pytest.raises(PortBusy) as caught:
        ensure_port_free("redis", port)
    assert caught.value.message.startswith(
        f"redis cannot start: port {port} is in use by pid {os.getpid()} ("
    )
    hint = caught.value.hint or ""
    assert "move redis on this machine only" in hint
    assert "      redis:\n        local_port: " in hint
    assert "config/local.override.yaml" in hint


def test_the_hint_names_the_setting_of_the_component_that_is_busy(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    with pytest.raises(PortBusy) as caught:
        ensure_port_free("s3", port)
    assert "      object_storage:\n        local_port: " in (caught.value.hint or "")
    with pytest.raises(PortBusy) as caught:
        ensure_port_free("s3", port, setting=("object_storage", "local_console_port"))
    assert "        local_console_port: " in (caught.value.hint or "")


def test_a_free_port_passes(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    listener.close()
    ensure_port_free("redis", port)
    assert port_holders(port) == []
