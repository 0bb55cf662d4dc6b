"""The S3 side of the stack: a small SigV4 client on the local endpoint, idempotent buckets.

The stack needs six S3 calls (list and create buckets, get and set versioning, get and set
lifecycle); signing them here (AWS Signature Version 4, path-style) keeps a warm ``inv setup``
free of a full S3 SDK's import cost. The services themselves use botocore; the integration
tests check the buckets with boto3, an independent client.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from avion_workspace.config.model import Bucket
from avion_workspace.errors import AvionError

REGION = "us-east-1"
NS = "http://s3.amazonaws.com/doc/2006-03-01/"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class S3Error(AvionError):
    """The S3 server refused a request; ``code`` is its S3 error code (``NoSuchBucket``, ...)."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(f"S3 {code} ({status}): {message}")
        self.code = code
        self.status = status


def _sign(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class S3Client:
    """Path-style requests to one endpoint, signed with SigV4; short timeouts, no retries."""

    endpoint: str
    access_key: str
    secret_key: str
    region: str = REGION
    timeout: float = 10.0

    def signed_headers(
        self,
        method: str,
        path: str,
        query: str,
        body: bytes,
        now: datetime,
    ) -> dict[str, str]:
        """The headers that authenticate one request (pure: ``now`` is given)."""
        host = urlsplit(self.endpoint).netloc
        stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        payload = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
        headers = {"host": host, "x-amz-content-sha256": payload, "x-amz-date": stamp}
        names = ";".join(sorted(headers))
        canonical = "\n".join(
            [
                method,
                quote(path, safe="/-_.~"),
                _canonical_query(query),
                *(f"{k}:{headers[k]}" for k in sorted(headers)),
                "",
                names,
                payload,
            ]
        )
        scope = f"{day}/{self.region}/s3/aws4_request"
        to_sign = "\n".join(
            ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
        )
        key = _sign(("AWS4" + self.secret_key).encode(), day)
        for part in (self.region, "s3", "aws4_request"):
            key = _sign(key, part)
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return {
            **{k: v for k, v in headers.items() if k != "host"},
            "Authorization": f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
            f"SignedHeaders={names}, Signature={signature}",
        }

    def request(
        self,
        method: str,
        path: str = "/",
        query: str = "",
        body: bytes = b"",
        *,
        extra: Mapping[str, str] | None = None,
    ) -> bytes:
        """One signed request; the response body, or :class:`S3Error` with the server's code."""
        url = urlsplit(self.endpoint)
        headers = self.signed_headers(method, path, query, body, datetime.now(UTC))
        headers |= extra or {}
        if body:
            headers["Content-Length"] = str(len(body))
        connection_type = (
            http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_type(url.netloc, timeout=self.timeout)
        try:
            connection.request(
                method, quote(path, safe="/-_.~") + (f"?{query}" if query else ""), body, headers
            )
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        if response.status >= 300:
            code, message = _error(data)
            raise S3Error(code or response.reason, message, response.status)
        return data

    def list_buckets(self) -> list[str]:
        root = _parse(self.request("GET"))
        return [e.text or "" for e in root.iter(f"{{{NS}}}Name")]

    def make_bucket(self, name: str) -> None:
        self.request("PUT", f"/{name}")

    def versioning(self, name: str) -> str:
        """``Enabled``, ``Suspended``, or ``""`` for a bucket never versioned."""
        status = _parse(self.request("GET", f"/{name}", "versioning")).find(f"{{{NS}}}Status")
        return status.text or "" if status is not None else ""

    def enable_versioning(self, name: str) -> None:
        body = (
            f'<VersioningConfiguration xmlns="{NS}"><Status>Enabled</Status>'
            "</VersioningConfiguration>"
        ).encode()
        self.request("PUT", f"/{name}", "versioning", body)

    def expiry_days(self, name: str) -> set[int]:
        """The expiry days of the bucket's enabled lifecycle rules (empty: none)."""
        try:
            root = _parse(self.request("GET", f"/{name}", "lifecycle"))
        except S3Error as exc:
            if exc.code == "NoSuchLifecycleConfiguration":
                return set()
            raise
        days = set()
        for rule in root.iter(f"{{{NS}}}Rule"):
            if rule.findtext(f"{{{NS}}}Status") == "Enabled":
                found = rule.findtext(f"{{{NS}}}Expiration/{{{NS}}}Days")
                if found:
                    days.add(int(found))
        return days

    def set_expiry(self, name: str, days: int) -> None:
        body = expiry_rules_xml(days)
        # S3 requires Content-MD5 on a lifecycle configuration (an integrity check, not security)
        md5 = base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()
        self.request("PUT", f"/{name}", "lifecycle", body, extra={"Content-MD5": md5})


def _canonical_query(query: str) -> str:
    """SigV4's canonical query: sorted ``key=value`` pairs, a bare subresource as ``key=``."""
    pairs = [part if "=" in part else f"{part}=" for part in query.split("&") if part]
    return "&".join(sorted(pairs))


def _parse(body: bytes) -> ET.Element:
    # Answers of the stack's own S3 server on loopback; expat resolves no external entities
    # and (2.4.1+) refuses entity expansion bombs.
    return ET.fromstring(body)  # noqa: S314


def _error(body: bytes) -> tuple[str, str]:
    try:
        root = _parse(body)
    except ET.ParseError:
        return "", body.decode(errors="replace")[:200]
    return root.findtext("Code") or "", root.findtext("Message") or ""


def s3_client(endpoint: str, access_key: str, secret_key: str) -> S3Client:
    return S3Client(endpoint.rstrip("/"), access_key, secret_key)


def expiry_rules_xml(days: int) -> bytes:
    """A lifecycle configuration expiring every object of a bucket ``days`` after creation."""
    root = ET.Element("LifecycleConfiguration", xmlns=NS)
    rule = ET.SubElement(root, "Rule")
    ET.SubElement(rule, "ID").text = f"expire-after-{days}-days"
    ET.SubElement(ET.SubElement(rule, "Filter"), "Prefix").text = ""
    ET.SubElement(rule, "Status").text = "Enabled"
    ET.SubElement(ET.SubElement(rule, "Expiration"), "Days").text = str(days)
    return ET.tostring(root)


def ensure_buckets(
    client: S3Client, buckets: Iterable[Bucket], *, lifecycle: bool = True
) -> list[str]:
    """Create missing buckets and set versioning and expiry as config says; returns what changed.

    ``lifecycle=False``: the server implements no bucket lifecycle (``inv doctor`` says so), so
    expiry is left to the production target. Existing buckets and objects are never removed.
    """
    changes = []
    existing = set(client.list_buckets())
    for bucket in buckets:
        if bucket.name not in existing:
            client.make_bucket(bucket.name)
            changes.append(f"created bucket {bucket.name}")
        if bucket.versioning and client.versioning(bucket.name) != "Enabled":
            client.enable_versioning(bucket.name)
            changes.append(f"enabled versioning on {bucket.name}")
        expiry = bucket.expire_days
        if lifecycle and expiry is not None and client.expiry_days(bucket.name) != {expiry}:
            client.set_expiry(bucket.name, expiry)
            changes.append(f"set {expiry}-day expiry on {bucket.name}")
    return changes
