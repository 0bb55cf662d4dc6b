"""Service roles and databases on the local PostgreSQL: created when missing, never dropped.

Each service database is owned by its own login role whose password is the one in ``.env``.
Passwords are sent as SCRAM-SHA-256 verifiers computed here, never in plain text, and an
existing role's stored verifier is checked against ``.env`` so that a second run changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from psycopg import Connection

SCRAM_ITERATIONS = 4096  # PostgreSQL's default scram_iterations


@dataclass(frozen=True)
class DatabaseSpec:
    name: str
    owner: str
    password: str


def _keys(password: str, salt: bytes, iterations: int) -> tuple[bytes, bytes]:
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    return stored_key, server_key


def scram_verifier(
    password: str, *, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS
) -> str:
    """The ``SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>`` string PostgreSQL stores."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    stored, server = _keys(password, salt, iterations)
    b64 = base64.b64encode
    return f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}${b64(stored).decode()}:{b64(server).decode()}"


def scram_matches(verifier: str | None, password: str) -> bool:
    """Whether ``verifier`` (from pg_authid.rolpassword) was made from ``password``."""
    if not verifier or not verifier.startswith("SCRAM-SHA-256$"):
        return False
    try:
        head, keys = verifier.removeprefix("SCRAM-SHA-256$").split("$")
        iterations, salt = head.split(":")
        stored, server = keys.split(":")
        want = _keys(password, base64.b64decode(salt), int(iterations))
        got = (base64.b64decode(stored), base64.b64decode(server))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(want[0], got[0]) and hmac.compare_digest(want[1], got[1])


def ensure_databases(
    conn: Connection[tuple[object, ...]], specs: Sequence[DatabaseSpec]
) -> list[str]:
    """Create missing roles and databases, fix owners and passwords; returns what changed.

    ``conn`` is a superuser connection in autocommit mode (CREATE DATABASE cannot run in a
    transaction). Nothing is dropped.
    """
    from psycopg import sql

    owners = [s.owner for s in specs]
    names = [s.name for s in specs]
    roles: dict[str, str | None] = dict(
        conn.execute(  # type: ignore[arg-type]
            "SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY(%s)", (owners,)
        ).fetchall()
    )
    dbs: dict[str, str] = dict(
        conn.execute(  # type: ignore[arg-type]
            "SELECT datname, pg_get_userbyid(datdba) FROM pg_database WHERE datname = ANY(%s)",
            (names,),
        ).fetchall()
    )
    changes = []
    for spec in specs:
        role = sql.Identifier(spec.owner)
        if spec.owner not in roles:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    role, sql.Literal(scram_verifier(spec.password))
                )
            )
            changes.append(f"created role {spec.owner}")
        elif not scram_matches(roles[spec.owner], spec.password):
            conn.execute(
                sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(
                    role, sql.Literal(scram_verifier(spec.password))
                )
            )
            changes.append(f"set the password of role {spec.owner} from .env")
        database = sql.Identifier(spec.name)
        if spec.name not in dbs:
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(database, role))
            conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database))
            changes.append(f"created database {spec.name}")
        elif dbs[spec.name] != spec.owner:
            conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(database, role))
            changes.append(f"made {spec.owner} the owner of {spec.name}")
    return changes
