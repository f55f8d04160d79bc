"""The ``in_use`` probe: which running processes hold the file pip failed on.

On Linux it reads ``/proc/*/fd`` (open files), ``/proc/*/maps`` (mapped
files: a running program, a loaded extension module) and ``/proc/*/cwd``
within a time budget. An account sees only its own processes unless it is
root; ``measured`` says whether the scan finished. A mount point that is busy
(``rmdir`` or ``rename`` of a directory something is mounted on) has no
holding process: ``mount_point`` says so.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Optional

from pip_doctor import _fs

if sys.platform == "win32":
    from pip_doctor import _windows
from pip_doctor._model import Probe, Situation

#: The scan stops after this long (seconds) or this many processes.
SCAN_SECONDS = 0.08
MAX_PROCESSES = 4000
#: How many holders are listed.
MAX_HOLDERS = 10
PROC = "/proc"


def failing_paths(situation: Situation) -> list[str]:
    """The absolute paths the error (or one behind it) names."""
    paths: list[str] = []
    for error in situation.error.errors:
        for name in (error.filename, error.filename2):
            if name and os.path.isabs(name) and name not in paths:
                paths.append(os.path.normpath(name))
    return paths


def _name(pid: str) -> str:
    try:
        with open(os.path.join(PROC, pid, "comm"), encoding="utf-8", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return "?"


def _matches(target: str, paths: list[str]) -> bool:
    return any(target == p or target.startswith(p.rstrip("/") + "/") for p in paths)


def _maps_hold(pid: str, paths: list[str]) -> bool:
    try:
        with open(os.path.join(PROC, pid, "maps"), encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.split(None, 5)
                if len(parts) == 6 and _matches(parts[5].strip(), paths):
                    return True
    except OSError:
        pass
    return False


def _fds_hold(pid: str, paths: list[str]) -> bool:
    directory = os.path.join(PROC, pid, "fd")
    try:
        names = os.listdir(directory)
    except OSError:
        return False
    for fd in names:
        try:
            target = os.readlink(os.path.join(directory, fd))
        except OSError:
            continue
        if _matches(target.removesuffix(" (deleted)"), paths):
            return True
    return False


def linux_holders(paths: list[str], *, seconds: float = SCAN_SECONDS
                  ) -> tuple[list[dict[str, Any]], bool]:
    """``(holders, measured)``: the processes that hold one of ``paths``."""
    try:
        pids = [name for name in os.listdir(PROC) if name.isdigit()]
    except OSError:
        return [], False
    me = str(os.getpid())
    deadline = time.monotonic() + seconds
    holders: list[dict[str, Any]] = []
    for index, pid in enumerate(pids):
        if index >= MAX_PROCESSES or time.monotonic() > deadline:
            return holders, False
        if pid == me:
            continue
        how: Optional[str] = None
        if _fds_hold(pid, paths):
            how = "fd"
        elif _maps_hold(pid, paths):
            how = "map"
        else:
            try:
                if _matches(os.readlink(os.path.join(PROC, pid, "cwd")), paths):
                    how = "cwd"
            except OSError:
                pass
        if how is not None and len(holders) < MAX_HOLDERS:
            holders.append({"pid": int(pid), "name": _name(pid), "how": how})
    return holders, True


def _mount_points(paths: list[str]) -> list[str]:
    """Those of ``paths`` something is mounted on: the mount table says so
    (a bind mount within one filesystem looks like any directory to ``stat``).
    """
    points = {mount.point for mount in _fs.mounts()}
    found = []
    for path in paths:
        try:
            if path in points or _fs.real(path) in points or os.path.ismount(path):
                found.append(path)
        except (OSError, ValueError):
            continue
    return found


def run(situation: Situation) -> dict[str, Any]:
    paths = failing_paths(situation)
    facts: dict[str, Any] = {"paths": paths, "holders": [], "measured": False,
                             "mount_points": _mount_points(paths), "all_processes": None}
    if not paths or situation.error.family != "in-use":
        return facts
    if sys.platform.startswith("linux") and os.path.isdir(PROC):
        holders, measured = linux_holders(paths)
        facts.update(holders=holders, measured=measured,
                     all_processes=_fs.effective_uid() == 0)
    elif sys.platform == "win32":
        facts.update(restart_manager_holders(paths))
    return facts


def restart_manager_holders(paths: list[str]) -> dict[str, Any]:
    """Windows: the holders the Restart Manager names (every account's processes);
    not measured where it cannot answer (Wine's is a stub).
    """
    if sys.platform == "win32":  # mypy on other systems skips this block
        holders: list[dict[str, Any]] = []
        for path in paths:
            found = _windows.holders(path)
            if found is None:
                return {"holders": holders, "measured": False, "all_processes": None}
            holders += [h for h in found if h not in holders][: MAX_HOLDERS - len(holders)]
        return {"holders": holders, "measured": True, "all_processes": True}
    return {}


PROBE = Probe(
    id="in_use",
    run=run,
    description="the running processes that hold the failing file (Linux: /proc fd, "
    "maps, cwd; Windows: the Restart Manager), and whether it is a mount point",
    timeout=0.1,
)
