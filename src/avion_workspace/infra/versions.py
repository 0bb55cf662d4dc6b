"""Which version each running component is, as the server itself reports it over its protocol.

Asked of the running server (not of a binary on disk), so ``inv infra.status --json`` shows what
actually answers on the port, whichever backend started it.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping

from avion_workspace.infra.resp import redis_command
from avion_workspace.infra.stack import Credentials, Endpoints, admin_dsn


def postgres_version(creds: Credentials, endpoints: Endpoints) -> str:
    """``server_version``, e.g. ``17.10`` (a distribution suffix such as `` (Debian ...)`` dropped)."""
    import psycopg

    with psycopg.connect(admin_dsn(creds, endpoints), connect_timeout=5) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else ""


def redis_version(creds: Credentials, endpoints: Endpoints) -> str:
    info = redis_command(
        endpoints.host, endpoints.redis, creds.redis_password, "INFO", "server", timeout=5
    )
    found = re.search(r"^redis_version:(\S+)", info or "", re.MULTILINE)
    return found.group(1) if found else ""


def search_version(creds: Credentials, endpoints: Endpoints) -> str:
    """Meilisearch's ``GET /version`` (needs the master key)."""
    request = urllib.request.Request(  # noqa: S310 - http on loopback
        f"{endpoints.url('search')}/version",
        headers={"Authorization": f"Bearer {creds.search_master_key}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        body = json.loads(response.read() or b"{}")
    return str(body.get("pkgVersion", "")) if isinstance(body, dict) else ""


def s3_version(creds: Credentials, endpoints: Endpoints) -> str:
    """The version in the S3 server's ``Server`` response header, e.g. ``SeaweedFS 30GB 4.01``."""
    request = urllib.request.Request(f"{endpoints.url('s3')}/", method="HEAD")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            header = response.headers.get("Server", "")
    except urllib.error.HTTPError as exc:  # anonymous requests are refused: the header is there
        header = exc.headers.get("Server", "")
    found = re.search(r"(\d+\.\d+(?:\.\d+)?)", header or "")
    return found.group(1) if found else ""


PROBES: Mapping[str, Callable[[Credentials, Endpoints], str]] = {
    "postgres": postgres_version,
    "redis": redis_version,
    "s3": s3_version,
    "search": search_version,
}


def running_version(component: str, creds: Credentials, endpoints: Endpoints) -> str | None:
    """The running server's version; None when it cannot be asked (stopped, refusing, ...)."""
    try:
        return PROBES[component](creds, endpoints) or None
    except Exception:  # noqa: BLE001 - any failure only means the version is unknown
        return None
