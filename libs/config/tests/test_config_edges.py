"""Edges the mutation run found untested: false booleans, inclusive bounds, odd mappings."""

from __future__ import annotations

from pathlib import Path

import pytest
from avion_config import (
    Secret,
    SettingsError,
    checks,
    describe_settings,
    load_settings,
    nested,
    setting,
    settings,
)
from avion_config.parse import ParseError, parser_for


@pytest.mark.parametrize("text", ["false", "FALSE", " no ", "0", "off"])
def test_false_words_parse_as_false(text: str) -> None:
    assert parser_for(bool)(text) is False


@pytest.mark.parametrize("text", ["true", "Yes", "1", "ON"])
def test_true_words_parse_as_true(text: str) -> None:
    assert parser_for(bool)(text) is True


def test_a_parse_error_says_what_was_expected_and_what_came() -> None:
    with pytest.raises(ParseError) as info:
        parser_for(bool)("maybe")
    assert str(info.value) == ("expected a boolean (true/false, 1/0, yes/no, on/off), got 'maybe'")


def test_between_includes_both_bounds() -> None:
    check = checks.between(1, 10)
    assert check(1) is None
    assert check(10) is None
    assert check(0) is not None
    assert check(11) is not None


def test_url_accepts_its_schemes_and_names_them_when_it_refuses() -> None:
    check = checks.url("http", "https")
    assert check("https://collector:4317") is None
    assert check("ftp://x") == "must be a URL with scheme http or https, got 'ftp://x'"


def test_mappings_skip_empty_pairs_and_keep_equals_in_values() -> None:
    parse = parser_for(dict[str, str])
    assert parse("a=1,,b=2") == {"a": "1", "b": "2"}
    assert parse("token=abc=def") == {"token": "abc=def"}


@settings
class Vault:
    token: Secret | None = setting("VAULT_TOKEN", default=None)
    note: str = setting("VAULT_NOTE", description="free text")


@settings
class WithNested:
    vault: Vault = nested()


def test_an_optional_secret_is_read_from_its_file_keeping_inner_spaces(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("s3cret \t\r\n")
    loaded = load_settings(
        Vault,
        environ={"VAULT_TOKEN_FILE": str(tmp_path / "token"), "VAULT_NOTE": "n"},
        secrets_dir=tmp_path / "none",
    )
    assert loaded.token == Secret("s3cret \t")


def test_a_missing_plain_setting_names_only_its_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(WithNested, environ={}, secrets_dir=tmp_path)
    (problem,) = info.value.problems
    assert problem.env == "VAULT_NOTE"
    assert problem.message == "required, but not set (set VAULT_NOTE)"


def test_without_environ_the_process_environment_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VAULT_NOTE", "from the process")
    monkeypatch.delenv("VAULT_TOKEN", raising=False)
    assert load_settings(Vault, secrets_dir=tmp_path).note == "from the process"


def test_all_failed_checks_of_one_setting_are_joined() -> None:
    @settings
    class Port:
        port: int = setting("PORT", check=[checks.between(10, 20), checks.between(30, 40)])

    with pytest.raises(SettingsError) as info:
        load_settings(Port, environ={"PORT": "5"})
    (problem,) = info.value.problems
    assert "; " in problem.message
    assert problem.message.count("must be between") == 2


def test_secrets_compare_hash_and_test_by_value() -> None:
    assert hash(Secret("a")) == hash(Secret("a"))
    assert hash(Secret("a")) != hash(Secret("b"))
    assert not Secret("")
    assert Secret("x")


def test_described_types_are_readable() -> None:
    infos = {info.env: info for info in describe_settings(Vault)}
    assert infos["VAULT_TOKEN"].type == "Secret | None"
    assert infos["VAULT_NOTE"].description == "free text"

    @settings
    class Paths:
        where: Path | None = setting("WHERE", default=None)

    (info,) = describe_settings(Paths)
    assert info.type == "Path | None"
