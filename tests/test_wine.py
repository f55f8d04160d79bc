"""End to end on a real Windows CPython (3.13, x64) under Wine.

The Windows Python is the embeddable distribution from PyPI, prepared once and
kept (tests/wine.py); pip-doctor's wheel is installed into a fresh copy of it
at ``...\\Program Files\\Python313`` (a path with a space, as on Windows) as
root, so that it is an "installed for all users" Python: an unprivileged
account may read it, not write it. Wine maps Unix permissions onto Windows
security, so that account's ``pip install --no-user`` fails with a real
``[WinError 5]``; a file held open by another Windows process gives a real
``[WinError 32]``.

What Wine does not reproduce is tested in tests/test_windows_rules.py with
facts recorded here (tests/data/windows-recorded.json) and the names of those
tests say "recorded".

Cost: about six pip runs and a few short Python runs under Wine (figures in
the README).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import scenarios
import wine

pytestmark = pytest.mark.wine


def _need_wine() -> None:
    reason = wine.available()
    if reason is None and scenarios.is_root():
        return
    if os.environ.get("CI") or os.environ.get("PIP_DOCTOR_WINE_REQUIRED"):
        pytest.fail(reason or "the Wine tests need root")
    pytest.skip(reason or "the Wine tests need root")


class WinPython:
    """A fresh copy of the Windows Python with pip-doctor installed, and its wheels."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.home = base / "Program Files" / "Python313"
        self.wheels = base / "wheels"
        self.exe = wine.windows_path(self.home / "python.exe")
        self.site_packages = self.home / "Lib" / "site-packages"

    def pip(self, *args: str) -> list[str]:
        return [self.exe, "-m", "pip", *args]

    def find_links(self) -> list[str]:
        return ["--no-index", "--find-links", wine.windows_path(self.wheels)]


@pytest.fixture(scope="module")
def root_wine() -> Iterator[wine.WineSession]:
    _need_wine()
    with wine.session() as running:
        yield running


@pytest.fixture(scope="module")
def winpy(root_wine: wine.WineSession) -> Iterator[WinPython]:
    base = scenarios.shared_dir("pd-wine-")
    try:
        (base / "Program Files").mkdir(mode=0o755)
        python = WinPython(base)
        wine.copy_python(python.home)
        house = scenarios.wheelhouse()
        shutil.copytree(house, python.wheels)
        scenarios.make_wheel(python.wheels, "pd-tiny")
        scenarios.make_wheel(python.wheels, "pd-held")
        for wheel in python.wheels.iterdir():
            wheel.chmod(0o644)
        python.wheels.chmod(0o755)
        done = root_wine.run(python.pip("install", *python.find_links(), "pip-doctor"))
        assert done.returncode == 0, done.stdout + done.stderr
        yield python
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def account_wine(account: scenarios.Account, winpy: WinPython) -> Iterator[wine.WineSession]:
    with wine.session(account) as running:
        yield running


def _report(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


#: tests/record_windows_facts.py sets this: the file the measured reports go to.
RECORD = os.environ.get("PIP_DOCTOR_WINE_RECORD")


def _record(name: str, report: dict[str, Any], argv: list[str]) -> None:
    """Keep what was measured (error, pip's part, environment) for the recorded tests."""
    if not RECORD:
        return
    path = Path(RECORD)
    recorded = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    recorded[name] = {
        "argv": argv,
        "error": report["error"],
        "pip": report["pip"],
        "environment": report["environment"],
        "diagnoses": [d["id"] for d in report["diagnoses"]],
        "problems": report["problems"],
    }
    path.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def test_wine_hook_activates_and_winerror_5_is_diagnosed(
    winpy: WinPython, account_wine: wine.WineSession, account: scenarios.Account
) -> None:
    report = Path(account.home) / "report.json"
    done = account_wine.run(
        winpy.pip("install", "--no-user", *winpy.find_links(), "pd-tiny"),
        env={"PIP_DOCTOR_REPORT": wine.windows_path(report)},
    )
    output = done.stdout + done.stderr
    print(output)
    assert done.returncode == 1, output
    assert "[WinError 5]" in output
    assert report.is_file(), f"no report written; pip said:\n{output}"
    data = _report(report)
    print(json.dumps(data, indent=1))
    assert data["error"]["winerror"] == 5
    assert data["diagnoses"], output
    ids = [d["id"] for d in data["diagnoses"]]
    assert ids[0] == "needs-admin", ids
    best = data["diagnoses"][0]
    assert best["confidence"] == "high"
    evidence = "\n".join(best["evidence"])
    # Measured with the Win32 security API (Wine maps root's files to this owner).
    assert "[WinError 5]" in evidence
    assert "no right to create files there" in evidence
    assert "Scripts" in evidence
    assert {c["shell"] for f in best["fixes"] for c in f["commands"]} == {"powershell", "cmd"}
    text = output.lower()
    assert "sudo" not in text
    assert "chmod" not in text
    assert "chown" not in text
    assert "elevated" in output  # Windows' own don'ts
    # pip's own message and exit status are intact.
    assert "ERROR: Could not install packages due to an OSError: [WinError 5]" in output
    (report.parent / "needs-admin.json").write_text(json.dumps(data), encoding="utf-8")
    _record("winerror-5-all-users-python", data, ["install", "--no-user", "pd-tiny"])


def _cmd_fix(account: scenarios.Account, summary_word: str) -> list[str]:
    data = _report(Path(account.home) / "needs-admin.json")
    for fix in data["diagnoses"][0]["fixes"]:
        if summary_word in fix["summary"]:
            return [c["text"] for c in fix["commands"] if c["shell"] == "cmd"]
    raise AssertionError(f"no fix about {summary_word!r}")


def test_wine_cmd_runs_the_user_install_fix(
    winpy: WinPython, account_wine: wine.WineSession, account: scenarios.Account
) -> None:
    """The fix's cmd line, run by Wine's cmd.exe from a batch file: the quoted
    ``...\\Program Files\\...\\python.exe`` runs, and the package lands in the
    account's own site-packages, from the command's own ``--find-links``.
    """
    lines = _cmd_fix(account, "user site-packages")
    assert lines, "the fix has no cmd line"
    assert lines[0].startswith('"'), lines  # the path with a space is quoted
    batch = Path(account.home) / "fix.bat"
    batch.write_text("@echo off\r\n" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    # The fix re-runs the command: --no-index --find-links stay, --no-user goes.
    assert "--no-index --find-links" in lines[-1], lines
    assert "--no-user" not in lines[-1], lines
    done = account_wine.run(["cmd.exe", "/c", wine.windows_path(batch)])
    assert done.returncode == 0, done.stdout + done.stderr
    where = account_wine.run([winpy.exe, "-c", "import pd_tiny; print(pd_tiny.__file__)"])
    assert "AppData" in where.stdout, where.stdout + where.stderr


def _hold(session: wine.WineSession, winpy: WinPython, path: str) -> subprocess.Popen[str]:
    """A Windows process that holds ``path`` open until a line comes on its stdin
    (tried three times: under load a Wine process now and then dies at start).
    """
    code = ("import sys; f = open(sys.argv[1]); print('held', flush=True); "
            "sys.stdin.readline()")
    failures = []
    for _attempt in range(3):
        holder = session.popen([winpy.exe, "-c", code, path])
        assert holder.stdout is not None
        if holder.stdout.readline().strip() == "held":
            return holder
        failures.append(holder.communicate(timeout=60)[1])
    raise AssertionError("the holding process did not start: " + "\n".join(failures))


def test_wine_winerror_32_on_a_held_file_is_file_in_use(
    winpy: WinPython, root_wine: wine.WineSession
) -> None:
    """A file another Windows process holds open: a real sharing violation."""
    installed = root_wine.run(winpy.pip("install", *winpy.find_links(), "pd-held"))
    assert installed.returncode == 0, installed.stdout + installed.stderr
    held = wine.windows_path(winpy.site_packages / "pd_held" / "__init__.py")
    holder = _hold(root_wine, winpy, held)
    try:
        report = winpy.base / "held.json"
        done = root_wine.run(
            winpy.pip("install", "--ignore-installed", *winpy.find_links(), "pd-held"),
            env={"PIP_DOCTOR_REPORT": wine.windows_path(report)},
        )
    finally:
        with contextlib.suppress(OSError):
            assert holder.stdin is not None
            holder.stdin.write("\n")
            holder.stdin.flush()
        holder.communicate(timeout=60)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "[WinError 32]" in output
    assert report.is_file(), f"no report written; pip said:\n{output}"
    data = _report(report)
    _record("winerror-32-held-file", data, ["install", "--ignore-installed", "pd-held"])
    assert data["error"]["winerror"] == 32
    assert data["error"]["family"] == "in-use"
    ids = [d["id"] for d in data["diagnoses"]]
    assert ids == ["file-in-use"], ids
    best = data["diagnoses"][0]
    # Wine's Restart Manager names no process for any file: not measured, medium.
    assert best["confidence"] == "medium"
    assert data["environment"]["in_use"]["measured"] is False
    assert "which process holds it was not measured" in best["evidence"]
    assert {c["shell"] for f in best["fixes"] for c in f["commands"]} == {"powershell", "cmd"}


def test_wine_check_explain_diagnose_run(
    winpy: WinPython, account_wine: wine.WineSession
) -> None:
    check = account_wine.run([winpy.exe, "-m", "pip_doctor", "check", "--format", "json"])
    assert check.returncode == 1, check.stdout + check.stderr  # problems found
    found = json.loads(check.stdout)
    print(json.dumps(found, indent=1)[:3000])
    text = json.dumps(found)
    assert "Scripts" in text
    explain = account_wine.run([winpy.exe, "-m", "pip_doctor", "explain", "needs-admin"])
    assert explain.returncode == 0, explain.stderr
    assert "needs-admin" in explain.stdout
    target = wine.windows_path(winpy.site_packages / "pd_tiny")
    diagnose = account_wine.run(
        [winpy.exe, "-m", "pip_doctor", "diagnose", "--errno", "13", "--filename", target],
        env={"PIP_DOCTOR_SHELL": "cmd"},
    )
    output = diagnose.stdout + diagnose.stderr
    print(output)
    assert "needs-admin" in output
    assert "WinError None" not in output
    assert "uid None" not in output
