"""Redaction: secrets (built in, always on) and identity (opt-in) never leave in a report."""

from __future__ import annotations

import errno
import os
import re
import threading
import time
from pathlib import Path

import pytest

import pip_doctor
from pip_doctor import _manager, _redact, _timebox, redact_identity

TOKEN = "s3cr3t-T0ken-42"


def _string_values(value: object) -> list[str]:
    """Every string value of JSON data (its keys are pip-doctor's, not the user's)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _string_values(item)]
    if isinstance(value, list):
        return [s for item in value for s in _string_values(item)]
    return []


def _diagnose_text(error: OSError) -> str:
    report = pip_doctor.diagnose(error)
    return report.to_json() + report.to_text(color=False)


@pytest.mark.parametrize(
    ("name", "secret"),
    [("GITHUB_TOKEN", True), ("DB_PASSWORD", True), ("AWS_SECRET_ACCESS_KEY", True),
     ("API_KEY", True), ("APIKEY", True), ("NPM_PASS", True), ("GPG_KEYS", True),
     ("MY_CREDENTIALS", True), ("KEYBOARD_LAYOUT", False), ("MONKEY", False),
     ("PYTHON_KEYRING_BACKEND", False), ("GIT_ASKPASS", False), ("PATH", False),
     ("PWD", False), ("VIRTUAL_ENV", False)],
)
def test_secret_variable_names(name, secret):
    assert _redact.is_secret_name(name) is secret


def test_credentials_in_urls_list_the_password_and_lone_token_never_the_user():
    text = ("https://alice:p%40ss-word@pypi.acme.example/simple https://TOKENVALUE99@h/x "
            "git+ssh://deploy-robot@git.acme.example/x.git")
    found = _redact.credentials_in_text(text)
    assert found == ["p%40ss-word", "p@ss-word", "TOKENVALUE99"]


def test_user_names_in_pip_urls_do_not_mangle_paths(monkeypatch):
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "git+ssh://git@github.com/acme/tools.git")
    monkeypatch.setenv("PIP_INDEX_URL", "https://u@idx.example/simple")
    monkeypatch.setenv("PIP_TRUSTED_HOST", "https://ci:zyx-987-abc@idx.example/")
    path = "/usr/lib/python3/dist-packages/github_pkg/utils.py"
    report = pip_doctor.diagnose(PermissionError(errno.EACCES, "Permission denied", path))
    assert report.error.filename == path
    assert path in report.to_text(color=False)
    assert "zyx-987-abc" not in report.to_json()
    assert _redact.redact_text(f"https://ci:pw@h/ {path}", []) == f"https://***@h/ {path}"


def test_pip_config_credentials_are_read_at_load_and_hidden_everywhere(tmp_path, monkeypatch):
    config = tmp_path / "pip.conf"
    config.write_text(
        "[global]\n"
        f"index-url = https://builder:{TOKEN}@pypi.acme.example/simple\n"
        "[install]\n"
        "client-password = hunter2-hunter2\n"
    )
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    _manager.get_manager()
    config.unlink()  # read when plugins loaded, not when pip fails
    text = _diagnose_text(
        PermissionError(errno.EACCES, f"denied {TOKEN} hunter2-hunter2", f"/x/{TOKEN}/y")
    )
    assert TOKEN not in text
    assert "hunter2-hunter2" not in text
    assert "/x/***/y" in text


def test_secrets_wait_for_a_pip_config_read_that_overran_its_hook(tmp_path, monkeypatch):
    # pip's configuration file is a named pipe: reading it waits for a real
    # writer, which writes after the loading hook's time limit has passed.
    pipe = tmp_path / "pip.conf"
    os.mkfifo(pipe)
    monkeypatch.setenv("PIP_CONFIG_FILE", str(pipe))

    def write_late() -> None:
        with open(pipe, "w") as handle:  # opens once the reader has opened the pipe
            time.sleep(0.3)
            handle.write(f"[global]\nindex-url = https://ci:{TOKEN}@idx.example/simple\n")

    writer = threading.Thread(target=write_late)
    writer.start()
    plugin = _redact.Plugin()
    config = pip_doctor.Config(environ={"PIP_CONFIG_FILE": str(pipe)})
    try:
        loading = _timebox.call(lambda: plugin.pip_doctor_configure(config), 0.1)
        assert (loading.error or "").startswith("timed out")
        secrets = plugin.pip_doctor_secrets(situation=None)
    finally:
        writer.join()
    assert TOKEN in secrets


def test_the_users_pip_config_is_found_through_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".config" / "pip").mkdir(parents=True)
    (home / ".config" / "pip" / "pip.conf").write_text(
        f"[global]\nextra-index-url = https://u:{TOKEN}@idx.example/simple\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("PIP_CONFIG_FILE", raising=False)
    assert str(home / ".config" / "pip" / "pip.conf") in _redact.pip_config_files(os.environ)
    assert TOKEN not in _diagnose_text(OSError(errno.EACCES, f"at {TOKEN}"))


def test_environment_secrets_and_pip_variables(monkeypatch):
    monkeypatch.setenv("ACME_DEPLOY_TOKEN", TOKEN)
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "https://ci:zyx-987-abc@idx.example/simple")
    monkeypatch.setenv("FEATURE_KEY", "true")  # too plain to be a secret
    text = _diagnose_text(
        OSError(errno.EACCES, f"{TOKEN} zyx-987-abc true https://other:pw1234@h/ x")
    )
    assert TOKEN not in text
    assert "zyx-987-abc" not in text
    assert "pw1234" not in text  # URL credentials nobody listed
    assert "true https://***@h/" in text


def test_redact_text_applies_longest_literal_first_then_patterns():
    pairs = _redact._order([("abc", "1"), ("abcdef", "2"), (re.compile("x+"), "3")])
    assert [p[1] for p in pairs] == ["2", "1", "3"]
    assert _redact.redact_text("abcdef abc xx", pairs) == "2 1 3"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/home/alice/proj/.venv", "~/proj/.venv"),
        ("/home/alice2/x", "/home/alice2/x"),
        ("owned by alice (uid 1000)", "owned by <user> (uid 1000)"),
        ("malice alice-bot alice.", "malice alice-bot <user>."),
        ("alice:alice", "<user>:<user>"),
        ("built on ws42.corp.example, ws42 and ws42x", "built on <host>, <host> and ws42x"),
    ],
)
def test_identity_patterns_respect_word_boundaries(text, expected):
    pairs = redact_identity.identity_pairs(["alice"], ["/home/alice"],
                                           ["ws42.corp.example", "ws42"])
    assert _redact.redact_text(text, pairs) == expected


def test_a_one_letter_account_name_is_not_hunted_through_the_text():
    pairs = redact_identity.identity_pairs(["a"], ["/home/a"], [])
    assert _redact.redact_text("/home/a/x is a directory", pairs) == "~/x is a directory"


def test_identity_redaction_is_opt_in_and_hides_this_account_and_host(monkeypatch):
    home = os.path.realpath(os.path.expanduser("~"))
    host = os.uname().nodename
    name = redact_identity._ACCOUNTS[0][0]
    error = PermissionError(errno.EACCES, f"denied on {host}",
                            str(Path(home) / "proj" / "lib"))
    plain = _diagnose_text(error)
    assert home in plain
    assert host in plain
    monkeypatch.setenv("PIP_DOCTOR_PLUGINS", "pip_doctor.redact_identity")
    _manager.reset_manager()
    report = pip_doctor.diagnose(error)
    text = "\n".join([*_string_values(report.to_dict()), report.to_text(color=False)])
    assert f"{home}/" not in text
    assert host not in text
    assert re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", text) is None
    assert "~/proj/lib" in text
    assert report.facts["account"]["name"] == "<user>"
