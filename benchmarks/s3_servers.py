"""Measure candidate S3 servers for the local stack and staging: features, start time, memory.

For each server binary given, a throwaway instance starts on a free loopback port in a temp dir,
and a real client (boto3, SigV4) exercises what this platform uses: bucket create, versioning,
lifecycle expiry (stored and read back; enforcement is counted in days, so it is reported, not
waited for), presigned GET and PUT, and a multipart upload. Start time is spawn to the first
answered ListBuckets; memory is the server's resident set (all its processes) once ready and its
peak after the feature run. ``--build`` also times a first build with empty Go caches.

Usage::

    .venv/bin/python benchmarks/s3_servers.py --weed .tools/bin/weed --versitygw PATH [--runs 3]
        [--build] [--json results.json]

Results are measurements on the machine at hand; docs/decisions/0001-s3-server.md records them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ACCESS, SECRET = "benchaccess", "benchsecret-0123456789"  # pragma: allowlist secret
READY_TIMEOUT = 120.0

# How each candidate is built from the Go module proxy and started as a single local server.
BUILDS = {
    "weed": (
        "github.com/seaweedfs/seaweedfs",
        "v0.0.0-20261109003541-7506e5f91cd6",
        "./weed",
    ),
    "versitygw": ("github.com/versity/versitygw", "v1.8.0", "./cmd/versitygw"),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def weed_command(binary: Path, data: Path, port: int) -> tuple[list[str], dict[str, str]]:
    config = data / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "root",
                        "credentials": [{"accessKey": ACCESS, "secretKey": SECRET}],
                        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                    }
                ]
            }
        )
    )
    (data / "store").mkdir()
    argv = [
        str(binary),
        "mini",
        f"-dir={data / 'store'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.port={port}",
        f"-s3.config={config}",
        f"-master.port={free_port()}",
        f"-volume.port={free_port()}",
        f"-filer.port={free_port()}",
        f"-webdav.port={free_port()}",
        f"-admin.port={free_port()}",
    ]
    return argv, {}


def versitygw_command(binary: Path, data: Path, port: int) -> tuple[list[str], dict[str, str]]:
    (data / "root").mkdir()
    (data / "versions").mkdir()
    argv = [
        str(binary),
        "--port",
        f"127.0.0.1:{port}",
        "posix",
        "--versioning-dir",
        str(data / "versions"),
        str(data / "root"),
    ]
    return argv, {"ROOT_ACCESS_KEY": ACCESS, "ROOT_SECRET_KEY": SECRET}


COMMANDS: dict[str, Callable[[Path, Path, int], tuple[list[str], dict[str, str]]]] = {
    "weed": weed_command,
    "versitygw": versitygw_command,
}


@dataclass
class Result:
    server: str
    binary_mb: float
    start_seconds: list[float] = field(default_factory=list)
    rss_ready_mb: list[float] = field(default_factory=list)
    rss_peak_mb: list[float] = field(default_factory=list)
    features: dict[str, str] = field(default_factory=dict)
    build: dict[str, float] = field(default_factory=dict)


def process_tree(pid: int) -> list[int]:
    pids, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{parent}/task").iterdir():
                children = (task / "children").read_text().split()
                pids += [int(c) for c in children]
                frontier += [int(c) for c in children]
    return pids


def memory_mb(pid: int, key: str) -> float:
    """Sum of ``key`` (VmRSS or VmHWM) over the server's processes, in MiB."""
    total = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    total += int(line.split()[1])
    return total / 1024


def client(port: int) -> object:
    return boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id=ACCESS,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1},
            connect_timeout=2,
            read_timeout=30,
        ),
    )


@contextlib.contextmanager
def running(name: str, binary: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, float]]:
    data = Path(tempfile.mkdtemp(prefix=f"s3bench-{name}-"))
    port = free_port()
    argv, env = COMMANDS[name](binary, data, port)
    log = open(data / "server.log", "wb")  # noqa: SIM115 - closed below
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env}, cwd=data
    )
    s3 = client(port)
    try:
        while True:
            try:
                s3.list_buckets()  # type: ignore[attr-defined]
                break
            except Exception:  # noqa: BLE001 - not up yet
                if process.poll() is not None or time.perf_counter() - started > READY_TIMEOUT:
                    log.flush()
                    tail = (data / "server.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"{name} did not answer:\n{tail}") from None
                time.sleep(0.05)
        yield process, port, time.perf_counter() - started
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def error_code(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", exc))
    return f"{type(exc).__name__}: {exc}"[:120]


def check(features: dict[str, str], name: str, body: Callable[[], str]) -> None:
    try:
        features[name] = body()
    except Exception as exc:  # noqa: BLE001 - every failure is a finding
        features[name] = f"FAILED ({error_code(exc)})"


def exercise(port: int) -> dict[str, str]:
    """The S3 features the platform uses, each ``ok``/a finding."""
    s3: object = client(port)
    features: dict[str, str] = {}
    bucket = "avion-bench"

    def create() -> str:
        s3.create_bucket(Bucket=bucket)  # type: ignore[attr-defined]
        names = [b["Name"] for b in s3.list_buckets()["Buckets"]]  # type: ignore[attr-defined]
        return "ok" if bucket in names else "created, not listed"

    def versioning() -> str:
        s3.put_bucket_versioning(  # type: ignore[attr-defined]
            Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
        )
        status = s3.get_bucket_versioning(Bucket=bucket).get("Status")  # type: ignore[attr-defined]
        for body in (b"one", b"two"):
            s3.put_object(Bucket=bucket, Key="v.txt", Body=body)  # type: ignore[attr-defined]
        versions = s3.list_object_versions(Bucket=bucket, Prefix="v.txt").get("Versions", [])  # type: ignore[attr-defined]
        if status != "Enabled":
            return f"status read back as {status!r}"
        return "ok" if len(versions) == 2 else f"{len(versions)} versions kept of 2"

    def lifecycle() -> str:
        rule = {
            "ID": "expire-after-14-days",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "Expiration": {"Days": 14},
        }
        s3.put_bucket_lifecycle_configuration(  # type: ignore[attr-defined]
            Bucket=bucket, LifecycleConfiguration={"Rules": [rule]}
        )
        rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]  # type: ignore[attr-defined]
        days = [r.get("Expiration", {}).get("Days") for r in rules]
        return "stored and read back" if days == [14] else f"read back {days}"

    def presigned_get() -> str:
        s3.put_object(Bucket=bucket, Key="get.txt", Body=b"presigned")  # type: ignore[attr-defined]
        url = s3.generate_presigned_url(  # type: ignore[attr-defined]
            "get_object", Params={"Bucket": bucket, "Key": "get.txt"}, ExpiresIn=300
        )
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            return "ok" if response.read() == b"presigned" else "wrong body"

    def presigned_put() -> str:
        url = s3.generate_presigned_url(  # type: ignore[attr-defined]
            "put_object", Params={"Bucket": bucket, "Key": "put.txt"}, ExpiresIn=300
        )
        request = urllib.request.Request(url, data=b"uploaded", method="PUT")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310
            pass
        body = s3.get_object(Bucket=bucket, Key="put.txt")["Body"].read()  # type: ignore[attr-defined]
        return "ok" if body == b"uploaded" else "wrong body"

    def multipart() -> str:
        parts_data = [os.urandom(5 * 1024 * 1024), os.urandom(1024)]
        upload = s3.create_multipart_upload(Bucket=bucket, Key="big.bin")  # type: ignore[attr-defined]
        parts = []
        for number, data in enumerate(parts_data, 1):
            etag = s3.upload_part(  # type: ignore[attr-defined]
                Bucket=bucket,
                Key="big.bin",
                UploadId=upload["UploadId"],
                PartNumber=number,
                Body=data,
            )["ETag"]
            parts.append({"PartNumber": number, "ETag": etag})
        s3.complete_multipart_upload(  # type: ignore[attr-defined]
            Bucket=bucket,
            Key="big.bin",
            UploadId=upload["UploadId"],
            MultipartUpload={"Parts": parts},
        )
        body = s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read()  # type: ignore[attr-defined]
        return "ok" if body == b"".join(parts_data) else "content differs"

    for name, body in (
        ("bucket create", create),
        ("versioning", versioning),
        ("lifecycle expiry", lifecycle),
        ("presigned GET", presigned_get),
        ("presigned PUT", presigned_put),
        ("multipart upload", multipart),
    ):
        check(features, name, body)
    return features


def first_build(name: str) -> dict[str, float]:
    """Build with empty module and build caches (what a fresh machine pays once)."""
    module, version, package = BUILDS[name]
    work = Path(tempfile.mkdtemp(prefix=f"s3bench-build-{name}-"))
    env = {
        **os.environ,
        "GOCACHE": str(work / "cache"),
        "GOMODCACHE": str(work / "mod"),
        "CGO_ENABLED": "0",
        "GOFLAGS": "-modcacherw",
    }
    started, cpu = time.perf_counter(), os.times()
    try:
        info = subprocess.run(
            ["go", "mod", "download", "-json", f"{module}@{version}"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        source = json.loads(info.stdout)["Dir"]
        subprocess.run(
            ["go", "build", "-o", str(work / name), package],
            env=env,
            cwd=source,
            check=True,
            capture_output=True,
        )
        after = os.times()
        return {
            "wall_seconds": round(time.perf_counter() - started, 1),
            "cpu_seconds": round(
                (after.children_user - cpu.children_user)
                + (after.children_system - cpu.children_system),
                1,
            ),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(name: str, binary: Path, runs: int, build: bool) -> Result:
    result = Result(name, round(binary.stat().st_size / 2**20, 1))
    for run in range(runs):
        with running(name, binary) as (process, port, seconds):
            result.start_seconds.append(round(seconds, 2))
            time.sleep(1.0)  # settle: background goroutines allocate right after start
            result.rss_ready_mb.append(round(memory_mb(process.pid, "VmRSS"), 1))
            if run == 0:
                result.features = exercise(port)
            result.rss_peak_mb.append(round(memory_mb(process.pid, "VmHWM"), 1))
    if build:
        result.build = first_build(name)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in COMMANDS:
        parser.add_argument(f"--{name}", type=Path, help=f"the {name} binary to measure")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--build", action="store_true", help="also time a cold-cache build")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    args = parser.parse_args()
    results = []
    for name in COMMANDS:
        binary = getattr(args, name)
        if binary is None:
            continue
        result = measure(name, binary.resolve(), args.runs, args.build)
        results.append(result)
        print(f"== {name} ({result.binary_mb} MiB binary)")
        print(
            f"   start to first ListBuckets: median {statistics.median(result.start_seconds)} s "
            f"of {result.start_seconds}"
        )
        print(
            f"   memory: ready {statistics.median(result.rss_ready_mb)} MiB, "
            f"peak after the feature run {max(result.rss_peak_mb)} MiB"
        )
        for feature, outcome in result.features.items():
            print(f"   {feature:18} {outcome}")
        if result.build:
            print(f"   first build (empty Go caches): {result.build}")
    if not results:
        parser.error("give at least one server binary (--weed PATH, --versitygw PATH)")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
