"""The probes inside a real failing ``pip install``: the facts of the JSON report.

A venv owned by the throwaway account, with pip-doctor's wheel installed,
gets a package installed by root (an earlier ``sudo pip``); the account's
upgrade of it fails. The report that pip-doctor writes must carry the facts
measured inside pip: pip's own scheme, pip's version, the root-owned files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import scenarios

pytestmark = pytest.mark.e2e


def _install(python: Path, account, house: Path, *args: str, env=None):
    return scenarios.run_as(
        account,
        [str(python), "-m", "pip", "install", "--no-index", "--find-links", str(house), *args],
        env=env,
    )


def test_facts_measured_inside_a_failing_pip_install(account, shared, wheelhouse):
    wheels = shared / "wheels"
    scenarios.make_wheel(wheels, "pd-probed", "1.0")
    scenarios.make_wheel(wheels, "pd-probed", "2.0")
    for name in (wheels, *wheels.iterdir()):
        name.chmod(0o755 if name.is_dir() else 0o644)

    venv = scenarios.make_venv(shared / "venv", owner=account, with_pip_doctor=True)
    python = venv / "bin" / "python"
    first = _install(python, None, wheels, "pd-probed==1.0")  # root: the earlier "sudo pip"
    assert first.returncode == 0, first.stderr
    (site,) = venv.glob("lib/python3*/site-packages")
    assert (site / "pd_probed").stat().st_uid == 0

    report_path = shared / "report.json"
    os.chown(shared, account.uid, account.gid)
    result = _install(python, account, wheels, "--upgrade", "pd-probed==2.0",
                      env={"PIP_DOCTOR_REPORT": str(report_path),
                           "VIRTUAL_ENV": str(venv), "PATH": f"{venv}/bin:/usr/bin:/bin"})
    assert result.returncode == 1, result.stderr
    assert "Could not install packages due to an OSError" in result.stderr

    report = json.loads(report_path.read_text())
    assert not [p for p in report["problems"] if p["source"].startswith("probe ")]
    facts = report["environment"]
    pip_version = facts["interpreter"]["pip_version"]
    assert pip_version
    assert pip_version == report["pip"]["version"]
    assert facts["scheme"]["source"] == "pip"
    assert facts["scheme"]["purelib"] == str(site)
    assert facts["environment"]["kind"] == "venv"
    assert (facts["environment"]["active"], facts["environment"]["mismatch"]) == (True, None)
    assert facts["account"]["name"] == account.name
    path = facts["path"]
    if not os.path.isabs(path["given"]):  # pip's uninstall names a bare "RECORD"
        assert path["located"] == str(site / "~d_probed-1.0.dist-info" / path["given"])
        assert path["located_matches"] >= 1
    assert path["environment_root"] == str(venv)
    assert (path["owner_name"], path["writable"]) == ("root", False)
    found = facts["foreign_files"]
    assert found["root"] == str(venv)
    assert found["skipped"] is None
    assert found["count"] >= 2
    assert all(e["path"].startswith((str(site / "pd_probed"), str(site / "~d_probed")))
               for e in found["examples"])
    assert found["owners"] == [{"uid": 0, "name": "root", "count": found["count"]}]
    assert facts["destinations"]["all_writable"] is True  # the top directories are fine
