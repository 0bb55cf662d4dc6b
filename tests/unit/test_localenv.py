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


def test_secrets_are_private_from_the_first_byte_whatever_the_umask(
    tmp_path: Path,
    platform,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    import os

    seen: list[int] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        seen.append(stat.S_IMODE(os.fstat(fd).st_mode))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    (tmp_path / ".env").write_text("POSTGRES_PASSWORD=keep-me\n")
    (tmp_path / ".env").chmod(0o644)
    old = os.umask(0)
    try:
        ensure_env(tmp_path, platform)
    finally:
        os.umask(old)
    assert seen == [0o600]
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600


def test_a_run_killed_before_the_rename_leaves_nothing_readable_and_nothing_tracked(
    tmp_path: Path,
    platform,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    import os
    import subprocess

    class Killed(BaseException):
        pass

    left: list[tuple[str, int]] = []

    def die(src: str, dst: str) -> None:
        left.append((Path(src).name, stat.S_IMODE(Path(src).stat().st_mode)))
        raise Killed

    monkeypatch.setattr(os, "replace", die)
    with pytest.raises(Killed):
        ensure_env(tmp_path, platform)
    monkeypatch.undo()
    ((name, mode),) = left
    assert mode == 0o600
    # kill -9 runs no clean-up: put back what it would leave, then check git and the next run
    stale = tmp_path / name
    stale.write_text("SECRET=1\n")
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", name],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        check=False,
    )
    assert ignored.returncode == 0
    ensure_env(tmp_path, platform)
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env"]


@pytest.mark.parametrize("kind", ["dir", "devzero"])
def test_a_credentials_file_that_is_not_a_file_is_refused(tmp_path: Path, kind: str) -> None:
    if kind == "dir":
        (tmp_path / ".env").mkdir()
    else:
        (tmp_path / ".env").symlink_to("/dev/zero")
    with pytest.raises(AvionError, match="not a regular file"):
        read_env(tmp_path)
