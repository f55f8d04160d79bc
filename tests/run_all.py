#!/usr/bin/env python3
"""The whole test run: the README's test command, and what CI runs (``.ci/run``).

    python3 tests/run_all.py [TOX OPTIONS]     e.g. -e lint,tests

1. The Debian packages the tests need (``tests/debian-packages.txt``) are
   installed once, before tox, and only when one is missing: ``apt-get
   update`` (retried while another apt holds its lists lock) and ``apt-get -o
   DPkg::Lock::Timeout=120 install``, so a running apt makes the run wait,
   not fail.
2. tox lives in a virtual environment of its own under the user's cache
   directory (``~/.cache/pip-doctor/``), made by this ``python3``: nothing is
   installed into the Python that runs this script.
3. pip-doctor's wheel is built once; every tox environment installs that
   wheel (``--installpkg``) and the tests' environments take it, and the
   wheels they need, from one shared wheelhouse.
4. A Python 3.9, the oldest pip-doctor supports, is looked for
   (``python3.9`` on PATH, else pyenv's newest 3.9) and named to tox's
   ``python39`` environment (``PIP_DOCTOR_PYTHON39``); without one, that
   environment fails.
5. ``tox run-parallel -p 2`` runs the matrix of ``tox.ini``.
6. The run ends with a table of each environment's test counts and, as its
   last line, ``N passed, N failed`` (all environments together).

The exit status is 0 only when every environment passed and tests ran.
Standard library only, Python 3.9+.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple, Optional

ROOT = Path(__file__).resolve().parent.parent
PACKAGES_FILE = ROOT / "tests" / "debian-packages.txt"
TOX_REQUIREMENT = "tox>=4.21,<5"
#: How long to wait for another apt (seconds), for the lists lock and dpkg's lock.
APT_LOCK_WAIT = 120


def say(message: str) -> None:
    print(f"run_all: {message}", flush=True)


# ------------------------------------------------------------ Debian packages


def read_package_list(text: str) -> list[str]:
    """Package names, one a line; ``#`` starts a comment; blank lines are skipped."""
    names: list[str] = []
    for line in text.splitlines():
        name = line.split("#", 1)[0].strip()
        if name and name not in names:
            names.append(name)
    return names


def is_installed(package: str) -> bool:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${db:Status-Status}", package],
        capture_output=True, text=True, check=False,
    )
    return done.returncode == 0 and done.stdout.strip() == "installed"


def apt_lock_busy(output: str) -> bool:
    """apt's message when another apt holds a lock it needs."""
    return "Could not get lock" in output or "Unable to lock" in output


def apt_get(args: Sequence[str], wait: float = APT_LOCK_WAIT) -> None:
    """``apt-get ARGS``, waiting up to ``wait`` seconds for another apt.

    ``DPkg::Lock::Timeout`` makes ``install`` wait for dpkg's lock; ``update``
    (apt 2.6) does not wait for the lists lock, so the call is retried.
    """
    argv = ["apt-get", "-q", "-o", f"DPkg::Lock::Timeout={round(wait)}", *args]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    deadline = time.monotonic() + wait
    while True:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return
        output = done.stdout + done.stderr
        if apt_lock_busy(output) and time.monotonic() < deadline:
            time.sleep(2)
            continue
        sys.stderr.write(output)
        raise SystemExit(f"run_all: {' '.join(argv)} failed (exit status {done.returncode})")


def install_debian_packages(packages: Sequence[str]) -> None:
    if not packages:
        return
    if shutil.which("dpkg-query") is None:
        say(f"not a Debian system: install {', '.join(packages)} yourself")
        return
    missing = [name for name in packages if not is_installed(name)]
    if not missing:
        say(f"Debian packages present: {' '.join(packages)}")
        return
    if os.geteuid() != 0:
        names = " ".join(missing)
        message = f"missing Debian packages: {names} (sudo apt-get install {names})"
        if os.environ.get("CI"):
            raise SystemExit(f"run_all: {message}")
        say(message + "; the tests that need them will fail")
        return
    say(f"installing Debian packages: {' '.join(missing)}")
    apt_get(["update"])
    # Without recommends: Wine's would add hundreds of megabytes the tests never use.
    apt_get(["install", "-y", "--no-install-recommends", *missing])


# ------------------------------------------------------------------------ tox


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pip-doctor"


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run_checked(argv: Sequence[str], what: str) -> None:
    """Run ``argv`` quietly; on failure show all it printed, then stop."""
    done = subprocess.run(list(argv), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"run_all: {what} failed (exit status {done.returncode})")


def tox_python() -> Path:
    """The Python of tox's own virtual environment, made (or mended) when needed."""
    info = sys.version_info
    venv = cache_dir() / f"tox-py{info.major}{info.minor}"
    python = venv_python(venv)
    if python.exists():
        probe = subprocess.run([str(python), "-c", "import tox"], capture_output=True, check=False)
        if probe.returncode == 0:
            return python
    say(f"installing {TOX_REQUIREMENT} into {venv} (its own environment)")
    run_checked([sys.executable, "-m", "venv", "--clear", str(venv)], "creating tox's venv")
    run_checked([str(python), "-m", "pip", "install", "-q", TOX_REQUIREMENT], "installing tox")
    return python


# ------------------------------------------------------------------ wheelhouse


def build_wheelhouse(python: Path) -> tuple[Path, Path]:
    """A wheelhouse every account can read, holding pip-doctor's wheel (built once)."""
    house = Path(tempfile.mkdtemp(prefix="pip-doctor-wheelhouse-run-", dir="/tmp"))
    house.chmod(0o755)
    say(f"building pip-doctor's wheel into {house}")
    run_checked([str(python), "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(house),
                 str(ROOT)], "building pip-doctor's wheel")
    (wheel,) = house.glob("pip_doctor-*.whl")
    wheel.chmod(0o644)
    return house, wheel


# --------------------------------------------------------------------- counts


class Counts(NamedTuple):
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    def __add__(self, other: object) -> Counts:
        if not isinstance(other, Counts):
            return NotImplemented
        return Counts(*(a + b for a, b in zip(self, other)))


def junit_counts(path: Path) -> Optional[Counts]:
    """passed / failed (failures and errors) / skipped of one pytest JUnit file."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = Counts()
    for suite in suites:
        tests, failures, errors, skipped = (
            int(suite.get(key, "0")) for key in ("tests", "failures", "errors", "skipped")
        )
        total += Counts(tests - failures - errors - skipped, failures + errors, skipped)
    return total


class EnvResult(NamedTuple):
    name: str
    ok: bool
    seconds: Optional[float]
    ran_pytest: bool
    counts: Optional[Counts]


def ran_pytest(commands: object) -> bool:
    """One of tox's recorded commands of an environment was pytest."""
    if not isinstance(commands, list):
        return False
    return any(
        isinstance(item, Mapping) and isinstance(item.get("command"), list)
        and any(str(part).endswith("pytest") for part in item["command"][:3])
        for item in commands
    )


def env_results(journal: Mapping[str, object], results: Path) -> list[EnvResult]:
    """One row per environment that ran, from tox's ``--result-json`` journal."""
    rows: list[EnvResult] = []
    envs = journal.get("testenvs")
    if not isinstance(envs, Mapping):
        return rows
    for name, data in envs.items():
        if not isinstance(data, Mapping) or not isinstance(data.get("result"), Mapping):
            continue  # .pkg, and environments not selected
        result = data["result"]
        seconds = result.get("duration")
        rows.append(EnvResult(
            name, bool(result.get("success")),
            seconds if isinstance(seconds, (int, float)) else None,
            ran_pytest(data.get("test")), env_counts(results, name),
        ))
    return rows


def env_counts(results: Path, name: str) -> Optional[Counts]:
    """The counts of every JUnit file an environment wrote: ``NAME.xml``, and
    ``NAME-PART.xml`` for each further pytest command (``e2e-pip263-network``).
    """
    files = [results / f"{name}.xml", *sorted(results.glob(f"{name}-*.xml"))]
    found = [counts for counts in map(junit_counts, files) if counts is not None]
    if not found:
        return None
    total = Counts()
    for counts in found:
        total += counts
    return total


def minutes(seconds: Optional[float]) -> str:
    if seconds is None:
        return "-"
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def describe(row: EnvResult) -> str:
    counts = row.counts
    if counts is None:
        return "ran no test" if row.ran_pytest or not row.ok else "no tests (lint)"
    text = f"{counts.passed} passed, {counts.failed} failed"
    return text + (f", {counts.skipped} skipped" if counts.skipped else "")


def summary(rows: Sequence[EnvResult], elapsed: float) -> tuple[list[str], Counts]:
    """The closing table and the totals; the last line is ``N passed, N failed``.

    An environment that failed, or ran pytest, without a JUnit file counts
    as one failure: it ran no test.
    """
    width = max([len(row.name) for row in rows] + [11])
    lines = [f"test results by environment (whole run {minutes(elapsed)} min:s):"]
    total = Counts()
    for row in rows:
        status = "ok" if row.ok else "FAILED"
        lines.append(f"  {row.name:<{width}}  {status:<6}  {minutes(row.seconds):>6}  "
                     f"{describe(row)}")
        if row.counts is not None:
            total += row.counts
        elif row.ran_pytest or not row.ok:
            total += Counts(failed=1)
    lines.append(f"{total.passed} passed, {total.failed} failed")
    return lines, total


# ------------------------------------------------------------- Python 3.9


#: The oldest Python pip-doctor supports, for tox's ``python39`` environment.
OLDEST_PYTHON = "3.9"


def runs_as(python: str, version: str) -> bool:
    """``python`` starts and is that version (a pyenv shim for another one fails)."""
    try:
        done = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def find_python(version: str) -> Optional[str]:
    """A Python of that version: ``pythonX.Y`` on PATH, else pyenv's newest."""
    candidates = [shutil.which(f"python{version}") or ""]
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates += [str(path) for path in sorted(
        root.glob(f"versions/{version}.*/bin/python{version}"),
        key=lambda path: [int(part) if part.isdigit() else 0
                          for part in path.parent.parent.name.split(".")],
        reverse=True)]
    return next((python for python in candidates if python and runs_as(python, version)), None)


# ----------------------------------------------------------------------- main


def main(argv: Sequence[str]) -> int:
    started = time.monotonic()
    os.chdir(ROOT)
    install_debian_packages(read_package_list(PACKAGES_FILE.read_text(encoding="utf-8")))
    python = tox_python()
    house, wheel = build_wheelhouse(python)
    results = Path(tempfile.mkdtemp(prefix="pip-doctor-results-"))
    journal_path = results / "tox.json"
    env = {
        **os.environ,
        "PIP_DOCTOR_WHEELHOUSE": str(house),
        "PIP_DOCTOR_WHEEL": str(wheel),
        "PIP_DOCTOR_RESULTS": str(results),
    }
    if "PIP_DOCTOR_PYTHON39" not in env:
        oldest = find_python(OLDEST_PYTHON)
        if oldest:
            env["PIP_DOCTOR_PYTHON39"] = oldest
        say(f"Python {OLDEST_PYTHON} for the python39 environment: "
            + (oldest or f"none found (python{OLDEST_PYTHON} on PATH, or pyenv's): "
               "that environment will fail"))
    command = [str(python), "-m", "tox", "run-parallel", "-p", "2", "--parallel-no-spinner",
               "--installpkg", str(wheel), "--result-json", str(journal_path), *argv]
    say("tox run-parallel -p 2 " + " ".join(argv))
    try:
        status = subprocess.run(command, env=env, check=False).returncode
        try:
            journal = json.loads(journal_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            journal = {}
        lines, total = summary(env_results(journal, results), time.monotonic() - started)
    finally:
        shutil.rmtree(house, ignore_errors=True)
        shutil.rmtree(results, ignore_errors=True)
    print("\n" + "\n".join(lines), flush=True)
    if status == 0 and (total.failed or not total.passed):
        status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
