"""The probes inside a real failing ``pip install``: the facts of the JSON report.

A venv owned by the throwaway account, with pip-doctor's wheel installed,
gets a package installed by root (an earlier ``sudo pip``); the account's
next install then fails. The report pip-doctor writes must carry the facts
measured inside pip: pip's own scheme, pip's version, the root-owned files.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

import scenarios

pytestmark = pytest.mark.e2e


@attrs.frozen
class Setup:
    venv: Path
    site: Path
    wheels: Path
    report: Path


def _install(setup: Setup, account, *args: str):
    return scenarios.run_as(
        account,
        [str(setup.venv / "bin" / "python"), "-m", "pip", "install", "--no-index",
         "--find-links", str(setup.wheels), *args],
        env={"PIP_DOCTOR_REPORT": str(setup.report), "VIRTUAL_ENV": str(setup.venv),
             "PATH": f"{setup.venv}/bin:/usr/bin:/bin"},
    )


@pytest.fixture
def sudo_installed(account, shared, wheelhouse) -> Setup:
    """The account's venv, in which root installed ``pd-probed`` 1.0 (namespace ``pd_ns``)."""
    wheels = shared / "wheels"
    for version in ("1.0", "2.0"):
        scenarios.make_wheel(wheels, "pd-probed", version,
                             files={"pd_ns/probed.py": ""})
    scenarios.make_wheel(wheels, "pd-sibling", "1.0", files={"pd_ns/sibling.py": ""})
    for name in (wheels, *wheels.iterdir()):
        name.chmod(0o755 if name.is_dir() else 0o644)
    venv = scenarios.make_venv(shared / "venv", owner=account, with_pip_doctor=True)
    site = scenarios.site_packages(venv)
    setup = Setup(venv, site, wheels, shared / "report.json")
    first = _install(setup, None, "pd-probed==1.0")  # root: the earlier "sudo pip"
    assert first.returncode == 0, first.stderr
    assert (site / "pd_ns").stat().st_uid == 0
    os.chown(shared, account.uid, account.gid)
    return setup


def _checked_facts(setup: Setup, result, account) -> dict[str, Any]:
    assert result.returncode == 1, result.stderr
    assert "Could not install packages due to an OSError" in result.stderr
    report = json.loads(setup.report.read_text())
    assert not [p for p in report["problems"] if p["source"].startswith("probe ")]
    facts: dict[str, Any] = report["environment"]
    assert facts["interpreter"]["pip_version"]
    assert facts["interpreter"]["pip_version"] == report["pip"]["version"]
    # pip's own scheme on Python 3.9 (distutils); from 3.10 pip uses sysconfig,
    # which the diagnosis reads without importing pip
    assert facts["scheme"]["source"] == ("pip" if sys.version_info < (3, 10) else "sysconfig")
    assert facts["scheme"]["purelib"] == str(setup.site)
    assert facts["environment"]["kind"] == "venv"
    assert (facts["environment"]["active"], facts["environment"]["mismatch"]) == (True, None)
    assert facts["account"]["name"] == account.name
    assert facts["path"]["environment_root"] == str(setup.venv)
    assert (facts["path"]["owner_name"], facts["path"]["writable"]) == ("root", False)
    found = facts["foreign_files"]
    assert (found["root"], found["skipped"]) == (str(setup.venv), None)
    assert found["count"] >= 2
    assert found["owners"] == [{"uid": 0, "name": "root", "count": found["count"]}]
    assert facts["destinations"]["all_writable"] is True  # only nested files are root's
    return facts


def test_install_into_a_root_owned_namespace_directory(account, sudo_installed):
    result = _install(sudo_installed, account, "pd-sibling")
    facts = _checked_facts(sudo_installed, result, account)
    path = facts["path"]
    assert path["given"].startswith(str(sudo_installed.site / "pd_ns"))
    assert path["located"] is None
    assert path["nearest_existing"] == str(sudo_installed.site / "pd_ns")
    assert any(e["path"].startswith(str(sudo_installed.site / "pd_ns"))
               for e in facts["foreign_files"]["examples"])


def test_upgrade_of_a_root_installed_package(account, sudo_installed):
    result = _install(sudo_installed, account, "--upgrade", "pd-probed==2.0")
    if result.returncode == 0:  # newer pips leave the root-owned stash and go on
        assert "~d_probed" in result.stderr
        pytest.skip("this pip completes the upgrade, leaving root's files in a ~ stash")
    facts = _checked_facts(sudo_installed, result, account)
    path = facts["path"]
    if not os.path.isabs(path["given"]):  # pip's uninstall names a bare file name
        located = Path(path["located"])
        assert located.name == path["given"]
        assert located.parent.parent == sudo_installed.site
        assert located.parent.name.startswith("~")  # in pip's stash of the old version
        assert path["located_matches"] >= 1
    stem = str(sudo_installed.site)
    assert all(e["path"].startswith((f"{stem}/pd_", f"{stem}/~d_"))
               for e in facts["foreign_files"]["examples"])
