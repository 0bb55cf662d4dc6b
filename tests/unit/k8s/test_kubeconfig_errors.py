"""A broken kubeconfig is a located error that never quotes the file: it holds credentials."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avion_workspace.k8s.kubeconfig import KubeconfigError, load_kubeconfig, resolve_context
from tests.support import ROOT
from tests.unit.k8s.conftest import write_kubeconfig

SECRET = "s3cr3t-Tok3n-9f2c"  # pragma: allowlist secret

# Each broken kubeconfig, and where (line:column) its problem is.
BROKEN = {
    "syntax": (f"users:\n- name: u\n  user:\n    token: {SECRET}: x\n", "4:29"),
    "duplicate key": (f"users: []\n{SECRET}: 1\n{SECRET}: 2\n", "3:1"),
    "key not a string": (f"users:\n  [{SECRET}]: 1\n", "2:3"),
    "tag": (f"users: !{SECRET} x\n", "1:8"),
    "undefined alias": (f"users: *{SECRET}\n", "1:8"),
    "bad escape": (f'token: "{SECRET}\\q"\n', "1:27"),
}


def shown(error: KubeconfigError) -> str:
    return error.render() + (error.hint or "")


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_yaml_error_is_located_without_the_files_text(name: str, tmp_path: Path) -> None:
    text, where = BROKEN[name]
    path = tmp_path / "config"
    path.write_text(text)
    with pytest.raises(KubeconfigError) as info:
        load_kubeconfig([path])
    assert info.value.message.startswith(f"invalid kubeconfig {path}:{where}: ")
    assert SECRET not in shown(info.value)
    assert "s3cr3t" not in shown(info.value)


def test_a_deeply_nested_kubeconfig_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("users: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(KubeconfigError) as info:
        load_kubeconfig([path])
    assert info.value.message == f"invalid kubeconfig {path}:1:71: nested more than 64 levels deep"


def test_not_utf8_is_located(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_bytes(b"users: []\ntoken: \xff" + SECRET.encode() + b"\n")
    with pytest.raises(KubeconfigError) as info:
        load_kubeconfig([path])
    assert info.value.message == f"invalid kubeconfig {path}:2: file is not valid UTF-8"
    assert SECRET not in shown(info.value)


def test_a_fifo_or_folder_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(KubeconfigError) as info:
        load_kubeconfig([fifo])
    assert info.value.message == f"kubeconfig: cannot read {fifo}: it is a FIFO, not a regular file"
    with pytest.raises(KubeconfigError) as info:
        load_kubeconfig([tmp_path])
    assert "not a regular file" in info.value.message


def test_a_certificate_file_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "ca.crt"
    os.mkfifo(fifo)
    config = tmp_path / "config"
    config.write_text(
        "clusters:\n- name: c\n  cluster: {server: 'https://h', certificate-authority: ca.crt}\n"
        "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
    )
    with pytest.raises(KubeconfigError) as info:
        resolve_context(load_kubeconfig([config]), "x")
    assert "it is a FIFO, not a regular file" in info.value.message


@pytest.mark.parametrize("text", ["", "# nothing yet\n"])
def test_an_empty_kubeconfig_has_no_contexts(text: str, tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(text)
    assert dict(load_kubeconfig([path]).contexts) == {}


def test_a_valid_kubeconfig_still_loads(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "config", "avion-staging", "https://127.0.0.1:1")
    access = resolve_context(load_kubeconfig([path]), "avion-staging")
    assert access.server == "https://127.0.0.1:1"


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(
        st.sampled_from(
            [f"token: {SECRET}", f"{SECRET}:", f"- {SECRET}", f"[{SECRET}", f"{{{SECRET}: ["]
            + [f"{c}{SECRET}" for c in "!&*%@`|>'\"\t"]
            + ["users:", "  user:", "- name: u", "    a: b"]
        ),
        min_size=1,
        max_size=6,
    )
)
def test_no_error_ever_quotes_the_file(lines: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config"
        path.write_text("\n".join(lines) + "\n")
        error: KubeconfigError | None = None
        try:
            load_kubeconfig([path])
        except KubeconfigError as exc:
            error = exc
        assert error is None or "s3cr3t" not in shown(error)


def test_the_task_exits_1_and_prints_no_secret(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(BROKEN["syntax"][0])
    for extra in ((), ("--json",)):
        result = subprocess.run(
            [sys.executable, "-m", "invoke", "k8s.check", "--env", "staging", *extra],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "KUBECONFIG": str(path), "NO_COLOR": "1"},
        )
        assert result.returncode == 1, result.stderr
        assert f"error: invalid kubeconfig {path}:4:29: YAML syntax error" in result.stderr
        assert "Traceback" not in result.stderr
        assert SECRET not in result.stdout + result.stderr
        if extra:
            assert json.loads(result.stdout)["error"].startswith("invalid kubeconfig")


# A failing credential plugin that, like some do in a debug or error line, echoes what it holds.
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyb2JvdCJ9.c2lnbmF0dXJlMTIz"  # pragma: allowlist secret
EKS = "k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8_QWN0aW9uPUdldENhbGxlcklkZW50aXR5"
LEAKY_PLUGIN_STDERR = (
    f"debug: Authorization: Bearer {JWT}\n"
    f"debug: token={SECRET}\n"
    f'debug: {{"sessionToken": "{SECRET}", "status": {{"token": "{EKS}"}}}}\n'
    f"debug: retrying https://robot:{SECRET}@sts.example/\n"
    "\x1b[31mError: the SSO session has expired or is invalid\x1b[0m\n"
)


def leaky_plugin(folder: Path, status: int = 1) -> Path:
    """A real exec credential plugin: an executable script that writes the lines above to
    stderr (and a valid credential to stdout) and exits with ``status``."""
    script = folder / "leaky-credential-plugin"
    credential = {"kind": "ExecCredential", "status": {"token": EKS}}
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"sys.stderr.write({LEAKY_PLUGIN_STDERR!r})\n"
        f"print({json.dumps(credential)!r})\n"
        f"sys.exit({status})\n"
    )
    script.chmod(0o755)
    return script


def plugin_kubeconfig(folder: Path, status: int = 1) -> Path:
    plugin = {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": str(leaky_plugin(folder, status)),
    }
    return write_kubeconfig(
        folder / "config", "avion-staging", "https://127.0.0.1:1", user={"exec": plugin}
    )


def test_a_failing_credential_plugin_is_reported_with_its_reason_and_no_token(
    tmp_path: Path,
) -> None:
    from avion_workspace.k8s.kubeconfig import exec_token

    access = resolve_context(load_kubeconfig([plugin_kubeconfig(tmp_path)]), "avion-staging")
    with pytest.raises(KubeconfigError) as info:
        exec_token(access)
    text = shown(info.value)
    assert "leaky-credential-plugin exited with status 1" in text
    assert "Error: the SSO session has expired or is invalid" in text  # its reason, kept
    for token in (JWT, SECRET, EKS, "c2lnbmF0dXJlMTIz", "\x1b", "[31m"):
        assert token not in text
    assert "aws sso login" in (info.value.hint or "")


def test_the_task_prints_no_token_of_a_failing_plugin(tmp_path: Path) -> None:
    config = plugin_kubeconfig(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "k8s.check", "--env", "staging"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "KUBECONFIG": str(config), "NO_COLOR": "1"},
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "exited with status 1" in result.stderr
    assert "the SSO session has expired" in result.stderr
    for token in (JWT, SECRET, EKS):
        assert token not in result.stdout + result.stderr


def _access_with_plugin(folder: Path, command: Path) -> object:
    plugin = {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": str(command)}
    config = write_kubeconfig(
        folder / "config", "avion-staging", "https://127.0.0.1:1", user={"exec": plugin}
    )
    return resolve_context(load_kubeconfig([config]), "avion-staging")


@pytest.mark.parametrize("kind", ["not executable", "a folder"])
def test_a_plugin_that_cannot_be_run_is_a_kubeconfig_error(tmp_path: Path, kind: str) -> None:
    """Was a PermissionError: exit 3, "this is a bug"."""
    from avion_workspace.k8s.kubeconfig import exec_token

    command = tmp_path / "plugin"
    if kind == "a folder":
        command.mkdir()
    else:
        command.write_text("#!/bin/sh\necho\n")
        command.chmod(0o644)
    with pytest.raises(KubeconfigError) as info:
        exec_token(_access_with_plugin(tmp_path, command))  # type: ignore[arg-type]
    assert "which cannot be run: Permission denied" in info.value.message


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_a_plugin_writing_bytes_that_are_not_utf8(tmp_path: Path, stream: str) -> None:
    """Was a UnicodeDecodeError: exit 3."""
    from avion_workspace.k8s.kubeconfig import exec_token

    command = tmp_path / "plugin"
    command.write_text(
        f"#!{sys.executable}\nimport sys\n"
        f"sys.{stream}.buffer.write(b'caf\\xe9: the session expired\\n')\n"
        f"sys.exit({1 if stream == 'stderr' else 0})\n"
    )
    command.chmod(0o755)
    with pytest.raises(KubeconfigError) as info:
        exec_token(_access_with_plugin(tmp_path, command))  # type: ignore[arg-type]
    if stream == "stderr":
        assert "caf\ufffd: the session expired" in info.value.message
    else:
        assert info.value.message.endswith("plugin did not print an ExecCredential")
