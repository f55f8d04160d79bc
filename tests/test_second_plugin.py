"""A second plugin, written from the docs alone (tests/plugins/contoso-doctor).

Its own tests use only ``pip_doctor`` and ``pip_doctor.testing``; then it is
built as a wheel, installed with pip-doctor into a root-owned venv, and met
by a real failing ``pip install`` of an unprivileged account: its
``tryfirst`` rule comes before the built-in diagnosis of equal confidence,
the text points to ``pip-doctor explain`` for its id (which works), and its
report path under a directory that does not exist yet is written.
"""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import scenarios
from pip_doctor import testing

PLUGIN = Path(__file__).parent / "plugins" / "contoso-doctor"
PIP_LINE = "ERROR: Could not install packages due to an OSError"
TEAM_ENV = "contoso/team-env"
BUILTIN_OWNER = "env-owned-by-other-user"


@pytest.fixture
def contoso(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(PLUGIN / "src"))
    sys.modules.pop("contoso_doctor", None)
    import contoso_doctor

    yield contoso_doctor
    sys.modules.pop("contoso_doctor", None)


OTHERS_ENV = {
    "account": {"name": "alice", "euid": 1000, "is_root": False},
    "path": {"nearest_existing": "/srv/team/env/lib", "owner_uid": 0, "owner_name": "root",
             "writable": False},
}


def test_the_rule_reads_the_documented_facts(contoso):
    situation = testing.make_situation(facts=OTHERS_ENV)
    found = contoso.team_environment(situation)
    assert found.id == TEAM_ENV
    assert found.evidence == ("/srv/team/env/lib belongs to root; you are alice",)
    posix = [c.text for c in found.fixes[0].for_shell("posix")]
    assert posix == ['python3 -m venv "$HOME"/.venvs/work']
    own = {**OTHERS_ENV, "path": {**OTHERS_ENV["path"], "owner_uid": 1000}}
    assert contoso.team_environment(testing.make_situation(facts=own)) is None
    full = testing.make_situation(error=testing.make_error(errno.ENOSPC), facts=OTHERS_ENV)
    assert contoso.team_environment(full) is None


def test_it_loads_cleanly_and_explains_its_id(contoso):
    manager = testing.make_manager(contoso, environ={"CONTOSO_REPORT_DIR": "/srv/reports"})
    assert manager.load_problems == []
    assert manager.get_explanations()[TEAM_ENV].title.startswith("an environment that")
    relative = testing.make_manager(contoso, environ={"CONTOSO_REPORT_DIR": "reports"})
    assert [(p.source, p.message) for p in relative.load_problems] == [
        ("contoso", "CONTOSO_REPORT_DIR must be an absolute path, not 'reports'")]


# ------------------------------------------------------------ for real


@pytest.fixture(scope="module")
def installed(wheelhouse: Path) -> Iterator[tuple[Path, Path]]:
    """(base, venv): a root-owned venv with pip-doctor and the plugin's wheel."""
    base = scenarios.shared_dir("pd-contoso-")
    try:
        wheels = base / "wheels"
        scenarios.make_wheel(wheels, "tinypkg", "1.0")
        wheel = scenarios.plugin_wheel(PLUGIN, wheels, "contoso_doctor-*.whl")
        venv = base / "team-env"
        scenarios.make_venv(venv, with_pip_doctor=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                        "--no-index", "--no-deps", str(wheel)], check=True)
        yield base, venv
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.e2e
def test_the_second_plugin_in_a_real_failing_pip_install(installed, account):
    base, venv = installed
    reports = base / "reports"
    reports.mkdir(mode=0o777)
    reports.chmod(0o1777)
    result = scenarios.run_as(
        account,
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-index",
         "--find-links", str(base / "wheels"), "tinypkg"],
        env={"CONTOSO_REPORT_DIR": str(reports / "not" / "there" / "yet"), "NO_COLOR": "1"},
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.index(PIP_LINE) < result.stderr.index("pip-doctor:")
    diagnosis = result.stderr.partition(PIP_LINE)[2]
    assert "This environment belongs to another team" in diagnosis
    assert f"More: pip-doctor explain {TEAM_ENV}" in diagnosis

    (written,) = (reports / "not" / "there" / "yet" / "pip-failures").glob("*/*.json")
    report = json.loads(written.read_text())
    ids = [d["id"] for d in report["diagnoses"]]
    assert ids[:2] == [TEAM_ENV, BUILTIN_OWNER]  # tryfirst: before the built-in, both high
    assert report["problems"] == []

    explained = scenarios.run_as(account, [str(venv / "bin" / "python"), "-m", "pip_doctor",
                                           "explain", TEAM_ENV])
    assert explained.returncode == 0, explained.stderr
    assert explained.stdout.startswith(f"{TEAM_ENV}: an environment that belongs to another")
    listed = scenarios.run_as(account, [str(venv / "bin" / "python"), "-m", "pip_doctor",
                                        "plugins", "--json"])
    (info,) = [p for p in json.loads(listed.stdout)["plugins"] if p["name"] == "contoso"]
    assert (info["distribution"], info["version"], info["problems"]) == (
        "contoso-doctor", "0.3.0", [])
    assert info["explanations"] == [TEAM_ENV]
