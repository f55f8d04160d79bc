"""Diagnosis latency on a large environment, and the cost of ``import pip_doctor``.

Run by hand (not a test)::

    python benchmarks/bench_diagnose.py [--files 20000] [--runs 20] [--imports 30]

First, what pip waits for when a command fails: the child process that
diagnoses it (``pip_doctor._pip_hook.run_child``: start, imports, plugins,
probes, rules, text), timed from pip's side with a generous deadline (so the
whole distribution shows), then with pip's default deadline of 0.5 s (how
many answered in time). Then the in-process figures below.

It builds a venv-like directory whose site-packages holds ``--files`` files,
then times ``pip_doctor.diagnose(PermissionError(13, ..., a file inside))``:

- cold: the first diagnosis in a fresh process (plugins load, caches empty of
  this process's own state), once per fresh process;
- warm: repeated diagnoses in one process.

The ownership walk of such a tree is bounded by its time budget, so the
figures show the worst case: a tree owned by the account that runs the
benchmark, nothing foreign, walked until the budget runs out or it is done.
Then it times ``python -c "import pip_doctor"`` against ``python -c pass`` in
fresh processes, interleaved, and prints medians.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COLD_SCRIPT = r"""
import json, sys, time
start = time.perf_counter()
import pip_doctor
imported = time.perf_counter()
report = pip_doctor.diagnose(PermissionError(13, "Permission denied", sys.argv[1]))
done = time.perf_counter()
print(json.dumps({"import": imported - start, "diagnose": done - imported,
                  "problems": [p.message for p in report.problems],
                  "scan": report.facts.to_dict().get("foreign_files", {})}))
"""


def build_tree(base: Path, files: int, per_package: int = 50) -> tuple[Path, Path]:
    """A venv-like directory with ``files`` files in site-packages; returns (root, a file)."""
    root = base / "venv"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = root / "lib" / version / "site-packages"
    (root / "bin").mkdir(parents=True)
    (root / "pyvenv.cfg").write_text(f"home = {os.path.dirname(sys.executable)}\n")
    made = 0
    package_number = 0
    while made < files:
        package = site / f"package{package_number:04d}"
        package.mkdir(parents=True)
        for index in range(min(per_package, files - made)):
            (package / f"module{index:02d}.py").write_text("")
            made += 1
        package_number += 1
    failing = site / f"package{package_number // 2:04d}" / "module00.py"
    return root, failing


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def milliseconds(value: float) -> str:
    return f"{value * 1000:8.1f}"


def time_cold(failing: Path, runs: int) -> tuple[list[float], list[float], dict[str, object]]:
    imports: list[float] = []
    diagnoses: list[float] = []
    last: dict[str, object] = {}
    for _ in range(runs):
        result = subprocess.run([sys.executable, "-c", COLD_SCRIPT, str(failing)],
                                capture_output=True, text=True, check=True)
        last = json.loads(result.stdout)
        imports.append(float(last["import"]))  # type: ignore[arg-type]
        diagnoses.append(float(last["diagnose"]))  # type: ignore[arg-type]
    return imports, diagnoses, last


def time_child(failing: Path, runs: int, deadline: float) -> tuple[list[float], int]:
    """What pip waits for: wall time of ``run_child`` and how many gave a text."""
    from pip_doctor import _pip_hook
    from pip_doctor._error_data import exception_data

    error = PermissionError(13, "Permission denied", str(failing))
    data = {
        "protocol": 1,
        "error": exception_data(error),
        "context": {"command": "install", "argv": ["install", "pkg"], "args": ["pkg"],
                    "pip_options": {}, "pip_version": None,
                    "original_message": "Could not install packages due to an OSError",
                    "verbose": False, "verbosity": 0, "log": [], "failure": "os-error",
                    "interpreter": sys.executable},
        "output": {"terminal": False, "encoding": "utf-8", "no_color": True},
    }
    times: list[float] = []
    answered = 0
    for _ in range(runs):
        start = time.perf_counter()
        text, _why = _pip_hook.run_child(data, deadline)
        times.append(time.perf_counter() - start)
        answered += bool(text)
    return times, answered


def time_warm(failing: Path, runs: int) -> tuple[list[float], dict[str, object]]:
    import pip_doctor

    error = PermissionError(13, "Permission denied", str(failing))
    pip_doctor.diagnose(error)
    times: list[float] = []
    report = None
    for _ in range(runs):
        start = time.perf_counter()
        report = pip_doctor.diagnose(error)
        times.append(time.perf_counter() - start)
    assert report is not None
    return times, dict(report.facts.to_dict().get("foreign_files", {}))


def time_probes(failing: Path, runs: int) -> dict[str, list[float]]:
    """Each built-in probe on its own, in order, as the engine runs them."""
    from pip_doctor._model import ErrorInfo, InstallContext, Situation
    from pip_doctor._probes import BUILTIN_PROBES

    error = ErrorInfo.from_exception(PermissionError(13, "Permission denied", str(failing)))
    times: dict[str, list[float]] = {probe.id: [] for probe in BUILTIN_PROBES}
    for _ in range(runs):
        situation = Situation(error=error, context=InstallContext())
        for probe in BUILTIN_PROBES:
            start = time.perf_counter()
            values = probe.run(situation)
            times[probe.id].append(time.perf_counter() - start)
            situation = Situation(error=error, context=situation.context,
                                  facts=situation.facts.with_section(probe.id, values))
    return times


#: A file of the operating system's Python that a dpkg package owns (Debian).
DPKG_FILE = "/usr/lib/python3/dist-packages/six.py"


def time_worst_cases(failing: Path, runs: int) -> dict[str, list[float]]:
    """The probes whose work depends on the error, in their most expensive case:
    ``in_use`` scanning every process in /proc for an EBUSY file, and
    ``os_package`` looking a dpkg-owned file up (a ``__pycache__`` file, so the
    lookup maps it to its ``.py`` first).
    """
    from pip_doctor._model import ErrorInfo, InstallContext, Situation
    from pip_doctor._probes import in_use, os_package

    cases = {"  probe in_use, EBUSY (all of /proc)":
             (in_use.PROBE, OSError(16, "Device or resource busy", str(failing)))}
    if os.path.exists(DPKG_FILE):
        cached = os.path.join(os.path.dirname(DPKG_FILE), "__pycache__",
                              "six.cpython-311.pyc")
        cases["  probe os_package, a dpkg file"] = (
            os_package.PROBE, PermissionError(13, "Permission denied", cached))
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, (probe, error) in cases.items():
            situation = Situation(error=ErrorInfo.from_exception(error), context=InstallContext())
            start = time.perf_counter()
            probe.run(situation)
            times[name].append(time.perf_counter() - start)
    return times


#: What fresh interpreters run, interleaved: nothing, the package, the formatter.
IMPORT_CODES = ("pass", "import pip_doctor", "from pip_doctor import format_os_error")


def time_imports(runs: int) -> dict[str, list[float]]:
    """Wall time of fresh interpreters for each of :data:`IMPORT_CODES`, interleaved."""
    times: dict[str, list[float]] = {code: [] for code in IMPORT_CODES}
    for _ in range(runs):
        for code in IMPORT_CODES:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            times[code].append(time.perf_counter() - start)
    return times


def row(name: str, values: list[float]) -> str:
    return (f"{name:<44}{milliseconds(statistics.median(values))}"
            f"{milliseconds(percentile(values, 0.95))}{len(values):>6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=20, help="diagnoses, cold and warm")
    parser.add_argument("--imports", type=int, default=30, help="fresh interpreters each")
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="pd-bench-"))
    try:
        start = time.perf_counter()
        root, failing = build_tree(base, args.files)
        built = time.perf_counter() - start
        child, _ = time_child(failing, args.runs, 30.0)
        in_time, answered = time_child(failing, args.runs, 0.5)
        cold_imports, cold, cold_last = time_cold(failing, args.runs)
        warm, warm_scan = time_warm(failing, args.runs)
        probes = time_probes(failing, args.runs)
        worst = time_worst_cases(failing, args.runs)
        imports = time_imports(args.imports)
    finally:
        shutil.rmtree(base, ignore_errors=True)

    print(f"Python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} CPUs; "
          f"tree of {args.files} files built in {built:.1f}s at {root}")
    print(f"{'':<44}{'median':>8}{'p95':>8}{'runs':>6}   (milliseconds)")
    print(row("inside pip: the child, start to text", child))
    print(row("  the same under pip's 0.5 s deadline", in_time))
    print(f"  answered within 0.5 s: {answered} of {len(in_time)}")
    print(row("diagnose, cold (first call in a process)", cold))
    print(row("diagnose, warm (same process)", warm))
    for probe_id, values in probes.items():
        print(row(f"  probe {probe_id}", values))
    for name, values in worst.items():
        print(row(name, values))
    print(row("import pip_doctor, in-process", cold_imports))
    print(f"fresh interpreters: {sys.executable}")
    bare = statistics.median(imports["pass"])
    for code, values in imports.items():
        print(row(f"python -c '{code}'"[:43], values))
        if code != "pass":
            extra = statistics.median(values) - bare
            print(f"{'  costs (difference of medians)':<44}{milliseconds(extra)}")
    for label, scan in (("cold", cold_last.get("scan", {})), ("warm", warm_scan)):
        assert isinstance(scan, dict)
        print(f"ownership walk ({label}): scanned {scan.get('scanned')} entries, "
              f"complete={scan.get('complete')}, stopped={scan.get('stopped')}, "
              f"skipped={scan.get('skipped')}")
    problems = cold_last.get("problems")
    if problems:
        print(f"problems in the last cold run: {problems}")


if __name__ == "__main__":
    main()
