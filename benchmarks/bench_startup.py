"""What pip-doctor's start-up hook costs: ``python -c pass`` and a no-op install.

Run by hand as root (not a test)::

    python benchmarks/bench_startup.py [--runs 300] [--pip-runs 21] [--pip VERSION]

It builds three virtual environments with ``/usr/bin/python3`` at paths of
the same length:

- ``plain``: no pip-doctor;
- ``bare``: ``plain`` plus a ``.pth`` file whose only line is ``import sys``
  (the cheapest ``.pth`` line there is: the target);
- ``doctor``: pip-doctor's wheel installed (its ``.pth``, ``.start`` and
  boot module).

Then, in interleaved rounds (plain, bare, doctor, in a shuffled order each
round), it times fresh processes of ``python -c pass`` and prints the medians
and the ratios doctor/plain and doctor/bare (target: within 1.02 of bare).
Last it times ``pip install`` of a wheel that is already installed (pip says
"Requirement already satisfied") in ``plain`` and ``doctor``, interleaved.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import scenarios  # the test helpers build the environments

VARIANTS = ("plain", "bare", "doctor")


def build(base: Path, pip_version: str | None) -> tuple[dict[str, Path], Path]:
    wheels = base / "wheels"
    scenarios.make_wheel(wheels, "tinypkg", "1.0")
    venvs = {
        name: scenarios.make_venv(base / name.ljust(6, "x"), pip_version=pip_version,
                                  with_pip_doctor=name == "doctor")
        for name in VARIANTS
    }
    (scenarios.site_packages(venvs["bare"]) / "bare_import.pth").write_text("import sys\n")
    for name in ("plain", "doctor"):
        install_tinypkg(venvs[name], wheels)
    return venvs, wheels


def pip_install(venv: Path, wheels: Path) -> list[str]:
    return [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-index",
            "--find-links", str(wheels), "tinypkg"]


def install_tinypkg(venv: Path, wheels: Path) -> None:
    subprocess.run(pip_install(venv, wheels), check=True, capture_output=True)


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def interleaved(commands: dict[str, list[str]], rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for name in names:  # warm the page cache and the .pyc files once
        timed(commands[name])
    for _ in range(rounds):
        random.shuffle(names)
        for name in names:
            times[name].append(timed(commands[name]))
    return times


def report(title: str, times: dict[str, list[float]], base: str, others: list[str]) -> None:
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(title)
    for name, values in times.items():
        q = statistics.quantiles(values, n=4)
        print(f"  {name:7} median {medians[name] * 1000:8.2f} ms   "
              f"quartiles {q[0] * 1000:.2f}-{q[2] * 1000:.2f} ms   n={len(values)}")
    for other in others:
        print(f"  ratio {base}/{other}: {medians[base] / medians[other]:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300, help="python -c pass runs per variant")
    parser.add_argument("--pip-runs", type=int, default=21, help="no-op installs per variant")
    parser.add_argument("--pip", default=None, help="pip version in the environments")
    options = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="pd-bench-"))
    try:
        venvs, wheels = build(base, options.pip)
        python = {name: [str(venv / "bin" / "python"), "-c", "pass"]
                  for name, venv in venvs.items()}
        report(f"python -c pass ({options.runs} interleaved runs each)",
               interleaved(python, options.runs), "doctor", ["plain", "bare"])
        installs = {name: pip_install(venvs[name], wheels) for name in ("plain", "doctor")}
        report(f"no-op pip install of an installed wheel ({options.pip_runs} runs each)",
               interleaved(installs, options.pip_runs), "doctor", ["plain"])
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
