"""Redis server configuration and ACL users for the native stack (pure: values in, text out).

One ACL user per service, limited to the key and channel patterns config grants it; the
``default`` user is the admin, with the ``REDIS_PASSWORD`` from ``.env``. Passwords are stored
as SHA-256 hashes (``#<hex>``), as Redis itself does on ``ACL SAVE``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

from avion_workspace.errors import AvionError
from avion_workspace.localenv import RedisUser

ADMIN_USER = "default"
ADMIN_PASSWORD_VAR = "REDIS_PASSWORD"  # noqa: S105 - the name of a .env entry  # pragma: allowlist secret


def password_hash(password: str) -> str:
    return "#" + hashlib.sha256(password.encode("utf-8")).hexdigest()


def service_rule(user: RedisUser, password_token: str) -> str:
    """The ACL rule text of a service user; ``password_token`` is ``>plain`` or ``#hash``."""
    return " ".join(user.acl_rule(password_token))


def _password(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if not value:
        raise AvionError(f"{name} is missing from .env", hint="run `inv setup` to complete it")
    return value


def acl_file_text(users: Sequence[RedisUser], env: Mapping[str, str]) -> str:
    lines = [
        f"user {ADMIN_USER} on {password_hash(_password(env, ADMIN_PASSWORD_VAR))} ~* &* +@all"
    ]
    for user in users:
        rule = service_rule(user, password_hash(_password(env, user.password_var)))
        lines.append(f"user {user.name} {rule}")
    return "\n".join(lines) + "\n"


def _quote(path: Path) -> str:
    return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'


def server_config_text(*, port: int, data_dir: Path, acl_file: Path, persistence: bool) -> str:
    """redis.conf for a loopback-only server with its data in ``data_dir``."""
    lines = [
        "# Written by `inv setup` (native local stack); rewritten when config changes.",
        "bind 127.0.0.1",
        f"port {port}",
        "protected-mode yes",
        "daemonize no",
        'logfile ""',
        f"dir {_quote(data_dir)}",
        f"aclfile {_quote(acl_file)}",
    ]
    if persistence:
        lines += ["appendonly yes", 'appendfilename "appendonly.aof"', "appendfsync everysec"]
    else:
        lines += ["appendonly no", 'save ""']
    return "\n".join(lines) + "\n"
