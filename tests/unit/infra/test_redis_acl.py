"""Redis ACL users and server config for the native stack."""

from __future__ import annotations

import hashlib
import itertools
import re
from pathlib import Path

import pytest
import yaml

from avion_workspace.config import load_platform
from avion_workspace.config.model import Platform
from avion_workspace.errors import AvionError
from avion_workspace.infra.redis_acl import acl_file_text, server_config_text, service_rule
from avion_workspace.localenv import credential_names, redis_users

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def platform(fixture_config: Path) -> Platform:
    return load_platform(fixture_config)


@pytest.fixture(scope="module")
def env(platform: Platform) -> dict[str, str]:
    return {name: f"pw-{i}" for i, name in enumerate(credential_names(platform))}


def test_acl_file_has_the_admin_and_one_user_per_service_with_hashed_passwords(
    platform: Platform, env: dict[str, str]
) -> None:
    lines = acl_file_text(redis_users(platform), env).splitlines()
    admin = "#" + hashlib.sha256(env["REDIS_PASSWORD"].encode()).hexdigest()
    assert lines[0] == f"user default on {admin} ~* &* +@all"
    auth_hash = "#" + hashlib.sha256(env["AVION_ALPHA_REDIS_PASSWORD"].encode()).hexdigest()
    assert (
        f"user avion_alpha on {auth_hash} resetkeys ~cache:* ~session:* resetchannels &cache:* &session:* +@all -@admin -@dangerous"
        in lines
    )
    assert len(lines) == 1 + len(redis_users(platform))
    assert not any(value in "\n".join(lines) for value in env.values())  # no plain-text password


def test_missing_password_names_the_variable(platform: Platform, env: dict[str, str]) -> None:
    partial = {k: v for k, v in env.items() if k != "AVION_BETA_REDIS_PASSWORD"}
    with pytest.raises(AvionError, match=r"AVION_BETA_REDIS_PASSWORD is missing from \.env"):
        acl_file_text(redis_users(platform), partial)


def test_service_rules_match_the_rendered_compose_file() -> None:
    """The docker stack (compose --user flags) and the native one (ACL file) grant the same."""
    # Reads the committed docker-compose.yml, so it takes the users from the real config/.
    platform = load_platform(ROOT / "config")
    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["redis"][
        "command"
    ]
    flags: dict[str, str] = {}
    for index, arg in enumerate(command):
        if arg == "--user":
            words = list(
                itertools.takewhile(lambda a: not a.startswith("--"), command[index + 1 :])
            )
            flags[words[0]] = " ".join(words[1:])
    assert flags, "no --user flags found in docker-compose.yml"
    for user in redis_users(platform):
        token = re.search(r">\$\{[^}]*\}", flags[user.name])
        assert token is not None
        assert flags[user.name] == service_rule(user, token.group())


def test_server_config_is_loopback_only_with_append_only_persistence(tmp_path: Path) -> None:
    text = server_config_text(
        port=6390, data_dir=tmp_path / "my data", acl_file=tmp_path / "users.acl", persistence=True
    )
    lines = text.splitlines()
    assert "bind 127.0.0.1" in lines
    assert "port 6390" in lines
    assert f'dir "{tmp_path}/my data"' in lines
    assert "appendonly yes" in lines
    assert f'aclfile "{tmp_path}/users.acl"' in lines
    off = server_config_text(
        port=1, data_dir=tmp_path, acl_file=tmp_path / "a", persistence=False
    ).splitlines()
    assert "appendonly no" in off
    assert 'save ""' in off
