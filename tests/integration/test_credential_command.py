"""``launch-tui credential set|delete|list``: the value goes to the keyring only (read from
standard input, never argv), the session holds the ``keyring:`` reference; no backend is exit 4
within 3 s naming the environment variable. Against a real Secret Service (gnome-keyring under
dbus-run-session) with a canary value that must appear in no file, output or log."""

from __future__ import annotations

import io
import os
import secrets
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from launch_tui.cli.cmd_credential import run_with
from launch_tui.cli.context import CliEnv
from launch_tui.cli.exit_codes import Exit
from launch_tui.cli.main import main
from launch_tui.cli.parser import build_parser
from launch_tui.core.errors import SecretStoreError, UsageError
from launch_tui.store import load_session


class _DictKeyring:
    """An in-memory backend with keyring's method names (the real one is tested below)."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.values[(service, username)]


def _env(tmp_path: Path, stdin: str = "", environ: dict[str, str] | None = None) -> CliEnv:
    return CliEnv(
        environ={"LAUNCH_TUI_SESSIONS": str(tmp_path / "s"), **(environ or {})},
        cwd=tmp_path,
        stdin=io.StringIO(stdin),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )


def _new_session(tmp_path: Path) -> Path:
    code = main(
        ["new", "--client", "Acme", "--apex", "acme.example", "--engineer", "Dana"],
        env=_env(tmp_path),
    )
    assert code == Exit.OK
    return tmp_path / "s" / "acme.toml"


def _cred(tmp_path: Path, backend: _DictKeyring | None, *argv: str, stdin: str = "") -> CliEnv:
    env = _env(tmp_path, stdin)
    args = build_parser().parse_args(["credential", *argv])
    assert run_with(args, env, lambda: backend) == Exit.OK
    return env


def test_set_list_delete_keep_only_a_reference(tmp_path: Path) -> None:
    path = _new_session(tmp_path)
    keyring = _DictKeyring()
    value = "canary-" + secrets.token_urlsafe(18)
    out = _cred(tmp_path, keyring, "set", "acme", "cloudflare", "--purpose", "zone", stdin=value)
    assert keyring.values == {("launch-tui/acme", "cloudflare"): value}
    session = load_session(path)
    assert [(c.name, c.ref, c.purpose) for c in session.credentials] == [
        ("cloudflare", "keyring:launch-tui/acme/cloudflare", "zone")
    ]
    text = path.read_text(encoding="utf-8")
    assert 'ref = "keyring:launch-tui/acme/cloudflare"' in text
    assert value not in text and value[:12] not in text
    listed = _cred(tmp_path, keyring, "list", "acme")
    line = listed.stdout.getvalue()  # type: ignore[attr-defined]
    assert "cloudflare  keyring:launch-tui/acme/cloudflare  in the keyring  (zone)" in line
    # Storing again replaces the value and keeps one reference (and its purpose).
    _cred(tmp_path, keyring, "set", "acme", "cloudflare", stdin="other-value\n")
    assert keyring.values[("launch-tui/acme", "cloudflare")] == "other-value"
    assert [c.purpose for c in load_session(path).credentials] == ["zone"]
    _cred(tmp_path, keyring, "delete", "acme", "cloudflare")
    assert keyring.values == {}
    assert load_session(path).credentials == ()
    for env in (out, listed):
        assert value not in env.stdout.getvalue() + env.stderr.getvalue()  # type: ignore[attr-defined]


def test_bad_input_is_a_usage_error_and_changes_nothing(tmp_path: Path) -> None:
    path = _new_session(tmp_path)
    before = path.read_bytes()
    keyring = _DictKeyring()
    for argv, stdin, match in (
        (["set", "acme", "cloudflare"], "", "no value for cloudflare"),
        (["set", "acme", "../etc"], "v", "may only hold"),
        (["delete", "acme", "nothing"], "", "holds no credential named 'nothing'"),
    ):
        args = build_parser().parse_args(["credential", *argv])
        with pytest.raises(UsageError, match=match):
            run_with(args, _env(tmp_path, stdin), lambda: keyring)
    assert keyring.values == {}
    assert path.read_bytes() == before


def test_no_backend_names_the_environment_variable_before_asking(tmp_path: Path) -> None:
    path = _new_session(tmp_path)
    before = path.read_bytes()
    args = build_parser().parse_args(["credential", "set", "acme", "api-token"])
    stdin = io.StringIO("never-read")
    env = _env(tmp_path)
    env.stdin = stdin
    with pytest.raises(SecretStoreError, match="LAUNCH_TUI_CREDENTIAL_ACME_API_TOKEN"):
        run_with(args, env, lambda: None)
    assert stdin.tell() == 0  # the value was not asked for
    assert path.read_bytes() == before
    # `list` says where the value would come from, without a keyring too.
    _cred(tmp_path, _DictKeyring(), "set", "acme", "api-token", stdin="v")
    for environ, where in (
        (
            {"LAUNCH_TUI_CREDENTIAL_ACME_API_TOKEN": "x"},
            "from $LAUNCH_TUI_CREDENTIAL_ACME_API_TOKEN",
        ),
        ({}, "no keyring: set $LAUNCH_TUI_CREDENTIAL_ACME_API_TOKEN"),
    ):
        listed = _env(tmp_path, environ=environ)
        args = build_parser().parse_args(["credential", "list", "acme"])
        assert run_with(args, listed, lambda: None) == Exit.OK
        assert where in listed.stdout.getvalue()  # type: ignore[attr-defined]


def test_a_missing_session_exits_3(tmp_path: Path) -> None:
    env = _env(tmp_path, "v")
    assert main(["credential", "set", "nope", "token"], env=env) == Exit.FILE
    assert env.stderr.getvalue().startswith("launch-tui: Session not found: ")  # type: ignore[attr-defined]


def _cli(
    tmp_path: Path, env: dict[str, str], *argv: str, stdin: str = ""
) -> tuple[int, str, float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "launch_tui", *argv],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


def test_no_keyring_in_the_real_command_is_exit_4_within_3_s(tmp_path: Path) -> None:
    _new_session(tmp_path)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LAUNCH_TUI_SESSIONS": str(tmp_path / "s"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    code, output, took = _cli(tmp_path, env, "credential", "set", "acme", "tok", stdin="v-123\n")
    assert code == Exit.TOOL, output
    assert output.startswith("launch-tui: No keyring: ")
    assert "LAUNCH_TUI_CREDENTIAL_ACME_TOK" in output
    assert took < 3.0
    assert "keyring:launch-tui/acme" not in (tmp_path / "s" / "acme.toml").read_text("utf-8")


_READ_BACK = textwrap.dedent(
    """
    from launch_tui.store import load_session
    from launch_tui.store.credentials import CredentialStore, default_backend
    import sys
    session = load_session(sys.argv[1])
    value = CredentialStore(default_backend()).get(session.credentials[0])
    print("same" if value == sys.stdin.read() else "different")
    """
)


@pytest.mark.skipif(
    not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")),
    reason="gnome-keyring and dbus are installed by .ci/run",
)
def test_gnome_keyring_holds_the_value_and_nothing_else_does(tmp_path: Path) -> None:
    session_path = _new_session(tmp_path)
    value = "canary-" + secrets.token_urlsafe(24)
    (tmp_path / "run").mkdir(mode=0o700)
    (tmp_path / "read_back.py").write_text(_READ_BACK)
    steps = " && ".join(
        [
            "printf 'sandbox-unlock' | gnome-keyring-daemon --unlock --components=secrets "
            ">/dev/null",
            f"printf '%s\\n' \"$CANARY\" | {sys.executable} -m launch_tui credential set acme "
            "api-token --purpose 'auth route timing'",
            f"{sys.executable} -m launch_tui credential list acme",
            f"printf '%s' \"$CANARY\" | {sys.executable} read_back.py {session_path}",
            f"{sys.executable} -m launch_tui credential delete acme api-token",
            f"{sys.executable} -m launch_tui credential list acme",
        ]
    )
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_RUNTIME_DIR": str(tmp_path / "run"),
        "LAUNCH_TUI_SESSIONS": str(tmp_path / "s"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring",
        "CANARY": value,  # handed through the environment of the shell only, never argv
    }
    code, output, _ = _cli(tmp_path, env, "--version")  # the interpreter runs the package
    assert code == 0, output
    done = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", steps],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        cwd=tmp_path,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-2000:]
    assert "Stored api-token in the keyring" in output
    assert "api-token  keyring:launch-tui/acme/api-token  in the keyring" in output
    assert "\nsame\n" in output
    assert "Removed api-token from the keyring" in output
    assert done.stdout.rstrip().endswith("No credentials in session acme")
    assert value not in output and value[7:19] not in output
    # The keyring's own store is encrypted: the value is in no file under HOME, the sessions
    # folder or the runtime folder.
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert value.encode() not in data, path
            assert value[7:19].encode() not in data, path
