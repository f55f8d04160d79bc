"""The pipeline itself: time limits, ranking, de-duplication, pip's text first."""

from __future__ import annotations

import errno
import sys
import textwrap
import time
from pathlib import Path

import pytest

import pip_doctor
from pip_doctor import _engine, _manager, _timebox
from pip_doctor._pip_compat import original_message_function


def test_timebox_returns_value_error_or_timeout():
    assert _timebox.call(lambda: 42, 1.0).value == 42
    failed = _timebox.call(lambda: 1 / 0, 1.0)
    assert not failed.ok
    assert failed.error.startswith("ZeroDivisionError")
    slow = _timebox.call(lambda: time.sleep(5), 0.05)
    assert slow.error.startswith("timed out")
    assert _timebox.call(lambda: 1, 0).error.startswith("skipped")


def _plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, body: str) -> None:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(body))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PIP_DOCTOR_PLUGINS", name)
    sys.modules.pop(name, None)
    _manager.reset_manager()


def test_a_hanging_probe_costs_its_timeout_not_the_diagnosis(tmp_path, monkeypatch):
    _plugin(tmp_path, monkeypatch, "pd_slow_probe", """
        import time
        from pip_doctor import Probe, hookimpl

        def _sleep(situation):
            time.sleep(30)

        @hookimpl
        def pip_doctor_probes():
            return [Probe(id="slow/sleeper", run=_sleep, timeout=0.1)]
    """)
    report = pip_doctor.diagnose(PermissionError(errno.EACCES, "Permission denied", "/x"))
    assert any(p.source.startswith("probe slow/sleeper") and "timed out" in p.message
               for p in report.problems)
    assert "slow/sleeper" not in report.facts


def test_duplicate_ids_keep_the_first_and_plugin_ids_must_be_namespaced(tmp_path, monkeypatch):
    _plugin(tmp_path, monkeypatch, "pd_dupes", """
        from pip_doctor import Diagnosis, Rule, hookimpl

        def _two(situation):
            return [Diagnosis(id="dup/x", title="first", confidence="low"),
                    Diagnosis(id="dup/x", title="second", confidence="high"),
                    Diagnosis(id="disk-full", title="pretends to be built in")]

        @hookimpl
        def pip_doctor_rules():
            return [Rule(id="dup/rule", check=_two), Rule(id="bare", check=_two)]
    """)
    report = pip_doctor.diagnose(OSError("x"))
    found = [d for d in report.diagnoses if d.id == "dup/x"]
    assert [d.title for d in found] == ["first"]
    assert found[0].source == "pd_dupes"
    assert report.get("disk-full") is None
    messages = " | ".join(p.message for p in report.problems)
    assert "'bare' is not namespaced" in messages
    assert "'disk-full' is not namespaced" in messages


def test_an_adjusted_report_is_held_to_blocked_namespaced_and_ranked(tmp_path, monkeypatch):
    _plugin(tmp_path, monkeypatch, "pd_adjuster", """
        import attrs
        from pip_doctor import Diagnosis, Rule, hookimpl

        @hookimpl
        def pip_doctor_rules():
            return [Rule(id="adj/rule", check=lambda situation: Diagnosis(
                id="adj/low", title="low", confidence="low"))]

        @hookimpl
        def pip_doctor_adjust_report(report):
            added = (Diagnosis(id="adj/blocked", title="blocked", confidence="high"),
                     Diagnosis(id="bare-id", title="not namespaced", confidence="high"),
                     Diagnosis(id="adj/high", title="high", confidence="high"))
            return attrs.evolve(report, diagnoses=(*report.diagnoses, *added))
    """)
    monkeypatch.setenv("PIP_DOCTOR_BLOCK", "adj/blocked")
    report = pip_doctor.diagnose(OSError("x"))
    ids = [d.id for d in report.diagnoses]
    assert "adj/blocked" not in ids
    assert "bare-id" not in ids
    assert ids.index("adj/high") < ids.index("adj/low")
    assert [d.rank for d in report.diagnoses] == sorted(d.rank for d in report.diagnoses)
    assert any(p.source == "pd_adjuster" and "'bare-id'" in p.message
               for p in report.problems)


def test_a_probe_returning_what_json_cannot_carry_is_a_problem(tmp_path, monkeypatch):
    _plugin(tmp_path, monkeypatch, "pd_junk_probe", """
        from pip_doctor import Probe, hookimpl

        @hookimpl
        def pip_doctor_probes():
            return [Probe(id="junk/set", run=lambda s: {"v": {1, 2}}),
                    Probe(id="junk/list", run=lambda s: [1]),
                    Probe(id="junk/nan", run=lambda s: {"v": float("nan")}),
                    Probe(id="junk/ok", run=lambda s: {"v": [1, "a", None]})]
    """)
    report = pip_doctor.diagnose(OSError("x"))
    assert report.facts.get_fact("junk/ok", "v") == [1, "a", None]
    for probe in ("junk/set", "junk/list", "junk/nan"):
        assert probe not in report.facts
        assert any(p.source.startswith(f"probe {probe}") for p in report.problems)
    report.to_json()


@pytest.mark.parametrize(
    "error",
    [
        PermissionError(errno.EACCES, "Permission denied", "/usr/lib/python3/x"),
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EROFS, "Read-only file system", "/ro/x"),
        OSError("no errno"),
    ],
    ids=["eacces", "enospc", "erofs", "no-errno"],
)
@pytest.mark.parametrize("show_traceback", [False, True])
@pytest.mark.parametrize("using_user_site", [False, True])
def test_format_os_error_starts_with_pips_own_text_byte_for_byte(
    error, show_traceback, using_user_site
):
    pips = original_message_function()
    assert pips is not None, "pip's create_os_error_message must be found"
    expected = pips(error, show_traceback, using_user_site)
    text = pip_doctor.format_os_error(error, show_traceback, using_user_site)
    assert text.startswith(expected)
    assert len(text) > len(expected)


def test_format_os_error_falls_back_to_pips_text_when_the_diagnosis_breaks(monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("engine bug")

    monkeypatch.setattr(_engine, "diagnose", explode)
    error = PermissionError(errno.EACCES, "Permission denied", "/x")
    pips = original_message_function()
    assert pips is not None
    report = pip_doctor.diagnose(error)
    assert report.diagnoses == ()
    assert "engine bug" in report.problems[0].message
    assert pip_doctor.format_os_error(error, False, False).startswith(pips(error, False, False))
