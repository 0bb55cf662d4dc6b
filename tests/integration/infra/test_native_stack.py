"""``inv setup`` with the native backend, checked with each component's own client."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import stat
import subprocess
import sys
from typing import Any

import boto3
import botocore.exceptions
import meilisearch
import psycopg
import pytest
import redis

from avion_workspace.config import load_platform
from avion_workspace.errors import AvionError
from avion_workspace.infra.cli import run_down, run_logs, run_reset, run_status
from avion_workspace.infra.errors import PortBusy
from avion_workspace.infra.native import S3_LACKS
from avion_workspace.infra.ports import free_port
from avion_workspace.infra.processes import PidFile, process_start_time
from avion_workspace.localenv import redis_users
from avion_workspace.tools import TOOLS

pytestmark = pytest.mark.integration


def components(stack: Any) -> dict[str, Any]:
    return stack.status()["components"]


def s3(stack: Any) -> Any:
    c = components(stack)["s3"]
    return boto3.client(
        "s3",
        endpoint_url=c["url"],
        aws_access_key_id=c["access_key"],
        aws_secret_access_key=c["secret_key"],
        region_name="us-east-1",
    )


def search(stack: Any) -> meilisearch.Client:
    return meilisearch.Client(
        components(stack)["search"]["url"], stack.credentials().search_master_key
    )


def test_every_component_is_running(stack: Any) -> None:
    assert {name: c["status"] for name, c in components(stack).items()} == dict.fromkeys(
        ("postgres", "redis", "s3", "search"), "running"
    )


def test_each_service_role_owns_its_migrated_database_and_no_other(stack: Any) -> None:
    dsns = components(stack)["postgres"]["databases"]
    assert len(dsns) == 10
    for name, dsn in dsns.items():
        with psycopg.connect(dsn) as conn:
            user, db, owner = conn.execute(
                "SELECT current_user, current_database(), pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
            ).fetchone()  # type: ignore[misc]
            assert (db, owner) == (name, user)
            assert conn.execute(
                "SELECT to_regclass('goose_db_version') IS NOT NULL"
            ).fetchone() == (True,)
    auth = dsns["avion_auth_db"]
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        psycopg.connect(auth.replace("/avion_auth_db", "/avion_user_db")).close()


def test_redis_users_reach_only_their_namespaces(stack: Any) -> None:
    url = components(stack)["redis"]["url"]
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    env = stack.credentials().env
    platform = load_platform(stack.root / "config")
    all_namespaces = set(platform.redis.namespaces)
    for user in redis_users(platform):
        client = redis.Redis(port=port, username=user.name, password=env[user.password_var])
        granted = {p.removeprefix("~").removesuffix(":*") for p in user.key_patterns}
        for ns in granted:
            client.set(f"{ns}:itest", "1")
            assert client.get(f"{ns}:itest") == b"1"
        for ns in all_namespaces - granted:
            with pytest.raises(redis.exceptions.NoPermissionError):
                client.set(f"{ns}:itest", "1")
        with pytest.raises(redis.exceptions.NoPermissionError):
            client.config_get("dir")
        client.close()
    admin = redis.Redis.from_url(url)
    assert admin.config_get("appendonly") == {"appendonly": "yes"}
    wrong = "wrong"  # pragma: allowlist secret
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis(port=port, username="avion_auth", password=wrong).ping()


def test_buckets_exist_with_versioning(stack: Any) -> None:
    client = s3(stack)
    names = sorted(b["Name"] for b in client.list_buckets()["Buckets"])
    assert names == sorted(
        ["avion-media-uploads", "avion-media-processed", "avion-backups", "avion-logs"]
    )
    assert client.get_bucket_versioning(Bucket="avion-backups")["Status"] == "Enabled"
    client.put_object(Bucket="avion-media-uploads", Key="itest/hello.txt", Body=b"hello")
    assert (
        client.get_object(Bucket="avion-media-uploads", Key="itest/hello.txt")["Body"].read()
        == b"hello"
    )


def test_the_local_s3_server_still_lacks_lifecycle_as_doctor_says(stack: Any) -> None:
    """When the server gains lifecycle, this fails: then provision expiry locally too."""
    client = s3(stack)
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        client.put_bucket_lifecycle_configuration(
            Bucket="avion-logs",
            LifecycleConfiguration={
                "Rules": [
                    {
                        "ID": "x",
                        "Status": "Enabled",
                        "Filter": {"Prefix": ""},
                        "Expiration": {"Days": 1},
                    }
                ]
            },
        )
    assert refused.value.response["Error"]["Code"] == "NotImplemented"
    assert "lifecycle expiry" in S3_LACKS


def test_status_names_each_server_and_the_version_it_reports(stack: Any) -> None:
    found = {name: (c["server"], c["version"]) for name, c in components(stack).items()}
    assert found["postgres"][0] == "postgres"
    assert found["postgres"][1].startswith(
        load_platform(stack.root / "config").postgres.version + "."
    )
    assert found["redis"][0] == "redis-server"
    assert found["redis"][1].split(".")[0] >= "7"
    assert found["s3"] == ("versitygw", TOOLS["versitygw"].version.removeprefix("v"))
    assert found["search"] == ("meilisearch", "1.21.0")


def test_meilisearch_indexes_and_searches(stack: Any) -> None:
    client = search(stack)
    assert client.health()["status"] == "available"
    index = client.index("itest_drops")
    task = index.add_documents([{"id": 1, "text": "hello avion"}, {"id": 2, "text": "goodbye"}])
    client.wait_for_task(task.task_uid, timeout_in_ms=20_000)
    assert [hit["id"] for hit in index.search("avion")["hits"]] == [1]
    with pytest.raises(meilisearch.errors.MeilisearchApiError):
        meilisearch.Client(components(stack)["search"]["url"], "wrong-key").get_indexes()


def test_second_setup_changes_nothing(stack: Any, capsys: pytest.CaptureFixture[str]) -> None:
    state = stack.root / ".avion"
    before = {
        p: p.stat().st_mtime_ns
        for p in (state / "redis" / "redis.conf", state / "redis" / "users.acl", state / "backend")
    }
    pids = {p.name: p.read_text() for p in (state / "run").iterdir()}
    capsys.readouterr()
    stack.setup()
    out = capsys.readouterr().out
    for name in ("postgres", "redis", "s3", "search"):
        assert f"{name:<9} already running" in out
    assert "provision: roles, databases and buckets are current" in out
    assert "migrations: all 10 service databases are current" in out
    assert {p: p.stat().st_mtime_ns for p in before} == before
    assert {p.name: p.read_text() for p in (state / "run").iterdir()} == pids


def test_status_json_is_one_object_for_local_clients(
    stack: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(stack.root)
    capsys.readouterr()
    run_status(None, as_json=True)
    doc = json.loads(capsys.readouterr().out)
    assert doc == stack.status()
    assert doc["components"]["s3"]["access_key"] == stack.credentials().s3_access_key


def test_data_survives_down_and_setup(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    dsn = components(stack)["postgres"]["databases"]["avion_drop_db"]
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS itest_survives (v text)")
        conn.execute("INSERT INTO itest_survives VALUES ('kept')")
    redis_url = components(stack)["redis"]["url"]
    redis.Redis.from_url(redis_url).set("cache:itest-survives", "kept")
    s3(stack).put_object(Bucket="avion-backups", Key="survives", Body=b"kept")
    pids = [PidFile(p).live_pid() for p in (stack.root / ".avion" / "run").iterdir()]

    monkeypatch.chdir(stack.root)
    run_down(None)
    assert {c["status"] for c in components(stack).values()} == {"stopped"}
    assert all(pid is None or process_start_time(pid) is None for pid in pids)

    stack.setup()
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT v FROM itest_survives").fetchall() == [("kept",)]
    assert redis.Redis.from_url(redis_url).get("cache:itest-survives") == b"kept"
    assert s3(stack).get_object(Bucket="avion-backups", Key="survives")["Body"].read() == b"kept"
    assert search(stack).index("itest_drops").get_document(1).text == "hello avion"


def test_a_dotenv_with_the_former_s3_names_keeps_its_data_after_setup(
    stack: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A machine set up before the rename: its values move to the new names, the data stays."""
    env_file = stack.root / ".env"
    current = env_file.read_text()
    creds = stack.credentials()
    s3(stack).put_object(Bucket="avion-media-uploads", Key="itest/before-rename", Body=b"old")
    monkeypatch.chdir(stack.root)
    run_down(None)
    env_file.write_text(
        current.replace("S3_ROOT_ACCESS_KEY=", "MINIO_ROOT_USER=").replace(
            "S3_ROOT_SECRET_KEY=", "MINIO_ROOT_PASSWORD="
        )
    )
    env_file.chmod(0o600)
    try:
        with pytest.raises(AvionError) as refused:
            stack.credentials()
        assert "it also renames MINIO_ROOT_USER -> S3_ROOT_ACCESS_KEY" in (refused.value.hint or "")
        capsys.readouterr()
        stack.setup()
        out = capsys.readouterr().out
    finally:
        if "MINIO_ROOT_USER=" in env_file.read_text():  # the rename failed: leave a working stack
            env_file.write_text(current)
            stack.setup()
    assert (
        "credentials: renamed MINIO_ROOT_USER -> S3_ROOT_ACCESS_KEY, "
        "MINIO_ROOT_PASSWORD -> S3_ROOT_SECRET_KEY in .env (values kept)"
    ) in out
    assert creds.s3_access_key not in out
    assert creds.s3_secret_key not in out
    assert env_file.read_text() == current
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert components(stack)["s3"]["status"] == "running"
    assert (
        s3(stack).get_object(Bucket="avion-media-uploads", Key="itest/before-rename")["Body"].read()
        == b"old"
    )


def test_a_busy_port_is_reported_with_what_holds_it(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from avion_workspace.infra.cli import Workspace
    from avion_workspace.infra.native import NativeBackend

    ws = Workspace.load(root=stack.root)
    NativeBackend(stack.root, ws.platform, ws.credentials()).components["redis"].stop()
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", ws.platform.redis.local_port))
    squatter.listen()
    try:
        with pytest.raises(
            PortBusy,
            match=f"redis cannot start: port {ws.platform.redis.local_port} is in use by pid {os.getpid()} ",
        ):
            stack.setup()
    finally:
        squatter.close()
    stack.setup()
    assert components(stack)["redis"]["status"] == "running"


def test_an_interrupted_setup_is_fixed_by_running_it_again(stack: Any) -> None:
    run = stack.root / ".avion" / "run"
    for name in ("redis", "search"):  # servers killed outright: stale pid files remain
        pid = PidFile(run / f"{name}.pid").live_pid()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
    staging = stack.root / ".avion" / "postgres.initdb"  # debris of an initdb cut short
    (staging / "data").mkdir(parents=True)
    (staging / "data" / "half-written").write_text("x")
    assert {c["status"] for n, c in components(stack).items() if n in ("redis", "search")} == {
        "stopped"
    }
    stack.setup()
    assert {c["status"] for c in components(stack).values()} == {"running"}
    assert (
        redis.Redis.from_url(components(stack)["redis"]["url"]).get("cache:itest-survives")
        == b"kept"
    )


def inv(stack: Any, *args: str) -> subprocess.CompletedProcess[str]:
    """A task run as a person runs it: ``inv ...`` in the workspace, no terminal."""
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=stack.root,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "DOCKER_HOST": f"tcp://127.0.0.1:{free_port()}"},
    )


def test_the_tasks_as_a_person_runs_them(stack: Any) -> None:
    again = inv(stack, "setup")
    assert again.returncode == 0, again.stderr
    assert "provision: roles, databases and buckets are current" in again.stdout
    status = inv(stack, "infra.status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout) == stack.status()
    refused = inv(stack, "infra.reset")
    assert refused.returncode == 1
    assert refused.stderr.startswith(
        "error: refusing to delete the local stack's data without confirmation"
    )
    switch = inv(stack, "infra.up", "--backend", "docker")
    assert switch.returncode == 1
    assert (
        "error: the native stack is running (postgres, redis, s3, search); it must stop before the docker one starts"
        in switch.stderr
    )
    assert "Traceback" not in switch.stderr


def test_logs_show_the_server_output(
    stack: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(stack.root)
    capsys.readouterr()
    run_logs("redis", None, lines=200)
    assert "Ready to accept connections" in capsys.readouterr().out


def test_infra_logs_as_typed_every_component_or_one(stack: Any) -> None:
    for argv in (("infra.logs",), ("infra.logs", "all")):
        every = inv(stack, *argv)
        assert every.returncode == 0, every.stderr
        for component in ("postgres", "redis", "s3", "search"):
            assert f"==> {component} <==" in every.stdout
    one = inv(stack, "infra.logs", "redis", "--lines", "200")
    assert one.returncode == 0, one.stderr
    assert "Ready to accept connections" in one.stdout
    assert "==>" not in one.stdout


def test_reset_asks_then_deletes_everything(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(stack.root)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(
        AvionError, match="refusing to delete the local stack's data without confirmation"
    ):
        run_reset(None, yes=False)
    assert (stack.root / ".avion" / "postgres" / "data").is_dir()
    run_reset(None, yes=True)
    for name in ("postgres", "redis", "s3", "search"):
        assert not (stack.root / ".avion" / name).exists()
    assert {c["status"] for c in components(stack).values()} == {"stopped"}
