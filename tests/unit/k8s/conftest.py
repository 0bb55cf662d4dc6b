"""A local HTTPS server answering with recorded Kubernetes API responses (the HTTP boundary).

No API server can be built cheaply here (kube-apiserver needs the Kubernetes source tree and
etcd), so the check is tested against JSON in the shapes the API returns, served over real TLS
with a throwaway CA, so the client's TLS, auth headers and timeouts are exercised for real.
"""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import require_program

RECORDED = Path(__file__).parent / "recorded"
TOKEN = "test-token-not-a-secret"  # pragma: allowlist secret


def recorded(name: str, **names: str) -> Any:
    text = (RECORDED / f"{name}.json").read_text()
    for key, value in names.items():
        text = text.replace(key, value)
    return json.loads(text)


@dataclass
class FakeCluster:
    """What the server answers: a version, which objects exist, which access is denied."""

    version: str = "version"
    namespaces: set[str] = field(
        default_factory=lambda: {"avion-staging", "ingress-nginx", "monitoring"}
    )
    crds: set[str] = field(
        default_factory=lambda: {
            "clusters.postgresql.cnpg.io",
            "servicemonitors.monitoring.coreos.com",
            "prometheusrules.monitoring.coreos.com",
        }
    )
    storage_classes: set[str] = field(default_factory=lambda: {"avion-standard"})
    denied: set[tuple[str, str]] = field(default_factory=set)  # (verb, resource)
    require_token: str | None = TOKEN
    reviews: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)

    def answer(self, method: str, path: str, body: Any, auth: str | None) -> tuple[int, Any]:
        self.authorizations.append(auth)
        if self.require_token and auth != f"Bearer {self.require_token}":
            return 401, recorded("unauthorized")
        if method == "GET" and path == "/version":
            return 200, recorded(self.version)
        kinds = (
            ("/api/v1/namespaces/", self.namespaces, "namespace"),
            ("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/", self.crds, "crd"),
            ("/apis/storage.k8s.io/v1/storageclasses/", self.storage_classes, "storageclass"),
        )
        for prefix, present, name in kinds:
            if method == "GET" and path.startswith(prefix):
                item = path.removeprefix(prefix)
                if item in present:
                    return 200, recorded(name, NAME=item)
                return 404, recorded("not-found", NAME=item)
        if method == "POST" and path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews":
            self.reviews.append(body)
            attrs = body["spec"]["resourceAttributes"]
            denied = (attrs["verb"], attrs["resource"]) in self.denied
            answer = recorded("access-review-denied" if denied else "access-review")
            answer["spec"] = body["spec"]
            return 201, answer
        return 404, recorded("not-found", NAME=path)


def _handler(cluster: FakeCluster) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            status, answer = cluster.answer(
                method, self.path, body, self.headers.get("Authorization")
            )
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._reply("GET")

        def do_POST(self) -> None:
            self._reply("POST")

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@dataclass(frozen=True)
class Pki:
    ca: Path
    cert: Path
    key: Path


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    openssl = require_program("openssl", "apt-get install openssl")
    folder = tmp_path_factory.mktemp("pki")
    cert, key = folder / "server.crt", folder / "server.key"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return Pki(cert, cert, key)


@dataclass
class Served:
    cluster: FakeCluster
    url: str
    ca_pem: bytes


@pytest.fixture
def api_server(pki: Pki) -> Iterator[Served]:
    cluster = FakeCluster()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(cluster))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.cert, pki.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(cluster, f"https://127.0.0.1:{server.server_address[1]}", pki.ca.read_bytes())
    finally:
        server.shutdown()
        server.server_close()


def write_kubeconfig(
    path: Path,
    context: str,
    server: str,
    *,
    ca_pem: bytes | None = None,
    user: dict[str, Any] | None = None,
) -> Path:
    cluster: dict[str, Any] = {"server": server}
    if ca_pem is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": context,
        "clusters": [{"name": "c", "cluster": cluster}],
        "users": [{"name": "u", "user": user if user is not None else {"token": TOKEN}}],
        "contexts": [{"name": context, "context": {"cluster": "c", "user": "u"}}],
    }
    path.write_text(yaml.safe_dump(document))
    return path
