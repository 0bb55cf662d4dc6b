"""Local credentials: generated once, completed, never changed."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from avion_workspace.config import load_platform
from avion_workspace.errors import AvionError
from avion_workspace.localenv import (
    credential_names,
    database_dsn,
    ensure_env,
    parse_env,
    read_env,
    redis_users,
)


@pytest.fixture(scope="module")
def platform(fixture_config: Path):  # type: ignore[no-untyped-def]
    return load_platform(fixture_config)


def test_generates_every_credential_privately(tmp_path: Path, platform) -> None:  # type: ignore[no-untyped-def]
    added = ensure_env(tmp_path, platform)
    assert added == credential_names(platform)
    values = read_env(tmp_path)
    assert set(values) == set(added)
    assert len(set(values.values())) == len(values)  # all distinct
    assert all(len(v) >= 12 for v in values.values())
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600


def test_existing_values_are_kept_and_missing_ones_added(tmp_path: Path, platform) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_text("# mine\nPOSTGRES_PASSWORD=keep-me\nOTHER=1")
    added = ensure_env(tmp_path, platform)
    assert "POSTGRES_PASSWORD" not in added
    values = read_env(tmp_path)
    assert values["POSTGRES_PASSWORD"] == "keep-me"  # pragma: allowlist secret
    assert values["OTHER"] == "1"
    assert (tmp_path / ".env").read_text().startswith("# mine\n")
    assert ensure_env(tmp_path, platform) == []


def test_dsn_uses_the_owner_role_and_its_password(tmp_path: Path, platform) -> None:  # type: ignore[no-untyped-def]
    ensure_env(tmp_path, platform)
    password = read_env(tmp_path)["AVION_ALPHA_DB_PASSWORD"]
    assert database_dsn(tmp_path, platform, "avion_alpha_db") == (
        f"postgresql://avion_alpha:{password}@127.0.0.1:5432/avion_alpha_db"
    )
    with pytest.raises(AvionError, match="unknown database"):
        database_dsn(tmp_path, platform, "nope")


def test_missing_env_says_what_to_run(tmp_path: Path, platform) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AvionError) as info:
        database_dsn(tmp_path, platform, "avion_alpha_db")
    assert info.value.hint == "run `inv setup` to generate it"


def test_redis_users_are_limited_to_their_namespaces(platform) -> None:  # type: ignore[no-untyped-def]
    users = {u.name: u for u in redis_users(platform)}
    assert users["avion_alpha"].key_patterns == ("~cache:*", "~session:*")
    assert users["avion_beta"].key_patterns == ("~queue:*",)
    assert set(users) == {"avion_alpha", "avion_beta"}  # gamma uses no Redis


def test_parse_env_ignores_comments_and_quotes() -> None:
    assert parse_env("# c\nA=1\nB = 'two'\n\nnot a pair\n") == {"A": "1", "B": "two"}
