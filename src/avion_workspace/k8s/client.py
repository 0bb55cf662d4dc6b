"""A minimal Kubernetes API client: JSON over HTTPS with bounded timeouts, nothing else.

The check needs five GETs and a POST; a full client library would add a dependency and its own
retry and timeout behaviour, where ours must give up within seconds and say why.
"""

from __future__ import annotations

import http.client
import json
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from avion_workspace.errors import AvionError
from avion_workspace.k8s.kubeconfig import ClusterAccess, exec_token

# Per socket operation (connect, each read): an unreachable cluster fails within this.
REQUEST_TIMEOUT = 3.0


class ClusterUnreachable(AvionError):
    """The API server did not answer."""


@dataclass(frozen=True)
class Response:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def _ssl_context(access: ClusterAccess, workdir: Path) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if access.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif access.ca_pem is not None:
        context = ssl.create_default_context(cadata=access.ca_pem.decode("ascii", "replace"))
    if access.client_cert_pem is not None and access.client_key_pem is not None:
        # ssl loads a client certificate from files only; they live as long as the client.
        cert, key = workdir / "client.crt", workdir / "client.key"
        for path, data in ((cert, access.client_cert_pem), (key, access.client_key_pem)):
            path.write_bytes(data)
            path.chmod(0o600)
        context.load_cert_chain(cert, key)
    return context


class ApiClient:
    """Talks to one context's API server; every failure to connect is :class:`ClusterUnreachable`."""

    def __init__(self, access: ClusterAccess, timeout: float = REQUEST_TIMEOUT) -> None:
        self.access = access
        self.timeout = timeout
        url = urlsplit(access.server)
        if url.scheme not in ("https", "http") or not url.hostname:
            raise AvionError(
                f"context {access.context!r}: server {access.server!r} is not an http(s) URL"
            )
        self._scheme = url.scheme
        self._host = url.hostname
        self._port = url.port or (443 if url.scheme == "https" else 80)
        self._prefix = url.path.rstrip("/")
        self._workdir = tempfile.TemporaryDirectory(prefix="avion-k8s-")
        self._ssl = (
            _ssl_context(access, Path(self._workdir.name)) if url.scheme == "https" else None
        )
        self._token = access.token
        if self._token is None and access.exec_plugin is not None:
            self._token = exec_token(access)

    def close(self) -> None:
        self._workdir.cleanup()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connection(self) -> http.client.HTTPConnection:
        if self._ssl is not None:
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=self.timeout, context=self._ssl
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)

    def request(self, method: str, path: str, body: Any = None) -> Response:
        headers = {"Accept": "application/json", "User-Agent": "avion-k8s-check"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        connection = self._connection()
        try:
            connection.request(method, self._prefix + path, body=payload, headers=headers)
            raw = connection.getresponse()
            data = raw.read()
        except ssl.SSLError as exc:
            raise ClusterUnreachable(
                f"context {self.access.context!r}: TLS with {self.access.server} failed: "
                f"{exc.reason or exc}",
                hint="is the cluster's CA in the kubeconfig current? (re-run inv ci.kubeconfig)",
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            reason = (
                "timed out" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__
            )
            raise ClusterUnreachable(
                f"the API server of context {self.access.context!r} at {self.access.server} "
                f"does not answer: {reason}",
                hint="is the cluster running and this network allowed to reach it? "
                f"(kubeconfig: {self.access.kubeconfig})",
            ) from None
        finally:
            connection.close()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data.decode("utf-8", "replace")[:200]
        return Response(raw.status, parsed)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, body: Any) -> Response:
        return self.request("POST", path, body)
