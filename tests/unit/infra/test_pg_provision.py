"""SCRAM verifiers computed client-side, checked against what PostgreSQL stores."""

from __future__ import annotations

import base64

from avion_workspace.infra.pg_provision import scram_matches, scram_verifier


def test_verifier_format_and_round_trip() -> None:
    verifier = scram_verifier("s3cret", salt=b"0123456789abcdef")
    head, keys = verifier.split("$")[1:]
    assert verifier.startswith("SCRAM-SHA-256$4096:")
    assert base64.b64decode(head.split(":")[1]) == b"0123456789abcdef"
    assert len(keys.split(":")) == 2
    assert scram_matches(verifier, "s3cret")
    assert not scram_matches(verifier, "s3cret ")


def test_fresh_salt_each_time_yet_both_verify() -> None:
    a, b = scram_verifier("pw"), scram_verifier("pw")
    assert a != b
    assert scram_matches(a, "pw")
    assert scram_matches(b, "pw")


def test_known_vector_from_postgresql() -> None:
    # Stored by PostgreSQL 15 for password "avion" (CREATE ROLE ... PASSWORD 'avion').
    stored = "SCRAM-SHA-256$4096:lNZiC/Y33IhOhm29Vhfn0w==$Y81ydgHHHtvnZxr1WeYV69btJg/7n2GcYpcShQrfm2U=:dBv8NrX5djHgSmKJXoL98SG4rxXz8o6lmvHwlya7hfc="
    assert scram_matches(stored, "avion")
    assert not scram_matches(stored, "avion2")


def test_non_scram_or_garbage_never_matches() -> None:
    assert not scram_matches(None, "pw")
    assert not scram_matches("md5abcdef", "pw")
    assert not scram_matches("SCRAM-SHA-256$nonsense", "pw")
    assert not scram_matches("SCRAM-SHA-256$4096:!!$x:y", "pw")
