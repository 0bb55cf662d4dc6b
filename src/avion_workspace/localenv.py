"""Local credentials: the git-ignored ``.env`` that ``inv setup`` generates, and DSNs built on it.

Values are random, generated once, and never changed or dropped afterwards: a second run only
adds names that are missing, and moves a value an older version wrote under a former name
(:data:`FORMER_NAMES`) to its current name. Nothing here is ever committed (``.env.example``
has the names).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError

ENV_FILE = ".env"

# The local S3 server's root credentials. Named for what they are, like the services' own
# ``<PREFIX>_S3_ACCESS_KEY`` / ``<PREFIX>_S3_SECRET_KEY`` settings (libs/service), not for a server:
# the server changed once already (docs/decisions/0001-s3-server.md).
S3_ROOT_ACCESS_KEY = "S3_ROOT_ACCESS_KEY"
S3_ROOT_SECRET_KEY = "S3_ROOT_SECRET_KEY"  # noqa: S105 - a variable name  # pragma: allowlist secret

# Names an older ``inv setup`` wrote, and the name each became. ``ensure_env`` carries a value
# over once; nothing else reads the old names.
FORMER_NAMES = {
    "MINIO_ROOT_USER": S3_ROOT_ACCESS_KEY,
    "MINIO_ROOT_PASSWORD": S3_ROOT_SECRET_KEY,  # pragma: allowlist secret
}


# What a service's Redis user may run: everything but administration and dangerous commands.
REDIS_SERVICE_COMMANDS = ("+@all", "-@admin", "-@dangerous")


@dataclass(frozen=True)
class RedisUser:
    name: str
    password_var: str
    key_patterns: tuple[str, ...]
    channel_patterns: tuple[str, ...]

    def acl_rule(self, password_token: str) -> tuple[str, ...]:
        """The ACL rule's words; ``password_token`` is ``>plain`` or ``#sha256``.

        The one definition both stacks use: the compose file's ``--user`` arguments and the
        native backend's ACL file.
        """
        return (
            "on",
            password_token,
            "resetkeys",
            *self.key_patterns,
            "resetchannels",
            *self.channel_patterns,
            *REDIS_SERVICE_COMMANDS,
        )


@dataclass(frozen=True)
class DatabaseCredential:
    name: str
    owner: str
    password_var: str


def database_password_var(database: str) -> str:
    return f"{database.upper()}_PASSWORD"


def databases(platform: Platform) -> list[DatabaseCredential]:
    return [
        DatabaseCredential(db.name, db.owner, database_password_var(db.name))
        for db in platform.postgres.databases.values()
    ]


def redis_users(platform: Platform) -> list[RedisUser]:
    """One ACL user per service that uses Redis, limited to the key patterns config grants it."""
    users = []
    for service in platform.services.values():
        if not service.redis_namespaces:
            continue
        name = f"avion_{service.name.replace('-', '_')}"
        patterns = tuple(f"~{p}" for p in service.redis_key_patterns)
        channels = tuple(f"&{p}" for p in service.redis_key_patterns)
        users.append(
            RedisUser(name, f"AVION_{service.env_prefix}_REDIS_PASSWORD", patterns, channels)
        )
    return users


def credential_names(platform: Platform) -> list[str]:
    """Every name the local .env holds, in file order."""
    names = ["POSTGRES_PASSWORD"]
    names += [db.password_var for db in databases(platform)]
    names.append("REDIS_PASSWORD")
    names += [user.password_var for user in redis_users(platform)]
    names += [S3_ROOT_ACCESS_KEY, S3_ROOT_SECRET_KEY, "MEILI_MASTER_KEY"]
    return names


def rename_note(env: Mapping[str, str], missing: Iterable[str]) -> str:
    """A hint's sentence when ``missing`` names are in ``env`` under a former name, else ''."""
    wanted = set(missing)
    former = [
        f"{old} -> {new}" for old, new in FORMER_NAMES.items() if new in wanted and old in env
    ]
    if not former:
        return ""
    return f"; it also renames {', '.join(former)}, keeping the values"


def parse_env(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


MAX_ENV_BYTES = 1024 * 1024


def read_env(root: Path) -> dict[str, str]:
    from avion_workspace.pathpolicy import read_regular

    path = root / ENV_FILE
    if not path.exists():
        raise AvionError(
            f"no local credentials: {path} does not exist", hint="run `inv setup` to generate it"
        )
    data = read_regular(path, limit=MAX_ENV_BYTES, source=ENV_FILE)
    return parse_env(data.decode("utf-8", "replace"))


def _new_value(name: str) -> str:
    if name == S3_ROOT_ACCESS_KEY:
        return "avion-" + secrets.token_hex(4)
    return secrets.token_urlsafe(24).replace("-", "A").replace("_", "b")


@dataclass(frozen=True)
class EnvChanges:
    """What ``ensure_env`` did to ``.env``: names only, never a value."""

    added: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (former, current)
    superseded: list[tuple[str, str]] = field(default_factory=list)  # (former, current)

    def messages(self) -> list[str]:
        """One line per kind of change, for ``inv setup`` to print."""
        lines = []
        if self.renamed:
            pairs = ", ".join(f"{old} -> {new}" for old, new in self.renamed)
            lines.append(f"credentials: renamed {pairs} in {ENV_FILE} (values kept)")
        if self.superseded:
            pairs = ", ".join(f"{old} (kept {new})" for old, new in self.superseded)
            lines.append(
                f"credentials: {ENV_FILE} had both names with different values; commented out {pairs}"
            )
        if self.added:
            lines.append(
                f"credentials: generated {len(self.added)} local secrets into {ENV_FILE} (git-ignored)"
            )
        return lines or [f"credentials: {ENV_FILE} is complete"]


def _carry_over_former_names(text: str) -> tuple[str, EnvChanges]:
    """``text`` with each former name renamed to its current one, once.

    The value is kept byte for byte: the local S3 data was created under it. When the current
    name is there too, it wins (only this version writes it, so the stack has been started
    with it since); the former line becomes a comment when its value differs, so nothing is
    lost, and goes when it is the same.
    """
    current = parse_env(text)
    renamed: list[tuple[str, str]] = []
    superseded: list[tuple[str, str]] = []
    lines = []
    for raw in text.splitlines(keepends=True):
        key, eq, rest = raw.partition("=")
        old = key.strip()
        new = FORMER_NAMES.get(old) if eq else None
        if new is None:
            lines.append(raw)
        elif new not in current:
            lines.append(key.replace(old, new, 1) + eq + rest)
            if (old, new) not in renamed:
                renamed.append((old, new))
        elif parse_env(raw)[old] != current[new]:
            lines.append(f"# superseded by {new} (inv setup kept that one): {raw}")
            if (old, new) not in superseded:
                superseded.append((old, new))
    return "".join(lines), EnvChanges(renamed=renamed, superseded=superseded)


def ensure_env(root: Path, platform: Platform) -> EnvChanges:
    """Create or complete ``.env``; returns what changed. Existing values are never changed.

    Values under a former name (:data:`FORMER_NAMES`) move to the current name first.
    The file is written through a temporary file created with mode 0600 (``O_EXCL``, same
    folder, git-ignored name) and renamed over ``.env``: no moment exists where the secrets
    are readable by others, and a process killed before the rename leaves at most a private
    temporary file, which the next run removes.
    """
    from avion_workspace.pathpolicy import safe_target
    from avion_workspace.render.writer import atomic_write, remove_stale_temps

    path = safe_target(root, ENV_FILE, what="credentials file")
    remove_stale_temps(root, [ENV_FILE])
    original = read_regular_text(path) if path.exists() or path.is_symlink() else ""
    text, changes = _carry_over_former_names(original)
    existing = parse_env(text)
    missing = [n for n in credential_names(platform) if n not in existing]
    if not missing and text == original:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)  # an older .env made readable by others: close it
        return changes
    if not text:
        text = "# Local credentials generated by `inv setup`. Git-ignored; never commit.\n"
    elif not text.endswith("\n"):
        text += "\n"
    text += "".join(f"{name}={_new_value(name)}\n" for name in missing)
    atomic_write(path, text.encode("utf-8", "surrogateescape"), mode=0o600)
    return EnvChanges(added=missing, renamed=changes.renamed, superseded=changes.superseded)


def read_regular_text(path: Path) -> str:
    """``.env`` as text to rewrite: bytes that are not UTF-8 (a Latin-1 password) decode to
    surrogates that :func:`ensure_env` encodes back to the same bytes (a replacement character
    would change the value the local services were set up with)."""
    from avion_workspace.pathpolicy import read_regular

    raw = read_regular(path, limit=MAX_ENV_BYTES, source=ENV_FILE)
    return raw.decode("utf-8", "surrogateescape")


def database_dsn(root: Path, platform: Platform, database: str, *, host: str = "127.0.0.1") -> str:
    """The DSN of a service database on the local stack, as its owner role."""
    db = platform.postgres.databases.get(database)
    if db is None:
        raise AvionError(f"unknown database {database!r}")
    password = read_env(root).get(database_password_var(database))
    if password is None:
        raise AvionError(
            f"no password for {database} in {root / ENV_FILE}",
            hint="run `inv setup` to complete it",
        )
    return (
        f"postgresql://{quote(db.owner, safe='')}:{quote(password, safe='')}"
        f"@{host}:{platform.postgres.local_port}/{quote(database, safe='')}"
    )
