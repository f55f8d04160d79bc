"""The diagnosis of a failed pip command, in a process of its own.

pip's process (``pip_doctor._pip_hook``) starts this module with the same
interpreter, environment, account and working directory, and writes what it
captured to its stdin as JSON::

    {"protocol": 1,
     "error": {... pip_doctor._error_data.exception_data(...) ...},
     "context": {"command", "argv", "args", "pip_options", "pip_version",
                 "original_message", "verbose", "verbosity", "log", "failure",
                 "interpreter"},
     "output": {"terminal": bool, "encoding": str, "no_color": bool},
     "deadline": time.monotonic() value by which pip stops waiting,
     "timeout": the seconds pip waits in all}

It turns that back into an ``ErrorInfo`` and an ``InstallContext``, runs the
same engine as :func:`pip_doctor.diagnose` within what is left of pip's time,
writes the JSON report files (``PIP_DOCTOR_REPORT`` and the plugins'
``pip_doctor_report_paths``), and answers with the text to show after pip's
message on stdout, then closes it. The report files are written for every
failed command, and for a warning (``failure="warning"``) only when a cause
was found. Nothing is answered when there is nothing to say: a pip error,
"No matching distribution" or a warning that no rule explains adds no text
(an ``OSError`` always gets one: what was measured, when no cause matched).
A warning a rule explains gets one line, a note: pip went on.
Whatever a plugin prints goes to stderr, which pip does not show.

The child may import anything, at any time: pip's import blocking (26.3)
applies to pip's process only.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import os
import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any, Callable, Optional

import attrs

from pip_doctor import _api, _engine, _manager, _report_files, _timebox
from pip_doctor._model import ErrorInfo, InstallContext, InstallOptions, Problem, Report
from pip_doctor._probes.scheme import PIP_LOCATIONS
from pip_doctor._render_text import color_enabled, render_note, render_text, unicode_ok

#: The environment variable naming a file for the JSON report.
REPORT_VARIABLE = "PIP_DOCTOR_REPORT"

#: Failures whose report is shown even when no cause matched ("not known,
#: here is what was measured"); for the others, no match means no text.
ALWAYS_SHOWN = frozenset({"os-error", "unhandled"})

#: Seconds kept back from the diagnosis for writing report files, rendering
#: and answering; and the most a plugin's ``pip_doctor_report_paths`` or one
#: report file may take.
RESERVE = 0.06
REPORT_PATHS_TIMEOUT = 0.1
REPORT_WRITE_TIMEOUT = 0.5

Clock = Callable[[], float]


def main() -> None:
    """Read the capture on stdin, answer on stdout, exit (never raises)."""
    answer = os.dup(1)
    os.dup2(2, 1)  # whatever else is printed (plugins, libraries) goes to stderr
    text = ""
    try:
        payload = json.loads(sys.stdin.buffer.read().decode("utf-8"))
        text = answer_for(payload)
    except BaseException as error:  # the answer is then empty: pip shows its own message
        sys.stderr.write(f"pip-doctor: the diagnosis failed: {_timebox.describe(error)}\n")
    try:
        data = text.encode("utf-8", "replace")
        while data:
            data = data[os.write(answer, data):]
        os.close(answer)
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(0)  # do not wait for a probe's thread stuck in a system call


def answer_for(payload: Mapping[str, Any], clock: Clock = time.monotonic) -> str:
    """The text for pip's stderr, after writing the report files; "" for none."""
    deadline = _deadline(payload, clock)
    error = ErrorInfo.from_data(_mapping(payload.get("error")))
    context = context_from_data(_mapping(payload.get("context")))
    if context.pip_version and sys.version_info < (3, 10):
        _load_pip_locations()
    budget = _engine.Budget.within(deadline - clock() - RESERVE)
    report = _api.run_diagnosis(error, context, budget)
    if context.failure != "warning" or report.diagnoses:  # a warning alone is no failure
        report = write_reports(report, _manager.get_manager(), deadline, clock)
    if not report.diagnoses and context.failure not in ALWAYS_SHOWN:
        return ""
    output = _mapping(payload.get("output"))
    terminal = _Stream(bool(output.get("terminal")), str(output.get("encoding") or ""))
    color = color_enabled(terminal) and not output.get("no_color")  # type: ignore[arg-type]
    if context.failure == "warning":  # pip went on: one line
        return render_note(report, color=color)
    return render_text(
        report,
        color=color,
        ascii_only=not unicode_ok(terminal),  # type: ignore[arg-type]
    )


def context_from_data(data: Mapping[str, Any]) -> InstallContext:
    """The ``InstallContext`` of what pip captured; odd values become defaults."""
    options = _mapping(data.get("pip_options"))

    def text(value: object) -> Optional[str]:
        return value if isinstance(value, str) else None

    requested = [str(arg) for arg in _list(data.get("args"))]
    for flag, name in (("-r", "requirements"), ("-e", "editables")):
        for value in _list(options.get(name)):
            requested += [flag, str(value)]
    return InstallContext(
        command=text(data.get("command")) or "install",
        options=InstallOptions(
            user=bool(options.get("use_user_site")),
            target=text(options.get("target_dir")),
            prefix=text(options.get("prefix_path")),
            root=text(options.get("root_path")),
            isolated=bool(options.get("isolated_mode")),
        ),
        requirements=requested,
        interpreter=text(data.get("interpreter")) or sys.executable or "python",
        pip_version=text(data.get("pip_version")),
        original_message=text(data.get("original_message")),
        verbose=bool(data.get("verbose")),
        argv=[str(arg) for arg in _list(data.get("argv"))],
        pip_options=options,
        log=[str(line) for line in _list(data.get("log"))],
        failure=text(data.get("failure")) or "",
    )


def _load_pip_locations() -> None:
    """Import pip's ``locations``, so that the ``scheme`` probe measures pip's
    own scheme as in pip's process. Only on Python 3.9, where pip's scheme
    comes from distutils: from 3.10 pip uses ``sysconfig`` and the probe gives
    the same answer without pip (whose import would cost a fifth of the
    deadline). Outside the probes' time limits, inside pip's.
    """
    with contextlib.suppress(Exception):  # else the probe uses sysconfig, and says so
        importlib.import_module(PIP_LOCATIONS)


# ------------------------------------------------------------------ report files


def write_reports(
    report: Report, manager: _manager.PluginManager, deadline: float, clock: Clock = time.monotonic
) -> Report:
    """Write the JSON to ``PIP_DOCTOR_REPORT`` and every path the plugins name.

    Each file that cannot be written (or not in time) becomes a ``problems``
    entry of the report, which is returned; every file that was written lists
    them all (those written before a failure are written again).
    """
    targets: list[tuple[str, str]] = []
    path = os.environ.get(REPORT_VARIABLE, "")
    if path:
        targets.append((REPORT_VARIABLE, path))
    problems: list[Problem] = []
    for source, function in manager.each_impl("pip_doctor_report_paths"):
        outcome = _timebox.call(
            functools.partial(_listed_paths, function, report),
            _left(deadline, clock, REPORT_PATHS_TIMEOUT),
        )
        if outcome.ok:
            targets.extend((source, item) for item in outcome.value or ())
        else:
            message = f"pip_doctor_report_paths: {outcome.error}"
            problems.append(Problem(source=source, message=message))
    report = _with_problems(report, problems)
    written: list[str] = []
    failed = False
    for source, target in targets:
        error = _write(target, report, deadline, clock)
        if error is None:
            written.append(target)
            continue
        report = report.with_problem(
            Problem(source=source, message=f"could not write the report to {target!r}: {error}")
        )
        failed = True
    if failed:
        for target in written:
            _write(target, report, deadline, clock)
    return report


def _write(path: str, report: Report, deadline: float, clock: Clock) -> Optional[str]:
    text = report.to_json()
    outcome = _timebox.call(
        lambda: _report_files.write_report(path, text),
        _left(deadline, clock, REPORT_WRITE_TIMEOUT),
    )
    return None if outcome.ok else outcome.error


def _listed_paths(function: Any, report: Report) -> list[str]:
    return [os.fspath(item) for item in function(report=report) or ()]


def _with_problems(report: Report, problems: Iterable[Problem]) -> Report:
    return attrs.evolve(report, problems=(*report.problems, *problems))


def _left(deadline: float, clock: Clock, limit: float) -> float:
    return max(0.0, min(limit, deadline - clock()))


# ------------------------------------------------------------------ odd input


def _deadline(payload: Mapping[str, Any], clock: Clock) -> float:
    """pip's deadline on this clock; never later than ``timeout`` from now."""
    now = clock()
    timeout = payload.get("timeout")
    limit = float(timeout) if isinstance(timeout, (int, float)) else 0.5
    deadline = payload.get("deadline")
    if not isinstance(deadline, (int, float)) or isinstance(deadline, bool):
        return now + limit
    return min(float(deadline), now + limit)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


class _Stream:
    """What the renderer asks of pip's stderr, as pip's process measured it."""

    def __init__(self, terminal: bool, encoding: str) -> None:
        self.terminal = terminal
        self.encoding = encoding

    def isatty(self) -> bool:
        return self.terminal


if __name__ == "__main__":
    main()
