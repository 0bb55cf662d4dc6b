"""Reading a kubeconfig: the context an environment uses, its API server and credentials.

Only what the check needs: ``KUBECONFIG`` (several files, first definition wins) or
``~/.kube/config``; CA and client certificates as files or inline data; a bearer token; or an
exec credential plugin (what ``aws eks update-kubeconfig`` writes), run with a bounded timeout.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from avion_workspace.boundary import register_secret
from avion_workspace.ci.kubeconfig import context_name as ci_context_name
from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError, ConfigError, Location, Problem
from avion_workspace.redact import mask_tokens

EXEC_TIMEOUT = 5.0
MAX_KUBECONFIG_BYTES = 8 * 1024 * 1024  # many clusters with inline certificates
KUBECTL_GUIDE = "docs/kubectl.md"


class KubeconfigError(AvionError):
    """No usable kubeconfig context for the environment."""


@dataclass(frozen=True)
class ExecPlugin:
    command: str
    args: tuple[str, ...]
    env: Mapping[str, str]


@dataclass(frozen=True)
class ClusterAccess:
    """How to reach one context's API server, resolved from the kubeconfig."""

    context: str
    kubeconfig: str
    server: str
    namespace: str | None = None
    ca_pem: bytes | None = None
    insecure: bool = False
    token: str | None = None
    client_cert_pem: bytes | None = None
    client_key_pem: bytes | None = None
    exec_plugin: ExecPlugin | None = None


def context_for(platform: Platform) -> str:
    """The kubeconfig context of an environment.

    Local: the kind cluster's (``kind-<platform>``); Kubernetes environments: the ``avion-<env>``
    alias ``inv ci.kubeconfig`` writes.
    """
    if platform.environment.kind == "local":
        return f"kind-{platform.name}"
    return ci_context_name(platform)


def kubeconfig_paths(environ: Mapping[str, str] | None = None) -> list[Path]:
    environ = os.environ if environ is None else environ
    value = environ.get("KUBECONFIG", "")
    if value:
        return [Path(p).expanduser() for p in value.split(os.pathsep) if p]
    return [Path(environ.get("HOME", str(Path.home()))) / ".kube" / "config"]


def _named(items: Any) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            out.setdefault(item["name"], item)
    return out


@dataclass(frozen=True)
class Kubeconfig:
    paths: tuple[Path, ...]
    contexts: Mapping[str, dict[str, Any]]
    clusters: Mapping[str, dict[str, Any]]
    users: Mapping[str, dict[str, Any]]

    @property
    def described(self) -> str:
        return os.pathsep.join(str(p) for p in self.paths)


# Messages of the safe loader that never quote the file (others are replaced, see _redacted).
_CONTENT_FREE = (
    "character U+",
    "nested more than",
    "more than ",
    "the document expands",
    "merge keys",
    "file is not valid UTF-8",
    "expected a mapping at the top",
)


def _redacted(problem: Problem) -> Problem:
    """``problem`` with its location and nothing of the file's text (tokens, passwords...)."""
    message = problem.message
    if message.startswith("YAML"):
        message = "YAML syntax error"
    elif message.startswith("mapping key"):
        message = "a mapping key is not a string"
    elif message.startswith("duplicate key"):
        message = "a duplicate key"
    elif message.startswith("tag "):
        message = "a YAML tag is not allowed"
    elif not message.startswith(_CONTENT_FREE):
        message = "cannot be read"
    return Problem(message, problem.location, hint=problem.hint)


def _read_kubeconfig(path: Path) -> dict[str, Any]:
    """One kubeconfig file, bounded like the configuration (size, depth, aliases).

    Errors are located (file:line:col) and never quote the file: a kubeconfig holds tokens.
    """
    from avion_workspace.config.loader import load_text
    from avion_workspace.pathpolicy import UnreadableFile, read_regular

    try:
        raw = read_regular(path, limit=MAX_KUBECONFIG_BYTES, source=str(path))
    except UnreadableFile as exc:
        raise KubeconfigError(f"kubeconfig: {exc.message}", hint=exc.hint) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _invalid([Problem("file is not valid UTF-8", Location(str(path), line))]) from None
    try:
        return load_text(text, str(path)).data
    except ConfigError as exc:
        problems = [_redacted(p) for p in exc.problems if p.message != "the file is empty"]
        if not problems:
            return {}
        raise _invalid(problems) from None


def _invalid(problems: Sequence[Problem]) -> KubeconfigError:
    first = problems[0]
    return KubeconfigError(
        f"invalid kubeconfig {first.location}: {first.message}",
        hint=first.hint
        or "fix the YAML at the line and column shown (its text is not printed: it holds tokens)",
        problems=problems[1:],
    )


def load_kubeconfig(paths: Sequence[Path]) -> Kubeconfig:
    contexts: dict[str, dict[str, Any]] = {}
    clusters: dict[str, dict[str, Any]] = {}
    users: dict[str, dict[str, Any]] = {}
    for path in paths:
        if not path.exists():  # kubectl skips missing files too; a folder or FIFO is an error
            continue
        data = _read_kubeconfig(path)
        for target, key in ((contexts, "contexts"), (clusters, "clusters"), (users, "users")):
            for name, item in _named(data.get(key)).items():
                target.setdefault(name, item)
    return Kubeconfig(tuple(paths), contexts, clusters, users)


def _pem(section: Mapping[str, Any], data_key: str, file_key: str, base: Path) -> bytes | None:
    if isinstance(section.get(data_key), str):
        try:
            return base64.b64decode(section[data_key], validate=True)
        except binascii.Error:
            raise KubeconfigError(f"{data_key} is not valid base64") from None
    if isinstance(section.get(file_key), str):
        path = Path(section[file_key]).expanduser()
        path = path if path.is_absolute() else base / path
        from avion_workspace.pathpolicy import UnreadableFile, read_regular

        try:
            return read_regular(path, limit=MAX_KUBECONFIG_BYTES, source=str(path))
        except UnreadableFile as exc:
            raise KubeconfigError(f"{file_key}: {exc.message}", hint=exc.hint) from None
    return None


def resolve_context(config: Kubeconfig, context: str) -> ClusterAccess:
    """The API server and credentials of ``context``; a located message when it is missing."""
    hint = (
        f"CI writes it with `inv ci.kubeconfig --env <env>`; to get it locally see {KUBECTL_GUIDE}"
    )
    if context not in config.contexts:
        known = ", ".join(sorted(config.contexts)) or "none"
        raise KubeconfigError(
            f"no kubeconfig context {context!r} in {config.described} (contexts there: {known})",
            hint=hint,
        )
    ctx = config.contexts[context].get("context") or {}
    cluster_name, user_name = str(ctx.get("cluster")), str(ctx.get("user"))
    cluster = (config.clusters.get(cluster_name) or {}).get("cluster")
    if not isinstance(cluster, dict) or not isinstance(cluster.get("server"), str):
        raise KubeconfigError(
            f"context {context!r} names cluster {cluster_name!r}, which has no server in "
            f"{config.described}",
            hint=hint,
        )
    user = (config.users.get(user_name) or {}).get("user") or {}
    base = config.paths[0].parent if config.paths else Path.cwd()
    plugin = None
    if isinstance(user.get("exec"), dict) and isinstance(user["exec"].get("command"), str):
        spec = user["exec"]
        plugin = ExecPlugin(
            command=spec["command"],
            args=tuple(str(a) for a in spec.get("args") or ()),
            env={str(e["name"]): str(e["value"]) for e in spec.get("env") or () if "name" in e},
        )
    return ClusterAccess(
        context=context,
        kubeconfig=config.described,
        server=cluster["server"].rstrip("/"),
        namespace=ctx.get("namespace"),
        ca_pem=_pem(cluster, "certificate-authority-data", "certificate-authority", base),
        insecure=bool(cluster.get("insecure-skip-tls-verify", False)),
        token=user.get("token") if isinstance(user.get("token"), str) else None,
        client_cert_pem=_pem(user, "client-certificate-data", "client-certificate", base),
        client_key_pem=_pem(user, "client-key-data", "client-key", base),
        exec_plugin=plugin,
    )


def exec_token(access: ClusterAccess, timeout: float = EXEC_TIMEOUT) -> str:
    """Run the context's exec credential plugin (e.g. ``aws eks get-token``) for a token."""
    plugin = access.exec_plugin
    assert plugin is not None
    try:
        result = subprocess.run(
            [plugin.command, *plugin.args],
            env={**os.environ, **plugin.env},
            capture_output=True,
            text=True,
            errors="replace",  # a plugin's bytes are not ours to trust to be UTF-8
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise KubeconfigError(
            f"context {access.context!r} gets its token from {plugin.command!r}, "
            "which is not installed",
            hint="install it (for EKS: the AWS CLI) or use another context with --context",
        ) from None
    except OSError as exc:  # not executable, a folder, a bad interpreter line
        raise KubeconfigError(
            f"context {access.context!r} gets its token from {plugin.command!r}, "
            f"which cannot be run: {exc.strerror or exc}",
            hint="check the exec command of the kubeconfig user, or use another context with "
            "--context",
        ) from None
    except subprocess.TimeoutExpired:
        raise KubeconfigError(
            f"context {access.context!r}: {plugin.command} gave no token within {timeout:g} s"
        ) from None
    if result.returncode != 0:
        said = plugin_error_excerpt(result.stderr)
        raise KubeconfigError(
            f"context {access.context!r}: {plugin.command} exited with status {result.returncode}"
            + (f"; it said (token-like words masked):\n{said}" if said else ""),
            hint="are your cloud credentials current? (for AWS: `aws sso login` or the CI role); "
            f"run {plugin.command} yourself to see all it prints",
        )
    try:
        token = json.loads(result.stdout)["status"]["token"]
    except (ValueError, KeyError, TypeError):
        raise KubeconfigError(
            f"context {access.context!r}: {plugin.command} did not print an ExecCredential"
        ) from None
    if not isinstance(token, str):
        raise KubeconfigError(f"context {access.context!r}: the ExecCredential has no token")
    register_secret(token)  # never in a message or crash log the task boundary writes
    return token


PLUGIN_ERROR_LINES = 5
PLUGIN_ERROR_CHARS = 500


def plugin_error_excerpt(stderr: str) -> str:
    """What a failed credential plugin said, as it may be printed: its last few lines, every
    token-like word masked (:func:`avion_workspace.redact.mask_tokens`).

    The plugin's job is to hand out a token, and some echo one (or a session key) in a debug or
    error line; its reason for failing ("the SSO session has expired", "Unable to locate
    credentials") is usually the last line and is what the user needs. Its standard output, the
    credential itself, is never shown."""
    lines = [line.strip() for line in mask_tokens(stderr).splitlines() if line.strip()]
    text = "\n".join(f"  {line}" for line in lines[-PLUGIN_ERROR_LINES:])
    return text if len(text) <= PLUGIN_ERROR_CHARS else "..." + text[-PLUGIN_ERROR_CHARS:]
