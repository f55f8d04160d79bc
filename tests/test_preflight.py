"""``pip-doctor check`` in-process: what the preflight adds is redacted like the rest."""

from __future__ import annotations

import errno
import os

from pip_doctor import _engine, _manager, _preflight

TOKEN = "s3cr3t-T0ken-42"


def test_the_deeper_scan_is_redacted_quick_scan_timeout_simulated(tmp_path, monkeypatch):
    # Real files with a real foreign owner; only "the quick scan ran out of
    # time" is simulated, since no test can make a scan reliably slow.
    env = tmp_path / "env"
    site = env / "lib" / "python3.11" / "site-packages" / "pkg"
    site.mkdir(parents=True)
    (env / "pyvenv.cfg").write_text("home = /usr/bin\n")
    foreign = site / f"{TOKEN}.py"
    foreign.touch()
    os.chown(foreign, 4242, 4242)
    monkeypatch.setenv("ACME_DEPLOY_TOKEN", TOKEN)
    error = PermissionError(errno.EACCES, "Permission denied", str(site / "new.py"))
    report, secrets = _engine.diagnose_unredacted(error, None, _manager.get_manager())
    quick = dict(report.facts["foreign_files"])
    assert quick["root"] == str(env)
    timed_out = report.facts.with_section(
        "foreign_files", {**quick, "examples": [], "stopped": "time", "complete": False}
    )

    deep = _preflight._scan_deeper(
        type(report)(error=report.error, context=report.context, facts=timed_out), secrets
    ).facts["foreign_files"]

    assert deep["complete"] is True
    assert deep["count"] == 1
    assert TOKEN not in repr(deep)
    assert str(site / "***.py") in repr(deep)
