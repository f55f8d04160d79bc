"""The ``os_package`` probe: which package of the operating system owns the
file pip failed on (Debian's dpkg, or rpm), asked within a time budget.

dpkg's file lists are read directly (``/var/lib/dpkg/info/*.list``, the
database ``dpkg -S`` reads), Python packages first; rpm is asked with
``rpm -qf`` under a timeout. Only paths of the system's Python (under
``/usr``, not ``/usr/local``) are looked up.
"""

from __future__ import annotations

import glob
import os
import re
import time
from typing import Any, Optional

from pip_doctor._model import Probe, Situation
from pip_doctor._probes.in_use import failing_paths

DPKG_INFO = "/var/lib/dpkg/info"
#: The whole lookup stops after this long (seconds).
BUDGET = 0.08
RPM_TIMEOUT = 0.15

_PYC = re.compile(r"^(?P<name>.+?)\.[^.]+\.pyc$")


def candidates(path: str) -> list[str]:
    """``path`` and the names a package lists for it: a ``__pycache__`` file
    stands for its ``.py`` (dpkg does not list compiled files).
    """
    path = os.path.normpath(path)
    found = [path]
    head, tail = os.path.split(path)
    if os.path.basename(head) == "__pycache__":
        match = _PYC.match(tail)
        if match:
            found.append(os.path.join(os.path.dirname(head), match.group("name") + ".py"))
    return found


def is_system_path(path: str) -> bool:
    return path.startswith("/usr/") and not path.startswith("/usr/local/")


def dpkg_owner(paths: list[str], deadline: float) -> tuple[Optional[str], bool]:
    """``(package, measured)`` from dpkg's file lists."""
    lists = sorted(glob.glob(os.path.join(DPKG_INFO, "*.list")),
                   key=lambda p: (not os.path.basename(p).startswith("python3"), p))
    wanted = {p.encode() for p in paths}
    for name in lists:
        if time.monotonic() > deadline:
            return None, False
        try:
            with open(name, "rb") as handle:
                for line in handle:
                    if line.rstrip(b"\n") in wanted:
                        return os.path.basename(name)[: -len(".list")].split(":")[0], True
        except OSError:
            continue
    return None, True


def _rpm() -> Optional[str]:
    """The ``rpm`` command's path, or None."""
    import shutil  # here, as ``subprocess`` below: only a system without dpkg needs them

    return shutil.which("rpm")


def rpm_owner(path: str) -> tuple[Optional[str], bool]:
    import subprocess

    rpm = _rpm()
    if rpm is None:
        return None, False
    try:
        done = subprocess.run([rpm, "-qf", "--qf", "%{NAME}\n", path], capture_output=True,
                              text=True, timeout=RPM_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return None, False
    first = done.stdout.strip().splitlines()[:1]
    return (first[0], True) if done.returncode == 0 and first else (None, True)


def run(situation: Situation) -> dict[str, Any]:
    facts: dict[str, Any] = {"path": None, "manager": None, "package": None,
                             "measured": False}
    paths = [p for p in failing_paths(situation) if is_system_path(p)]
    if not paths:
        return facts
    path = paths[0]
    facts["path"] = path
    if os.path.isdir(DPKG_INFO):
        package, measured = dpkg_owner(candidates(path), time.monotonic() + BUDGET)
        facts.update(manager="dpkg", package=package, measured=measured)
    elif _rpm():
        package, measured = rpm_owner(path)
        facts.update(manager="rpm", package=package, measured=measured)
    return facts


PROBE = Probe(
    id="os_package",
    run=run,
    description="the operating system package (dpkg, rpm) that owns the failing file",
    timeout=0.1,
)
