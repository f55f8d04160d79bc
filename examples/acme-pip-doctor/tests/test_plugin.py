"""Tests of ACME's plugin: each hook on its own, then through pip-doctor.

Only public names: ``pip_doctor`` and ``pip_doctor.testing``.
"""

from __future__ import annotations

import errno
import os

import pytest
from acme_pip_doctor import plugin

from pip_doctor import Diagnosis, Report, testing

NFS_TABLE = (
    "/dev/sda1 / ext4 rw,relatime 0 0\n"
    "filer.acme.internal:/export/home /home nfs4 rw,vers=4.2 0 0\n"
    "/dev/sdb1 /home/alice/scratch ext4 rw 0 0\n"
)


def _situation(facts):
    error = testing.make_error(errno.EACCES, "/opt/env/x")
    return testing.make_situation(error=error, facts=facts)


@pytest.mark.parametrize(
    ("home", "fs_type", "nfs"),
    [("/home/alice", "nfs4", True), ("/home/alice/scratch/x", "ext4", False),
     ("/root", "ext4", False)],
)
def test_home_filesystem_reads_the_longest_mount_point(tmp_path, home, fs_type, nfs):
    table = tmp_path / "mounts"
    table.write_text(NFS_TABLE)
    found = plugin.home_filesystem(home, str(table))
    assert (found["fs_type"], found["nfs"]) == (fs_type, nfs)


def test_the_probe_measures_this_machine():
    found = plugin.home_filesystem()
    assert found["home"] == os.path.realpath(os.path.expanduser("~"))
    assert found["mount_point"] is not None


SHARED = {
    "account": {"name": "alice", "euid": 1000, "is_root": False},
    "environment": {"kind": "venv", "root": "/opt/env"},
    "path": {"nearest_existing": "/opt/env/lib", "owner_uid": 0, "owner_name": "root",
             "writable": False},
}


def test_shared_environment_names_the_owner_and_links_the_guide():
    found = plugin.shared_environment(_situation(SHARED))
    assert found is not None
    assert found.evidence[0] == "/opt/env/lib belongs to root (uid 0); you are alice (uid 1000)"
    assert found.links[0].url == "https://go.acme.example/python-setup#shared"
    assert "acme-env create --from /opt/env" in [c.text for c in found.fixes[0].commands]


@pytest.mark.parametrize(
    "change",
    [{"account": {**SHARED["account"], "is_root": True}},
     {"path": {**SHARED["path"], "writable": True}},
     {"path": {**SHARED["path"], "owner_uid": 1000}},
     {"environment": {"kind": "system", "root": "/usr"}}],
    ids=["root", "writable", "own-env", "system-python"],
)
def test_shared_environment_stays_quiet_when_a_fact_disagrees(change):
    assert plugin.shared_environment(_situation({**SHARED, **change})) is None


def test_home_on_nfs_only_with_nfs():
    on_nfs = {"acme/home-fs": {"home": "/home/alice", "fs_type": "nfs4", "nfs": True}}
    assert plugin.home_on_nfs(_situation(on_nfs)).id == "acme/home-on-nfs"
    local = {"acme/home-fs": {"home": "/home/alice", "fs_type": "ext4", "nfs": False}}
    assert plugin.home_on_nfs(_situation(local)) is None


def test_the_built_in_owner_advice_gives_way_to_acmes():
    situation = _situation(SHARED)
    builtin = Diagnosis(id="env-owned-by-other-user", title="built in", confidence="high")
    report = Report(error=situation.error, context=situation.context,
                    diagnoses=[builtin, plugin.shared_environment(situation)])
    adjusted = plugin.pip_doctor_adjust_report(report)
    assert [d.id for d in adjusted.diagnoses] == ["acme/shared-env"]
    alone = Report(error=situation.error, context=situation.context, diagnoses=[builtin])
    assert plugin.pip_doctor_adjust_report(alone) is None


def test_the_plugin_loads_cleanly_and_explains_its_ids():
    manager = testing.make_manager(plugin)
    assert [p for p in manager.load_problems if p.source == plugin.__name__] == []
    explanations = manager.get_explanations()
    for rule in plugin.pip_doctor_rules():
        assert rule.id in explanations
        assert explanations[rule.id].text.startswith(f"{rule.id}: ")


def test_internal_host_names_are_redacted_through_pip_doctor():
    error = testing.make_error(errno.EACCES, "/net/build-7.eu.acme.internal/env/lib")
    report = testing.diagnose(error, plugins=[plugin])
    assert "acme/home-fs" in report.facts
    assert not [p for p in report.problems if "acme" in p.source]
    text = report.to_json()
    assert "acme.internal" not in text
    assert "/net/<internal-host>/env/lib" in text

