"""``pip-doctor check`` in-process: what the preflight adds is redacted like the rest."""

from __future__ import annotations

import errno
import os

from pip_doctor import InstallOptions, _engine, _manager, _preflight, _redact

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

    deep = _redact.redact_value(_preflight.scan_deeper(timed_out)["foreign_files"], secrets)

    assert deep["complete"] is True
    assert deep["count"] == 1
    assert TOKEN not in repr(deep)
    assert str(site / "***.py") in repr(deep)


def test_a_preflight_has_no_error_and_shows_no_secret(tmp_path, monkeypatch):
    """The check pass measures and finds; its facts, findings and fixes are
    redacted like a report, and nothing in it speaks of an error.
    """
    target = tmp_path / f"{TOKEN}-target"
    (target / "pkg").mkdir(parents=True)
    foreign = target / "pkg" / "mod.py"
    foreign.touch()
    os.chown(foreign, 4242, 4242)
    monkeypatch.setenv("ACME_DEPLOY_TOKEN", TOKEN)
    result = _preflight.preflight(InstallOptions(target=str(target)))
    data = result.to_dict()
    assert data["error"] is None
    assert TOKEN not in repr(data)
    assert data["options"]["target"] == str(tmp_path / "***-target")
    assert any(item["path"] == str(tmp_path / "***-target") for item in data["destinations"])
    assert result.problems == ()
