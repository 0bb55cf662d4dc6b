"""``main(spec, register)``: serve (with SIGTERM), health, migrate and settings."""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from avion_migrate.testing import free_port
from avion_service import ServiceSpec, main
from service_cases import live_environment, make_spec

MIGRATION = "-- +goose Up\nCREATE TABLE items (id int);\n-- +goose Down\nDROP TABLE items;\n"


def no_api(server: object, resources: object) -> tuple[str, ...]:
    del server, resources
    return ()


def test_settings_lists_every_variable(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(make_spec(("database",)), no_api, ["settings"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "DEMO_SVC_DATABASE_HOST: str, required  PostgreSQL host" in out
    assert (
        "DEMO_SVC_DATABASE_PASSWORD: Secret, required, secret (also <NAME>_FILE or the secrets "
        "directory)  the owner role's password"
    ) in out
    assert "DEMO_SVC_HTTP_PORT: int, default 8080  /healthz, /readyz, /metrics" in out


def test_configuration_problems_exit_2_without_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEMO_SVC_HTTP_PORT", "eighty")
    assert main(make_spec(()), no_api, ["health"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("demo-svc: configuration is invalid (1 problem):\n  DEMO_SVC_HTTP_PORT:")
    assert "Traceback" not in err


def test_health_says_why_nothing_answers(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEMO_SVC_HTTP_PORT", str(free_port()))
    assert main(make_spec(()), no_api, ["health", "--timeout", "1"]) == 1
    assert "demo-svc: unhealthy: cannot reach 127.0.0.1:" in capsys.readouterr().out


def test_migrate_applies_the_pending_migrations(
    tmp_path: Path,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = make_spec(("database",))
    (tmp_path / "00001_items.sql").write_text(MIGRATION)
    env = live_environment(spec, request) | {"DEMO_SVC_MIGRATIONS_DIR": str(tmp_path)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(spec, no_api, ["migrate"]) == 0
    database = env["DEMO_SVC_DATABASE_NAME"]
    assert (
        capsys.readouterr().out
        == f"demo-svc: applied 1 migration(s) to {database}, version 0 -> 1\n"
    )
    assert main(spec, no_api, ["migrate"]) == 0
    assert capsys.readouterr().out == f"demo-svc: {database} is up to date (version 1)\n"
    (tmp_path / "00002_bad.sql").write_text("-- +goose Up\nSELECT nope;\n")
    assert main(spec, no_api, ["migrate"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("demo-svc: migrate failed:\n")
    assert "00002_bad.sql" in err
    dsn = request.getfixturevalue("database").dsn
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (0,)


def test_migrate_without_a_database_does_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(make_spec(()), no_api, ["migrate"]) == 0
    assert capsys.readouterr().out == "demo-svc: no database to migrate (the spec declares none)\n"


SERVE = (
    "import sys\n"
    "from avion_service import ServiceSpec, main\n"
    "spec = ServiceSpec('demo-svc', 'demo_svc_pkg', 'A demo')\n"
    "raise SystemExit(main(spec, lambda server, resources: (), sys.argv[1:]))\n"
)


def test_serve_answers_health_then_stops_cleanly_on_sigterm(
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = make_spec(())
    env = {**os.environ, **live_environment(spec, request)}
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        deadline = time.monotonic() + 60
        while main(spec, no_api, ["health", "--ready", "--timeout", "1"]) != 0:
            assert process.poll() is None, process.communicate()[0]
            if time.monotonic() > deadline:
                pytest.fail("the service never answered /readyz")
            time.sleep(0.1)  # bounded poll while the service starts
        assert capsys.readouterr().out.splitlines()[-1] == "demo-svc: /readyz ok"
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output
    assert "service.stopping" in output
    assert "service.stopped" in output


def test_serve_reports_a_startup_error(request: pytest.FixtureRequest) -> None:
    spec = ServiceSpec("demo-svc", "demo_svc_pkg")
    env = {**os.environ, **live_environment(spec, request), "DEMO_SVC_HOST": "203.0.113.1"}
    done = subprocess.run(
        [sys.executable, "-c", SERVE, "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "demo-svc: cannot listen for HTTP on 203.0.113.1:" in done.stderr


DB_ENV = {
    "DEMO_SVC_DATABASE_HOST": "127.0.0.1",
    "DEMO_SVC_DATABASE_NAME": "demo",
    "DEMO_SVC_DATABASE_USER": "demo",
}
PASSWORD = "pw-7Hq-never-printed"  # noqa: S105  # pragma: allowlist secret


def run_migrate(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(make_spec(("database",)), no_api, ["migrate"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("kind", ["fifo", "device", "not utf-8", "too large"])
def test_an_unusable_password_file_is_a_configuration_problem_naming_it(
    kind: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "password"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path = Path("/dev/zero")
    elif kind == "not utf-8":
        path.write_bytes(PASSWORD.encode() + b"\xff\xfe")
    else:
        path.write_bytes(PASSWORD.encode() * 10_000)
    env = {
        **DB_ENV,
        "DEMO_SVC_MIGRATIONS_DIR": str(tmp_path),
        "DEMO_SVC_DATABASE_PASSWORD_FILE": str(path),
    }
    code, output = run_migrate(env, monkeypatch, capsys)
    assert code == 2
    assert output.startswith(
        "demo-svc: configuration is invalid (1 problem):\n  DEMO_SVC_DATABASE_PASSWORD: "
    )
    assert f"DEMO_SVC_DATABASE_PASSWORD_FILE={path}" in output
    assert PASSWORD not in output
    assert "Traceback" not in output


def test_a_password_and_a_password_file_together_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "password").write_text(PASSWORD)
    env = {
        **DB_ENV,
        "DEMO_SVC_MIGRATIONS_DIR": str(tmp_path),
        "DEMO_SVC_DATABASE_PASSWORD": PASSWORD + "-env",
        "DEMO_SVC_DATABASE_PASSWORD_FILE": str(tmp_path / "password"),
    }
    code, output = run_migrate(env, monkeypatch, capsys)
    assert code == 2
    assert (
        "DEMO_SVC_DATABASE_PASSWORD: both DEMO_SVC_DATABASE_PASSWORD and "
        "DEMO_SVC_DATABASE_PASSWORD_FILE are set; set only one of them"
    ) in output
    assert PASSWORD not in output


def test_migrate_that_cannot_connect_names_the_settings_to_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "00001_items.sql").write_text(MIGRATION)
    env = {
        **DB_ENV,
        "DEMO_SVC_DATABASE_PORT": str(free_port()),  # nothing listens there
        "DEMO_SVC_MIGRATIONS_DIR": str(tmp_path),
        "DEMO_SVC_DATABASE_PASSWORD": PASSWORD,
    }
    code, output = run_migrate(env, monkeypatch, capsys)
    assert code == 1
    assert output.startswith("demo-svc: migrate failed:\n")
    assert (
        "hint: is the database running and reachable? check the DEMO_SVC_DATABASE_* settings "
        "(`python -m demo_svc_pkg settings` lists them)"
    ) in output
    assert "--dsn" not in output
    assert PASSWORD not in output


HELP_FRAGMENTS = ("%", "%(prog)", "%(prog)s", "%%", "%s", "%d", "100%", "uptime")


def help_text(description: str, capsys: pytest.CaptureFixture[str]) -> str:
    spec = ServiceSpec("demo-svc", "demo_svc_pkg", description)
    with pytest.raises(SystemExit) as info:
        main(spec, no_api, ["--help"])
    assert info.value.code == 0
    return " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(
    "description", ["%(prog)s counts", "%(prog) at 100%", "50% of %(prog)", "%", "100% up"]
)
def test_help_shows_a_description_with_percent_signs_as_written(
    description: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert description in help_text(description, capsys)


def test_help_never_fails_on_a_description() -> None:
    for size in (1, 2, 3):
        for words in itertools.product(HELP_FRAGMENTS, repeat=size):
            description = " ".join(words)
            spec = ServiceSpec("demo-svc", "demo_svc_pkg", description)
            out = io.StringIO()
            with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as info:
                main(spec, no_api, ["--help"])
            assert info.value.code == 0, description
            assert description in " ".join(out.getvalue().split()), description
