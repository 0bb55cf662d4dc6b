"""The stack's SigV4 signing, checked against botocore's signer on the same request."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from avion_workspace.infra.s3 import S3Client

CLIENT = S3Client(
    "http://127.0.0.1:9000",
    "AKIDEXAMPLE",
    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",  # pragma: allowlist secret
)
NOW = datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)


def botocore_authorization(method: str, url: str, body: bytes) -> str:
    request = AWSRequest(method=method, url=url, data=body)
    auth = S3SigV4Auth(Credentials(CLIENT.access_key, CLIENT.secret_key), "s3", "us-east-1")
    with mock.patch("botocore.auth.get_current_datetime", return_value=NOW.replace(tzinfo=None)):
        auth.add_auth(request)
    return str(request.headers["Authorization"])


def test_list_buckets_is_signed_as_botocore_signs_it() -> None:
    ours = CLIENT.signed_headers("GET", "/", "", b"", NOW)["Authorization"]
    assert ours == botocore_authorization("GET", "http://127.0.0.1:9000/", b"")


def test_a_subresource_put_with_a_body_is_signed_as_botocore_signs_it() -> None:
    body = b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"
    ours = CLIENT.signed_headers("PUT", "/avion-backups", "versioning", body, NOW)
    assert ours["Authorization"] == botocore_authorization(
        "PUT", "http://127.0.0.1:9000/avion-backups?versioning", body
    )
