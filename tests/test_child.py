"""The child process that diagnoses what pip's process captured.

``answer_for`` runs in this process with a generous budget (the outcome never
depends on the machine's load); ``run_child`` starts the real child, as pip
does, with plugins that misbehave.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

import scenarios
from pip_doctor import _child, _pip_hook
from pip_doctor._error_data import exception_data

#: A clock for answer_for that never runs out: the deadline is far away.
FROZEN = 0.0


def payload(error: BaseException, failure: str = "os-error", **context: Any) -> dict[str, Any]:
    return {
        "protocol": 1,
        "error": exception_data(error),
        "context": {
            "command": "install",
            "argv": ["install", "pkg"],
            "args": ["pkg"],
            "pip_options": {"use_user_site": False, "target_dir": None},
            "pip_version": "26.3",
            "original_message": "Could not install packages due to an OSError: ...",
            "verbose": False,
            "verbosity": 0,
            "log": [],
            "failure": failure,
            **context,
        },
        "output": {"terminal": False, "encoding": "utf-8", "no_color": False},
        "deadline": 1000.0,
        "timeout": 1000.0,
    }


def denied() -> PermissionError:
    return PermissionError(13, "Permission denied", "/nonexistent/site-packages/x")


def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> str:
    """A plugin module in ``tmp_path``, named in PIP_DOCTOR_PLUGINS, importable by children."""
    name = f"pd_child_{os.urandom(3).hex()}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(body))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), str(scenarios.SRC)]))
    monkeypatch.setenv("PIP_DOCTOR_PLUGINS", name)
    return name


# ----------------------------------------------------------------- in this process


def test_context_is_rebuilt_from_the_captured_data():
    data = payload(denied())["context"]
    data["pip_options"] = {
        "use_user_site": True, "target_dir": "/t", "prefix_path": None, "root_path": "/r",
        "isolated_mode": True, "requirements": ["req.txt"], "editables": ["./proj"],
        "index_url": "https://u:secret@example.org/simple",
    }
    context = _child.context_from_data(data)
    assert (context.options.user, context.options.target, context.options.root) == (
        True, "/t", "/r")
    assert context.options.isolated
    assert context.requirements == ("pkg", "-r", "req.txt", "-e", "./proj")
    assert context.pip_options["index_url"] == "https://u:secret@example.org/simple"
    assert (context.argv, context.failure, context.pip_version) == (
        ("install", "pkg"), "os-error", "26.3")


def test_odd_context_data_gives_defaults():
    context = _child.context_from_data({"argv": "not a list", "pip_options": [1],
                                        "log": None, "failure": 3})
    assert (context.argv, dict(context.pip_options), context.log, context.failure) == (
        (), {}, (), "")
    assert context.command == "install"


def test_an_os_error_always_gets_text_and_a_report_file(tmp_path, monkeypatch):
    target = tmp_path / "missing" / "dir" / "report.json"
    monkeypatch.setenv("PIP_DOCTOR_REPORT", str(target))
    text = _child.answer_for(payload(denied()), clock=lambda: FROZEN)
    assert text.startswith("pip-doctor")
    report = json.loads(target.read_text())
    assert report["error"]["errno"] == 13
    assert report["pip"]["original_message"].startswith("Could not install packages")


def test_a_pip_error_no_rule_explains_adds_no_text_but_writes_the_report(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    monkeypatch.setenv("PIP_DOCTOR_REPORT", str(target))
    error = RuntimeError("Could not open requirements file: [Errno 2] nope")
    assert _child.answer_for(payload(error, "pip-error"), clock=lambda: FROZEN) == ""
    assert json.loads(target.read_text())["diagnoses"] == []


def test_a_warning_no_rule_explains_adds_nothing_at_all(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    monkeypatch.setenv("PIP_DOCTOR_REPORT", str(target))
    data = payload(denied(), "warning")
    data["error"] = {"type": "PipWarning", "message": "The directory '/c' ...",
                     "reference": "cache-dir-disabled", "filename": "/c"}
    assert _child.answer_for(data, clock=lambda: FROZEN) == ""
    assert not target.exists()


def test_report_paths_that_fail_are_problems_in_every_file_written(tmp_path, monkeypatch):
    good = tmp_path / "good.json"
    blocked = tmp_path / "file"
    blocked.write_text("")
    plugin(tmp_path, monkeypatch, f"""
        import pip_doctor

        @pip_doctor.hookimpl
        def pip_doctor_report_paths(report):
            return [{str(good)!r}, {str(blocked / "under-a-file.json")!r}]
    """)
    text = _child.answer_for(payload(denied()), clock=lambda: FROZEN)
    problems = json.loads(good.read_text())["problems"]
    assert any("under-a-file.json" in p["message"] for p in problems), problems
    assert "problem while diagnosing" in text or "problems while diagnosing" in text


def test_the_budget_follows_pips_deadline():
    """What is left of pip's time, less the reserve, goes to the engine."""
    assert _child._deadline({"deadline": 100.5, "timeout": 0.5}, lambda: 100.1) == 100.5
    assert _child._deadline({"deadline": 1e9, "timeout": 0.5}, lambda: 5.0) == 5.5
    assert _child._deadline({"deadline": "soon"}, lambda: 5.0) == 5.5
    budget = _child._engine.Budget.within(0.4)
    assert budget.total + budget.secrets_floor + budget.late_floor == pytest.approx(0.4)
    assert budget.probes < budget.total


def test_a_permission_error_does_not_load_the_network_or_metadata_modules(tmp_path):
    """What only network failures, report files, rpm or plugins need is imported
    when they need it, not by every diagnosis (the child's start is pip's wait).
    """
    code = textwrap.dedent("""
        import json, sys
        from pip_doctor import _child
        _child.answer_for(json.loads(sys.argv[1]), lambda: 0.0)
        print(sorted(set(sys.argv[2].split()) & set(sys.modules)))
    """)
    unneeded = "socket ssl datetime subprocess difflib email zipfile importlib.metadata"
    environ = {key: value for key, value in os.environ.items()
               if not key.startswith("PIP_DOCTOR")}
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(payload(denied())), unneeded],
        capture_output=True, text=True, cwd=tmp_path, check=True,
        env={**environ, "PYTHONPATH": str(scenarios.SRC)})
    found = done.stdout.strip()
    if sys.version_info < (3, 10):  # pip's own scheme is imported there, on purpose
        pip_alone = subprocess.run(
            [sys.executable, "-c", "import sys, pip._internal.locations; "
             "print(sorted(set(sys.argv[1].split()) & set(sys.modules)))", unneeded],
            capture_output=True, text=True, cwd=tmp_path, check=True, env=environ)
        assert found == pip_alone.stdout.strip(), done.stderr
    else:
        assert found == "[]", done.stderr


# ----------------------------------------------------------------- the real child


def test_run_child_answers_with_the_text(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(scenarios.SRC))
    text, why = _pip_hook.run_child(payload(denied()), 60)
    assert (text.startswith("pip-doctor"), why) == (True, ""), why


def test_a_plugin_that_prints_is_not_heard(tmp_path, monkeypatch):
    plugin(tmp_path, monkeypatch, """
        import sys
        import pip_doctor
        print("NOISE at load")

        @pip_doctor.hookimpl
        def pip_doctor_probes():
            def run(situation):
                print("NOISE from a probe")
                sys.stdout.flush()
                return {}
            return [pip_doctor.Probe(id="noisy/probe", run=run)]
    """)
    text, why = _pip_hook.run_child(payload(denied()), 60)
    assert why == ""
    assert "NOISE" not in text
    assert text.startswith("pip-doctor")


def test_a_plugin_that_imports_lazily_works_in_the_child(tmp_path, monkeypatch):
    plugin(tmp_path, monkeypatch, """
        import pip_doctor

        @pip_doctor.hookimpl
        def pip_doctor_probes():
            def run(situation):
                import xml.dom.minidom  # not loaded before: the child may import
                return {"parsed": xml.dom.minidom.parseString("<a/>").documentElement.tagName}
            return [pip_doctor.Probe(id="lazy/probe", run=run)]
    """)
    report = tmp_path / "r.json"
    monkeypatch.setenv("PIP_DOCTOR_REPORT", str(report))
    _text, why = _pip_hook.run_child(payload(denied()), 60)
    assert why == ""
    assert json.loads(report.read_text())["environment"]["lazy/probe"] == {"parsed": "a"}


def test_a_child_that_stops_is_killed_at_the_deadline(tmp_path, monkeypatch):
    """A probe that stops its whole process (as a hung system call would hold
    it): pip gets no text, one reason, and no process is left behind.
    """
    pid_file = tmp_path / "pid"
    plugin(tmp_path, monkeypatch, f"""
        import os, signal
        import pip_doctor

        @pip_doctor.hookimpl
        def pip_doctor_probes():
            def run(situation):
                with open({str(pid_file)!r}, "w") as f:
                    f.write(str(os.getpid()))
                os.kill(os.getpid(), signal.SIGSTOP)
                return {{}}
            return [pip_doctor.Probe(id="stuck/probe", run=run, timeout=10**6)]
    """)
    text, why = _pip_hook.run_child(payload(denied()), 3)
    assert text == ""
    assert "took longer than 3s" in why
    assert "PIP_DOCTOR_TIMEOUT" in why
    pid = int(pid_file.read_text())
    for _ in range(200):  # the kill is sent; the kernel may take a moment to finish it
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.01)
    else:
        pytest.fail(f"the child {pid} is still there")


def test_a_child_that_cannot_start_gives_a_reason(monkeypatch):
    monkeypatch.setattr(_pip_hook, "CHILD_MODULE", "pip_doctor._no_such_module")
    monkeypatch.setenv("PYTHONPATH", str(scenarios.SRC))
    text, why = _pip_hook.run_child(payload(denied()), 60)
    assert text == ""
    assert "the diagnosis failed" in why
    assert "ModuleNotFoundError" in why


def test_no_thread_is_left_in_the_calling_process(monkeypatch):
    import threading

    monkeypatch.setenv("PYTHONPATH", str(scenarios.SRC))
    before = set(threading.enumerate())
    _pip_hook.run_child(payload(denied()), 60)
    assert set(threading.enumerate()) <= before  # none new (an earlier test's may end)
    assert signal.getsignal(signal.SIGCHLD) == signal.SIG_DFL
