"""Loading settings: types, defaults, checks, secrets, nesting, and reporting every problem."""

from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import Literal

import pytest
from avion_config import (
    Secret,
    SettingProblem,
    SettingsError,
    checks,
    describe_settings,
    load_settings,
    nested,
    setting,
    settings,
)
from avion_config.settings import MAX_SECRET_BYTES


class Tier(enum.Enum):
    FREE = "free"
    PRO = "pro"


@settings
class DatabaseSettings:
    url: Secret = setting("DATABASE_URL", description="PostgreSQL DSN")
    pool_size: int = setting("DB_POOL_SIZE", default=10, check=checks.between(1, 100))


@settings
class AppSettings:
    service_name: str = setting("SERVICE_NAME", check=checks.non_empty)
    http_port: int = setting("HTTP_PORT", default=8080, check=checks.port)
    debug: bool = setting("DEBUG", default=False)
    ratio: float = setting("SAMPLE_RATIO", default=1.0)
    log_level: Literal["DEBUG", "INFO", "WARNING"] = setting("LOG_LEVEL", default="INFO")
    tier: Tier = setting("TIER", default=Tier.FREE)
    data_dir: Path = setting("DATA_DIR", default=Path("/var/lib/avion"))
    hosts: tuple[str, ...] = setting("ALLOWED_HOSTS", default=())
    ports: list[int] = setting("EXTRA_PORTS", default_factory=list)
    labels: dict[str, str] = setting("LABELS", default_factory=dict)
    endpoint: str | None = setting("OTLP_ENDPOINT", default=None, check=checks.url("http"))
    api_token: str = setting("API_TOKEN", secret=True, default="")
    database: DatabaseSettings = nested()
    replica: DatabaseSettings = nested(prefix="REPLICA_")


BASE = {
    "SERVICE_NAME": "auth",
    "DATABASE_URL": "postgresql://db/auth",
    "REPLICA_DATABASE_URL": "postgresql://replica/auth",
}


def load(env: dict[str, str], secrets: Path | None = None) -> AppSettings:
    return load_settings(AppSettings, environ=env, secrets_dir=secrets or Path("/nonexistent"))


def test_defaults_apply_when_variables_are_absent() -> None:
    cfg = load(BASE)
    assert (cfg.service_name, cfg.http_port, cfg.debug, cfg.log_level) == (
        "auth",
        8080,
        False,
        "INFO",
    )
    assert cfg.database.url.reveal() == "postgresql://db/auth"
    assert cfg.database.pool_size == 10
    assert cfg.replica.url.reveal() == "postgresql://replica/auth"
    assert (cfg.hosts, cfg.ports, cfg.labels, cfg.endpoint) == ((), [], {}, None)


def test_every_declared_type_is_parsed() -> None:
    cfg = load(
        {
            **BASE,
            "HTTP_PORT": " 9000 ",
            "DEBUG": "Yes",
            "SAMPLE_RATIO": "0.25",
            "LOG_LEVEL": "DEBUG",
            "TIER": "pro",
            "DATA_DIR": "/srv/data",
            "ALLOWED_HOSTS": "a.example, b.example,,",
            "EXTRA_PORTS": "1,2",
            "LABELS": "team=core, tier = gold",
            "OTLP_ENDPOINT": "http://collector:4317",
            "REPLICA_DB_POOL_SIZE": "3",
        }
    )
    assert cfg.http_port == 9000
    assert cfg.debug is True
    assert cfg.ratio == 0.25
    assert cfg.log_level == "DEBUG"
    assert cfg.tier is Tier.PRO
    assert cfg.data_dir == Path("/srv/data")
    assert cfg.hosts == ("a.example", "b.example")
    assert cfg.ports == [1, 2]
    assert cfg.labels == {"team": "core", "tier": "gold"}
    assert cfg.endpoint == "http://collector:4317"
    assert (cfg.database.pool_size, cfg.replica.pool_size) == (10, 3)


def test_empty_optional_means_none() -> None:
    assert load({**BASE, "OTLP_ENDPOINT": "  "}).endpoint is None


def test_all_problems_are_reported_together_by_variable_name() -> None:
    env = {
        "SERVICE_NAME": "",
        "HTTP_PORT": "eighty",
        "DEBUG": "maybe",
        "SAMPLE_RATIO": "most",
        "LOG_LEVEL": "LOUD",
        "TIER": "gold",
        "LABELS": "novalue",
        "OTLP_ENDPOINT": "grpc://collector",
        "DB_POOL_SIZE": "500",
        "REPLICA_DATABASE_URL": "postgresql://replica/auth",
    }
    with pytest.raises(SettingsError) as info:
        load(env)
    assert str(info.value) == "\n".join(
        [
            "configuration is invalid (10 problems):",
            "  SERVICE_NAME: must not be empty",
            "  HTTP_PORT: expected an integer, got 'eighty'",
            "  DEBUG: expected a boolean (true/false, 1/0, yes/no, on/off), got 'maybe'",
            "  SAMPLE_RATIO: expected a number, got 'most'",
            "  LOG_LEVEL: expected one of DEBUG, INFO, WARNING, got 'LOUD'",
            "  TIER: expected one of free, pro, got 'gold'",
            "  LABELS: expected key=value pairs separated by commas, got 'novalue'",
            "  OTLP_ENDPOINT: must be a URL with scheme http, got 'grpc://collector'",
            "  DATABASE_URL: required, but not set "
            "(set DATABASE_URL, DATABASE_URL_FILE or /nonexistent/database_url)",
            "  DB_POOL_SIZE: must be between 1 and 100, got 500",
        ]
    )
    assert info.value.problems[1] == SettingProblem(
        "HTTP_PORT", "expected an integer, got 'eighty'"
    )


def test_single_problem_reads_naturally() -> None:
    with pytest.raises(
        SettingsError, match=r"\(1 problem\):\n  SERVICE_NAME: required, but not set"
    ):
        load({k: v for k, v in BASE.items() if k != "SERVICE_NAME"})


def test_secrets_are_read_from_the_secrets_directory(tmp_path: Path) -> None:
    (tmp_path / "database_url").write_text("postgresql://from-file/auth\n")
    (tmp_path / "api_token").write_text("t0ken\r\n")
    env = {"SERVICE_NAME": "auth", "REPLICA_DATABASE_URL": "postgresql://r"}
    cfg = load(env, tmp_path)
    assert cfg.database.url.reveal() == "postgresql://from-file/auth"
    assert cfg.api_token == "t0ken"  # noqa: S105 - a test value


def test_secrets_directory_comes_from_the_environment_when_not_given(tmp_path: Path) -> None:
    (tmp_path / "database_url").write_text("postgresql://dir")
    env = {
        "SERVICE_NAME": "auth",
        "REPLICA_DATABASE_URL": "postgresql://r",
        "AVION_SECRETS_DIR": str(tmp_path),
    }
    assert load_settings(AppSettings, environ=env).database.url.reveal() == "postgresql://dir"


def test_environment_and_file_variable_win_over_the_directory(tmp_path: Path) -> None:
    (tmp_path / "database_url").write_text("from-dir")
    (tmp_path / "explicit").write_text("from-file-var")
    env = {**BASE, "DATABASE_URL_FILE": str(tmp_path / "explicit")}
    env.pop("DATABASE_URL")
    assert load(env, tmp_path).database.url.reveal() == "from-file-var"
    assert load(BASE, tmp_path).database.url.reveal() == BASE["DATABASE_URL"]


def test_a_value_and_a_file_variable_together_are_refused_naming_both(tmp_path: Path) -> None:
    (tmp_path / "explicit").write_text("from-file-var")
    env = {
        **BASE,
        "DATABASE_URL": "from-env-s3cr3t",
        "DATABASE_URL_FILE": str(tmp_path / "explicit"),
    }
    with pytest.raises(SettingsError) as info:
        load(env, tmp_path)
    assert info.value.problems == (
        SettingProblem(
            "DATABASE_URL",
            "both DATABASE_URL and DATABASE_URL_FILE are set; set only one of them",
        ),
    )
    assert "s3cr3t" not in str(info.value)
    assert "from-file-var" not in str(info.value)


def test_unreadable_secret_file_is_a_reported_problem(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    env = {**BASE, "DATABASE_URL_FILE": str(missing)}
    env.pop("DATABASE_URL")
    with pytest.raises(SettingsError) as info:
        load(env, tmp_path)
    assert info.value.problems == (
        SettingProblem(
            "DATABASE_URL",
            f"cannot read DATABASE_URL_FILE={missing}: No such file or directory",
        ),
    )


def file_problem(path: Path, secrets: Path | None = None) -> str:
    env = {**BASE, "DATABASE_URL_FILE": str(path)}
    env.pop("DATABASE_URL")
    with pytest.raises(SettingsError) as info:
        load(env, secrets)
    (problem,) = info.value.problems
    assert problem.env == "DATABASE_URL"
    return problem.message


def test_a_fifo_secret_file_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert file_problem(fifo) == f"cannot read DATABASE_URL_FILE={fifo}: not a regular file"


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null", "/"])
def test_a_device_or_folder_is_refused(path: str) -> None:
    assert file_problem(Path(path)) == (f"cannot read DATABASE_URL_FILE={path}: not a regular file")


def test_a_secret_file_is_read_up_to_a_bound(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"s" * (MAX_SECRET_BYTES - 1) + b"\n")
    env = {**BASE, "DATABASE_URL_FILE": str(big)}
    env.pop("DATABASE_URL")
    assert load(env).database.url.reveal() == "s" * (MAX_SECRET_BYTES - 1)
    big.write_bytes(b"s" * (MAX_SECRET_BYTES + 1))
    assert file_problem(big) == (
        f"cannot read DATABASE_URL_FILE={big}: larger than the {MAX_SECRET_BYTES} bytes allowed"
    )


def test_a_secret_file_that_is_not_utf8_is_named_not_shown(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.write_bytes(b"s3cr3t-\xff-value")
    message = file_problem(bad)
    assert message == f"DATABASE_URL_FILE={bad} is not valid UTF-8 (its content is not shown)"
    assert "s3cr3t" not in message
    (tmp_path / "database_url").write_bytes(b"s3cr3t-\xff-value")
    env = {k: v for k, v in BASE.items() if k != "DATABASE_URL"}
    with pytest.raises(SettingsError) as info:
        load(env, tmp_path)
    assert info.value.problems == (
        SettingProblem(
            "DATABASE_URL",
            f"secret file {tmp_path / 'database_url'} is not valid UTF-8 "
            "(its content is not shown)",
        ),
    )
    assert "s3cr3t" not in str(info.value)


@settings
class TokenSettings:
    retries: Secret | None = setting("RETRY_TOKEN", default=None)
    pin: int = setting("PIN", secret=True)


def test_secret_values_never_appear_in_messages() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(TokenSettings, environ={"PIN": "12ab-secret"}, secrets_dir="/nonexistent")
    assert "12ab-secret" not in str(info.value)
    assert "PIN: expected an integer, got a value that is not shown because it is secret" in str(
        info.value
    )


def test_secret_repr_is_masked_and_equality_is_by_value() -> None:
    cfg = load(BASE)
    assert "postgresql" not in repr(cfg)
    assert repr(Secret("x")) == str(Secret("x")) == "Secret('**********')"
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert Secret("a") != "a"
    assert hash(Secret("a")) == hash(Secret("a"))
    assert not Secret("")


def test_settings_are_frozen_and_keyword_only() -> None:
    cfg = DatabaseSettings(url=Secret("u"))
    with pytest.raises(AttributeError):
        cfg.pool_size = 3  # type: ignore[misc]
    assert cfg.pool_size == 10


def test_describe_settings_lists_every_variable_for_docs() -> None:
    infos = {info.env: info for info in describe_settings(AppSettings)}
    assert infos["HTTP_PORT"].type == "int"
    assert infos["HTTP_PORT"].default == "8080"
    assert not infos["HTTP_PORT"].required
    assert infos["DATABASE_URL"].required
    assert infos["DATABASE_URL"].secret
    assert infos["DATABASE_URL"].description == "PostgreSQL DSN"
    assert infos["REPLICA_DB_POOL_SIZE"].default == "10"
    assert infos["API_TOKEN"].default is None
    assert infos["LOG_LEVEL"].type == "Literal['DEBUG', 'INFO', 'WARNING']"
    assert infos["ALLOWED_HOSTS"].type == "tuple[str, ...]"
    assert infos["OTLP_ENDPOINT"].type == "str | None"
