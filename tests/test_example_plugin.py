"""The organisation example, for real: built as a wheel, installed, and met by a failing pip.

A root-owned venv under ``/net/build-7.acme.internal/`` (an internal host
name in the path, as NFS automount paths have) gets pip-doctor and the
example plugin's wheel; the throwaway account then runs ``pip install`` there
and fails with EACCES. The plugin's diagnosis, internal link, suppression of
the built-in owner advice and the redaction of the host name must show in
pip's output and in the JSON report. Then the same with the example TOML file
instead of the plugin, from ``PIP_DOCTOR_RULES`` and from the environment's
site-wide location.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

import attrs
import pytest

import scenarios

pytestmark = pytest.mark.e2e

EXAMPLES = scenarios.ROOT / "examples"
PIP_LINE = "ERROR: Could not install packages due to an OSError"
BUILTIN_OWNER_ADVICE = "env-owned-by-other-user"


@attrs.frozen
class Setup:
    base: Path
    venv: Path
    wheels: Path
    acme_wheel: Path


@pytest.fixture(scope="module", params=[None, "26.3"], ids=["bundled-pip", "pip-26.3"])
def setup(request: pytest.FixtureRequest, wheelhouse: Path) -> Iterator[Setup]:
    """The venv with pip-doctor and the plugin; also on pip 26.3, which blocks late imports."""
    base = scenarios.shared_dir("pd-acme-")
    try:
        wheels = base / "wheels"
        scenarios.make_wheel(wheels, "tinypkg", "1.0")
        acme_wheel = scenarios.plugin_wheel(EXAMPLES / "acme-pip-doctor", wheels,
                                            "acme_pip_doctor-*.whl")
        venv = base / "net" / "build-7.acme.internal" / "venv"
        venv.parent.mkdir(parents=True)
        scenarios.make_venv(venv, pip_version=request.param, with_pip_doctor=True)
        scenarios.run_checked(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-index",
             "--no-deps", str(acme_wheel)],
        )
        rules = base / "acme-rules.toml"
        shutil.copy(EXAMPLES / "rules" / "acme-rules.toml", rules)
        rules.chmod(0o644)
        yield Setup(base, venv, wheels, acme_wheel)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@attrs.frozen
class Run:
    status: int
    stdout: str
    stderr: str
    report: Optional[dict]

    @property
    def diagnosis(self) -> str:
        """What follows pip's own message: pip-doctor's part of the output."""
        _head, _sep, tail = self.stderr.partition(PIP_LINE)
        assert _sep, self.stderr
        return tail.partition("\n\n")[2] or tail

    def ids(self) -> list[str]:
        assert self.report is not None
        return [d["id"] for d in self.report["diagnoses"]]


def _pip_install(setup: Setup, account, tmp_name: str, **environ: str) -> Run:
    report_dir = setup.base / "reports"
    report_dir.mkdir(exist_ok=True)
    report_dir.chmod(0o1777)
    report = report_dir / f"{tmp_name}.json"
    report.unlink(missing_ok=True)
    result = scenarios.run_as(
        account,
        [str(setup.venv / "bin" / "python"), "-m", "pip", "install", "--no-index",
         "--find-links", str(setup.wheels), "tinypkg"],
        env={"PIP_DOCTOR_REPORT": str(report), "NO_COLOR": "1", **environ},
    )
    data = json.loads(report.read_text()) if report.exists() else None
    return Run(result.returncode, result.stdout, result.stderr, data)


def _pips_own_line(run: Run) -> str:
    return next(line for line in run.stderr.splitlines() if line.startswith(PIP_LINE))


def test_the_plugin_speaks_in_a_real_failing_pip_install(setup, account):
    without = _pip_install(setup, account, "disabled", PIP_DOCTOR_DISABLE="1")
    assert without.status == 1
    assert without.report is None
    builtin = _pip_install(setup, account, "builtin", PIP_DOCTOR_BLOCK="acme")
    run = _pip_install(setup, account, "acme")

    # pip's own line and exit status are untouched.
    assert run.status == builtin.status == without.status
    assert _pips_own_line(run) == _pips_own_line(without)

    # Without the plugin, the built-in owner advice comes first ...
    assert builtin.ids()[0] == BUILTIN_OWNER_ADVICE
    assert "acme/shared-env" not in builtin.ids()
    # ... with it, ACME's diagnosis replaces it (suppression), with the internal link.
    assert run.ids()[0] == "acme/shared-env"
    assert BUILTIN_OWNER_ADVICE not in run.ids()
    shared = run.report["diagnoses"][0]
    assert shared["source"] == "acme"
    assert shared["links"] == [{"title": "Python at ACME: shared environments",
                                "url": "https://go.acme.example/python-setup#shared"}]
    assert "acme/home-fs" in run.report["environment"]
    assert run.report["problems"] == []
    assert "https://go.acme.example/python-setup#shared" in run.diagnosis
    assert "acme-env create --from" in run.diagnosis
    assert BUILTIN_OWNER_ADVICE not in run.diagnosis
    assert "More: pip-doctor explain acme/shared-env" in run.diagnosis

    # The internal host name is in pip's own message, nowhere in pip-doctor's part.
    assert "build-7.acme.internal" in _pips_own_line(run)
    assert "acme.internal" not in run.diagnosis
    dumped = json.dumps(run.report)
    assert "acme.internal" not in dumped
    assert "/net/<internal-host>/venv" in dumped
    assert "build-7.acme.internal" in json.dumps(builtin.report)


def test_the_rules_file_does_the_same_without_code(setup, account):
    run = _pip_install(setup, account, "toml", PIP_DOCTOR_DISABLE_PLUGIN_AUTOLOAD="1",
                       PIP_DOCTOR_RULES=str(setup.base / "acme-rules.toml"))
    assert run.status == 1
    assert run.ids()[0] == "acme-rules/shared-env"
    assert BUILTIN_OWNER_ADVICE not in run.ids()
    assert "acme-rules/home-fs" in run.report["environment"]
    assert run.report["problems"] == []
    first = run.report["diagnoses"][0]
    assert first["links"][0]["url"] == "https://go.acme.example/python-setup#shared"
    (evidence,) = first["evidence"]
    assert "/net/<internal-host>/venv/lib/" in evidence
    assert evidence.endswith(f"site-packages belongs to root; you are {account.name}")
    assert "https://go.acme.example/python-setup#shared" in run.diagnosis
    assert "More: pip-doctor explain acme-rules/shared-env" in run.diagnosis
    assert "acme.internal" not in run.diagnosis
    assert "acme.internal" not in json.dumps(run.report)


def test_the_environments_site_wide_rules_file_is_read(setup, account):
    site_rules = setup.venv / "etc" / "pip-doctor" / "rules.toml"
    site_rules.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(setup.base / "acme-rules.toml", site_rules)
    site_rules.chmod(0o644)
    try:
        run = _pip_install(setup, account, "site", PIP_DOCTOR_DISABLE_PLUGIN_AUTOLOAD="1")
    finally:
        site_rules.unlink()
    assert run.ids()[0] == "acme-rules/shared-env"
    source = run.report["diagnoses"][0]["source"]
    assert source.startswith("pip_doctor.declarative (")
    assert "/net/<internal-host>/venv/etc/pip-doctor/rules.toml:" in source


def test_a_broken_rules_file_leaves_pip_and_the_built_ins_alone(setup, account):
    broken = setup.base / "broken.toml"
    broken.write_text('[[rule]]\nid = "acme/x"\ntitle = "x"\n[rule.match]\nerrno = "EACCESS"\n'
                      '[[rule]]\nid = "oops\n')
    broken.chmod(0o644)
    without = _pip_install(setup, account, "broken-off", PIP_DOCTOR_DISABLE="1")
    run = _pip_install(setup, account, "broken", PIP_DOCTOR_DISABLE_PLUGIN_AUTOLOAD="1",
                       PIP_DOCTOR_RULES=str(broken))
    assert run.status == without.status
    assert _pips_own_line(run) == _pips_own_line(without)
    assert run.ids()[0] == BUILTIN_OWNER_ADVICE
    (problem,) = run.report["problems"]
    assert problem["message"].startswith(f"{broken}:7: not valid TOML")


def test_identity_redaction_for_reports_that_leave_the_machine(setup, account):
    run = _pip_install(setup, account, "identity",
                       PIP_DOCTOR_PLUGINS="pip_doctor.redact_identity")
    assert run.status == 1
    values = json.dumps(run.report["diagnoses"]) + json.dumps(run.report["environment"])
    assert account.name not in values
    assert account.home not in values
    assert account.name not in run.diagnosis
    assert run.report["environment"]["account"]["name"] == "<user>"
    assert run.report["environment"]["account"]["home"] == "~"
    assert "you are <user>" in run.diagnosis


def test_plugins_json_lists_what_is_installed(setup, account):
    result = scenarios.run_as(
        account, [str(setup.venv / "bin" / "python"), "-m", "pip_doctor", "plugins", "--json"])
    assert result.returncode == 0, result.stderr
    listed = {p["name"]: p for p in json.loads(result.stdout)["plugins"]}
    installed = scenarios.run_as(account, [
        str(setup.venv / "bin" / "python"), "-c",
        "import json; from importlib import metadata as m; print(json.dumps(sorted("
        "[e.name, e.value, e.dist.name, e.dist.version] for e in "
        "m.entry_points(group='pip_doctor'))))",
    ])
    assert json.loads(installed.stdout) == [
        ["acme", "acme_pip_doctor.plugin", "acme-pip-doctor", "1.0.0"]]
    acme = listed["acme"]
    assert (acme["origin"], acme["module"], acme["distribution"], acme["version"],
            acme["status"], acme["error"]) == (
        "entrypoint", "acme_pip_doctor.plugin", "acme-pip-doctor", "1.0.0", "loaded", None)
    assert acme["probes"] == ["acme/home-fs"]
    assert acme["rules"] == ["acme/shared-env", "acme/home-on-nfs"]
    assert acme["explanations"] == ["acme/shared-env", "acme/home-on-nfs"]
    assert acme["hooks"] == ["pip_doctor_adjust_report", "pip_doctor_explanations",
                             "pip_doctor_probes", "pip_doctor_rules", "pip_doctor_secrets"]
    assert acme["problems"] == []
    explained = scenarios.run_as(
        account, [str(setup.venv / "bin" / "python"), "-m", "pip_doctor", "explain",
                  "acme/shared-env"])
    assert explained.returncode == 0, explained.stderr
    assert explained.stdout.startswith("acme/shared-env: a shared environment managed by")
    builtins = [p for p in listed.values() if p["origin"] == "builtin"]
    assert {p["name"] for p in builtins} >= {"pip_doctor.probes", "pip_doctor.rules",
                                             "pip_doctor.declarative", "pip_doctor.redaction"}
    assert all(p["distribution"] == "pip-doctor" for p in builtins)


def test_the_examples_own_tests_pass():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=EXAMPLES / "acme-pip-doctor", capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_examples_tests_use_only_public_names():
    tests = (EXAMPLES / "acme-pip-doctor" / "tests").glob("*.py")
    private = [path.name for path in tests if "pip_doctor._" in path.read_text()]
    assert private == []
