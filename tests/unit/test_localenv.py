"""Local credentials: generated once, completed, never changed."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from avion_workspace.config import load_platform
from avion_workspace.errors import AvionError
from avion_workspace.localenv import (
    EnvChanges,
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
    changes = ensure_env(tmp_path, platform)
    added = changes.added
    assert added == credential_names(platform)
    assert changes.messages() == [
        f"credentials: generated {len(added)} local secrets into .env (git-ignored)"
    ]
    values = read_env(tmp_path)
    assert set(values) == set(added)
    assert len(set(values.values())) == len(values)  # all distinct
    assert all(len(v) >= 12 for v in values.values())
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600


def test_existing_values_are_kept_and_missing_ones_added(tmp_path: Path, platform) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_text("# mine\nPOSTGRES_PASSWORD=keep-me\nOTHER=1")
    added = ensure_env(tmp_path, platform).added
    assert "POSTGRES_PASSWORD" not in added
    values = read_env(tmp_path)
    assert values["POSTGRES_PASSWORD"] == "keep-me"  # pragma: allowlist secret
    assert values["OTHER"] == "1"
    assert (tmp_path / ".env").read_text().startswith("# mine\n")
    again = ensure_env(tmp_path, platform)
    assert again == EnvChanges()
    assert again.messages() == ["credentials: .env is complete"]


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


# Former names: an .env from before the S3 credentials were named for what they are.

OLD_USER = "avion-0ld0user"
OLD_SECRET = "old-secret-value-0123456789"  # pragma: allowlist secret


def test_former_s3_names_are_renamed_once_with_their_values(tmp_path: Path, platform) -> None:  # type: ignore[no-untyped-def]
    env = tmp_path / ".env"
    env.write_text(
        "# mine\nPOSTGRES_PASSWORD=keep-me\n"
        f"MINIO_ROOT_USER={OLD_USER}\nMINIO_ROOT_PASSWORD = '{OLD_SECRET}'\nOTHER=1\n"
    )
    env.chmod(0o600)
    changes = ensure_env(tmp_path, platform)
    assert changes.renamed == [
        ("MINIO_ROOT_USER", "S3_ROOT_ACCESS_KEY"),
        ("MINIO_ROOT_PASSWORD", "S3_ROOT_SECRET_KEY"),
    ]
    assert "S3_ROOT_ACCESS_KEY" not in changes.added
    assert "S3_ROOT_SECRET_KEY" not in changes.added
    values = read_env(tmp_path)
    assert (values["S3_ROOT_ACCESS_KEY"], values["S3_ROOT_SECRET_KEY"]) == (OLD_USER, OLD_SECRET)
    assert not {"MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"} & set(values)
    assert "MINIO" not in env.read_text()
    # in place, the line's own spelling kept; other lines untouched
    assert env.read_text().startswith(
        "# mine\nPOSTGRES_PASSWORD=keep-me\n"
        f"S3_ROOT_ACCESS_KEY={OLD_USER}\nS3_ROOT_SECRET_KEY = '{OLD_SECRET}'\nOTHER=1\n"
    )
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    # once: the next run has nothing to rename
    assert ensure_env(tmp_path, platform) == EnvChanges()


def test_the_rename_is_one_line_naming_names_and_no_secret(tmp_path: Path, platform) -> None:  # type: ignore[no-untyped-def]
    ensure_env(tmp_path, platform)
    current = (tmp_path / ".env").read_text()
    old = current.replace("S3_ROOT_ACCESS_KEY=", "MINIO_ROOT_USER=").replace(
        "S3_ROOT_SECRET_KEY=", "MINIO_ROOT_PASSWORD="
    )
    (tmp_path / ".env").write_text(old)
    messages = ensure_env(tmp_path, platform).messages()
    assert messages == [
        "credentials: renamed MINIO_ROOT_USER -> S3_ROOT_ACCESS_KEY, "
        "MINIO_ROOT_PASSWORD -> S3_ROOT_SECRET_KEY in .env (values kept)"
    ]
    assert (tmp_path / ".env").read_text() == current
    for value in parse_env(current).values():
        assert value not in "\n".join(messages)


def test_only_the_current_names_are_left_alone(tmp_path: Path, platform) -> None:  # type: ignore[no-untyped-def]
    ensure_env(tmp_path, platform)
    before = (tmp_path / ".env").read_text()
    assert ensure_env(tmp_path, platform) == EnvChanges()
    assert (tmp_path / ".env").read_text() == before


def test_with_both_names_the_current_one_wins_and_a_different_former_value_is_kept_as_a_comment(
    tmp_path: Path,
    platform,  # type: ignore[no-untyped-def]
) -> None:
    ensure_env(tmp_path, platform)
    env = tmp_path / ".env"
    current = read_env(tmp_path)
    same = current["S3_ROOT_SECRET_KEY"]
    env.write_text(env.read_text() + f"MINIO_ROOT_USER={OLD_USER}\nMINIO_ROOT_PASSWORD={same}\n")
    changes = ensure_env(tmp_path, platform)
    assert changes == EnvChanges(superseded=[("MINIO_ROOT_USER", "S3_ROOT_ACCESS_KEY")])
    assert changes.messages() == [
        "credentials: .env had both names with different values; "
        "commented out MINIO_ROOT_USER (kept S3_ROOT_ACCESS_KEY)"
    ]
    assert OLD_USER not in "".join(changes.messages())
    assert read_env(tmp_path) == current  # the current values, and nothing under a former name
    text = env.read_text()
    # the differing former value stays recoverable, as a comment nothing reads
    assert (
        f"# superseded by S3_ROOT_ACCESS_KEY (inv setup kept that one): MINIO_ROOT_USER={OLD_USER}\n"
        in text
    )
    # the same value under both names: the former line just goes
    assert "MINIO_ROOT_PASSWORD" not in text
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert ensure_env(tmp_path, platform) == EnvChanges()


def test_one_former_name_alone_is_renamed_and_the_other_generated(tmp_path: Path, platform) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_text(f"MINIO_ROOT_USER={OLD_USER}")  # no final newline
    changes = ensure_env(tmp_path, platform)
    assert changes.renamed == [("MINIO_ROOT_USER", "S3_ROOT_ACCESS_KEY")]
    assert "S3_ROOT_SECRET_KEY" in changes.added
    values = read_env(tmp_path)
    assert values["S3_ROOT_ACCESS_KEY"] == OLD_USER
    assert len(values["S3_ROOT_SECRET_KEY"]) >= 12
    assert set(values) == set(credential_names(platform))


def test_the_renamed_file_is_private_from_the_first_byte_whatever_the_umask(
    tmp_path: Path,
    platform,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    import os

    ensure_env(tmp_path, platform)
    env = tmp_path / ".env"
    env.write_text(env.read_text().replace("S3_ROOT_ACCESS_KEY=", "MINIO_ROOT_USER="))
    env.chmod(0o644)  # an older .env that others could read
    seen: list[int] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        seen.append(stat.S_IMODE(os.fstat(fd).st_mode))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    old = os.umask(0)
    try:
        changes = ensure_env(tmp_path, platform)
    finally:
        os.umask(old)
    assert changes.renamed == [("MINIO_ROOT_USER", "S3_ROOT_ACCESS_KEY")]
    assert seen == [0o600]
    assert stat.S_IMODE(env.stat().st_mode) == 0o600


def test_the_rename_is_all_or_nothing_when_killed_before_the_rename(
    tmp_path: Path,
    platform,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    import os

    class Killed(BaseException):
        pass

    env = tmp_path / ".env"
    env.write_text(f"MINIO_ROOT_USER={OLD_USER}\n")
    env.chmod(0o600)

    def die(src: str, dst: str) -> None:
        raise Killed

    monkeypatch.setattr(os, "replace", die)
    with pytest.raises(Killed):
        ensure_env(tmp_path, platform)
    monkeypatch.undo()
    assert env.read_text() == f"MINIO_ROOT_USER={OLD_USER}\n"  # the old file, whole
    assert ensure_env(tmp_path, platform).renamed == [("MINIO_ROOT_USER", "S3_ROOT_ACCESS_KEY")]


def test_env_example_and_generated_files_name_no_former_credential() -> None:
    root = Path(__file__).resolve().parents[2]
    for rel in (".env.example", "docker-compose.yml"):
        text = (root / rel).read_text()
        assert "MINIO" not in text, rel
        assert "S3_ROOT_ACCESS_KEY" in text, rel
        assert "S3_ROOT_SECRET_KEY" in text, rel


def test_bytes_that_are_not_utf8_are_kept_byte_for_byte(tmp_path: Path, platform) -> None:  # type: ignore[no-untyped-def]
    """A Latin-1 value, under a current or a former name: the rewrite that adds names (or
    renames) wrote it back with a replacement character, a different credential."""
    env = tmp_path / ".env"
    env.write_bytes(b"POSTGRES_PASSWORD=caf\xe9\nMINIO_ROOT_PASSWORD=s\xe9same\n")
    changes = ensure_env(tmp_path, platform)
    assert "S3_ROOT_ACCESS_KEY" in changes.added
    written = env.read_bytes()
    assert b"POSTGRES_PASSWORD=caf\xe9\n" in written
    assert b"S3_ROOT_SECRET_KEY=s\xe9same\n" in written
