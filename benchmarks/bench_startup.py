"""What pip-doctor costs a working Python and a working pip, side by side.

Run by hand as root (not a test)::

    python benchmarks/bench_startup.py [--python /usr/bin/python3 ...] [--pip 26.3 ...]
                                       [--runs 300] [--pip-runs 21]

For each interpreter (default: Debian's ``/usr/bin/python3`` and the
``python3`` running this script, e.g. pyenv's unoptimised build) it builds
three virtual environments at paths of the same length:

- ``plain``: no pip-doctor;
- ``bare``: ``plain`` plus a ``.pth`` file whose only line is ``import sys``
  (the cheapest ``.pth`` line there is: the yardstick);
- ``doctor``: pip-doctor's wheel installed (its ``.pth``, ``.start`` and
  start-up module).

and times fresh processes in interleaved rounds (shuffled each round):

1. ``python -c pass`` in all three (target: doctor within 0.05 ms of bare);
2. a program that imports 200+ standard-library modules, in ``plain`` and
   ``doctor`` (target: within 0.1 ms);

Before those, in one process, ``site``'s own work for each ``.pth`` line
(``exec`` of the line's text, compile included) is timed with ``timeit`` for
the bare line and pip-doctor's, in a process whose command line does not
mention pip (the whole-process figures are noisier than the difference), and
the finder's answers for 200 module names (what it adds to a program's
imports in a process that runs pip; in any other there is no finder).

Then, for each pip version (default: 23.0.1 and 26.3), a ``doctor``
environment of Debian's Python with that pip, and a no-op ``pip install`` of
an installed wheel ("Requirement already satisfied") timed with pip-doctor
active and with ``PIP_DOCTOR_DISABLE=1`` in the same environment, interleaved
(target: ratio at most 1.01).

Medians are printed with quartiles; differences in milliseconds, ratios to
four places.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import scenarios  # the test helpers build the environments

VARIANTS = ("plain", "bare", "doctor")

#: A program that imports many standard-library modules (each a real import).
STDLIB_PROGRAM = """
import sys
names = [n for n in sys.stdlib_module_names
         if not n.startswith(("_", "idlelib", "tkinter", "turtle", "antigravity", "this"))]
count = 0
for name in sorted(names):
    try:
        __import__(name)
        count += 1
    except Exception:
        pass
assert count >= 200, count
"""


PTH = Path(__file__).resolve().parent.parent / "src" / "pip_doctor.pth"

#: ``site.addpackage`` executes each import line of a .pth file with exec().
PTH_LINE_TIMING = """
import json, sys, timeit
sys.orig_argv = [sys.executable, "-c", "pass"]  # a process that does not run pip
costs = {}
for name, line in (("bare", "import sys"), ("doctor", sys.argv[1])):
    costs[name] = min(timeit.repeat(lambda: exec(line), number=2000, repeat=9)) / 2000
print(json.dumps(costs))
"""


#: What the finder costs where it is installed (processes that run pip): its
#: answer for 200 module names, as Python asks it before each import.
FINDER_TIMING = """
import sys, timeit
import _pip_doctor_boot as boot
names = sorted(sys.stdlib_module_names)[:200]
best = min(timeit.repeat(lambda: [boot.find_spec(n) for n in names], number=200, repeat=7))
print(f"  the finder, 200 imports: {best / 200 * 1e6:.1f} us")
"""


def pth_line_costs(python: str) -> dict[str, float]:
    """Seconds ``site`` spends on each ``.pth`` line, "bare" and "doctor" (best of 9 x 2000)."""
    done = subprocess.run([python, "-c", PTH_LINE_TIMING, PTH.read_text().strip()],
                          check=True, capture_output=True, text=True)
    costs: dict[str, float] = json.loads(done.stdout)
    return costs


def time_pth_line(python: str) -> None:
    print(f"{python}: site's exec() of each .pth line (best of 9 x 2000)")
    for name, seconds in pth_line_costs(python).items():
        print(f"  {name:9} {seconds * 1e6:7.2f} us per .pth line")
    env = {**os.environ, "PYTHONPATH": str(PTH.parent)}
    subprocess.run([python, "-c", FINDER_TIMING], check=True, env=env)


def build_python(base: Path, python: str) -> dict[str, Path]:
    venvs = {
        name: scenarios.make_venv(base / name.ljust(6, "x"), python=python,
                                  with_pip_doctor=name == "doctor")
        for name in VARIANTS
    }
    (scenarios.site_packages(venvs["bare"]) / "bare_import.pth").write_text("import sys\n")
    return venvs


def pip_install(venv: Path, wheels: Path) -> list[str]:
    return [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-index",
            "--find-links", str(wheels), "tinypkg"]


def timed(argv: Sequence[str], env: Mapping[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env)
    return time.perf_counter() - start


def interleaved(
    commands: Mapping[str, tuple[Sequence[str], Mapping[str, str]]], rounds: int
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for name in names:  # warm the page cache and the .pyc files once
        timed(*commands[name])
    for _ in range(rounds):
        random.shuffle(names)
        for name in names:
            times[name].append(timed(*commands[name]))
    return times


def report(
    title: str, times: Mapping[str, list[float]], compare: Sequence[tuple[str, str]]
) -> None:
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(title)
    for name, values in times.items():
        q = statistics.quantiles(values, n=4)
        print(f"  {name:9} median {medians[name] * 1000:8.3f} ms   "
              f"quartiles {q[0] * 1000:.3f}-{q[2] * 1000:.3f} ms   n={len(values)}")
    for a, b in compare:
        print(f"  {a} - {b}: {(medians[a] - medians[b]) * 1000:+.3f} ms   "
              f"ratio {medians[a] / medians[b]:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append",
                        help="interpreter to build the start-up environments with")
    parser.add_argument("--pip", action="append", help="pip version for the no-op install")
    parser.add_argument("--runs", type=int, default=300, help="start-up runs per variant")
    parser.add_argument("--pip-runs", type=int, default=21, help="no-op installs per variant")
    options = parser.parse_args()
    pythons = options.python or [scenarios.SYSTEM_PYTHON, shutil.which("python3") or "python3"]
    pips = options.pip or ["23.0.1", "26.3"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_DOCTOR")}

    base = Path(tempfile.mkdtemp(prefix="pd-bench-"))
    try:
        for python in pythons:
            time_pth_line(python)
        for number, python in enumerate(pythons):
            venvs = build_python(base / f"py{number}", python)
            pass_runs = {name: ([str(venv / "bin" / "python"), "-c", "pass"], env)
                         for name, venv in venvs.items()}
            report(f"{python}: python -c pass ({options.runs} interleaved runs each)",
                   interleaved(pass_runs, options.runs),
                   [("doctor", "bare"), ("doctor", "plain"), ("bare", "plain")])
            imports = {name: ([str(venvs[name] / "bin" / "python"), "-c", STDLIB_PROGRAM], env)
                       for name in ("plain", "doctor")}
            report(f"{python}: a program importing 200+ stdlib modules "
                   f"({options.runs // 3} runs each)",
                   interleaved(imports, options.runs // 3), [("doctor", "plain")])
        wheels = base / "wheels"
        scenarios.make_wheel(wheels, "tinypkg", "1.0")
        for version in pips:
            venv = scenarios.make_venv(base / f"pip-{version}", pip_version=version,
                                       with_pip_doctor=True)
            subprocess.run(pip_install(venv, wheels), check=True, capture_output=True)
            installs = {
                "active": (pip_install(venv, wheels), env),
                "disabled": (pip_install(venv, wheels), {**env, "PIP_DOCTOR_DISABLE": "1"}),
            }
            report(f"pip {version}: no-op pip install ({options.pip_runs} runs each)",
                   interleaved(installs, options.pip_runs), [("active", "disabled")])
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
