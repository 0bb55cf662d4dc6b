"""``--dsn``: checked before use, and its password kept out of every message.

A DSN is accepted as a ``postgresql://`` / ``postgres://`` URL or a libpq ``key=value`` string.
Anything else (empty, a scheme typo, a malformed host, a bad percent escape...) is refused
with a message that never repeats the DSN: libpq's own messages quote the text they failed on,
password included. The password of every DSN the engine handles is registered with the task
boundary (:func:`avion_workspace.boundary.register_secret`), which masks it in everything it
prints or logs, whatever error path it arrives by.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from avion_migrate.errors import MigrationError

from avion_workspace.boundary import register_secret

_SCHEMES = ("postgresql", "postgres")
_URL = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)$", re.DOTALL)
_KEYWORD_PASSWORD = re.compile(r"password\s*=\s*('(?:[^'\\]|\\.)*'?|\S+)", re.IGNORECASE)
_HINT = (
    "write it as postgresql://USER:PASSWORD@HOST:PORT/DBNAME (percent-encode special "  # pragma: allowlist secret
    "characters) or as key=value pairs (host=... port=... dbname=... user=... password=...)"
)


def dsn_secrets(dsn: str) -> set[str]:
    """Every string that may be the password of ``dsn``, however malformed it is."""
    found: set[str] = set()
    match = _URL.match(dsn)
    if match:
        authority = match.group("rest").split("/", 1)[0].split("?", 1)[0]
        for userinfo in (authority.partition("@")[0], authority.rpartition("@")[0]):
            if ":" in userinfo:
                found.add(userinfo.split(":", 1)[1])
    for value in _KEYWORD_PASSWORD.findall(dsn):
        found.add(value)
        found.add(value.strip("'"))
    try:
        from psycopg.conninfo import conninfo_to_dict

        password = conninfo_to_dict(dsn).get("password")
    except Exception:  # noqa: BLE001 - any parse failure: the regexes above stand
        password = None
    if isinstance(password, str):
        found.add(password)
    variants = set()
    for secret in found:
        variants |= {secret, unquote(secret), quote(secret, safe="")}
    return {s for s in variants if s}


def check_dsn(dsn: str | None, *, option: str = "--dsn") -> None:
    """Refuse an empty or unparseable DSN without repeating it; register its password."""
    if dsn is None:
        return
    for secret in dsn_secrets(dsn):
        register_secret(secret)
    if not dsn.strip():
        raise MigrationError(
            f"{option} is empty",
            hint="give the database URL (an empty DSN would connect wherever the PG* "
            "environment variables point)",
        )
    match = _URL.match(dsn)
    if match and match.group(1).lower() not in _SCHEMES:
        raise MigrationError(
            f"{option} has the scheme {match.group(1)!r}, not postgresql://", hint=_HINT
        )
    from psycopg.conninfo import conninfo_to_dict

    try:
        conninfo_to_dict(dsn)
    except Exception:  # noqa: BLE001 - libpq's message quotes the DSN: never show it
        raise MigrationError(
            f"{option} is not a valid PostgreSQL connection string "
            "(details withheld: they would show the password)",
            hint=_HINT,
        ) from None
