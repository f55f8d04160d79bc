"""The ``foreign_files`` probe: files in this account's environment owned by another.

An earlier ``sudo pip install`` into a user's own venv leaves root-owned files
behind; the next install as the user fails on them. The walk is bounded by a
number of findings and a time budget and says which bound stopped it; it never
follows symlinks and stays on one filesystem. Directories along the failing
path are walked first, so the files that matter are found before the budget
runs out.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from typing import Any, Optional

import attrs

from pip_doctor import _fs
from pip_doctor._model import Probe, Situation

#: Stop after this many foreign entries.
LIMIT = 50
#: Keep this many of them as examples.
EXAMPLES = 10
#: Stop walking after this long (seconds).
TIME_BUDGET = 0.15
#: Look at the clock every this many entries.
CLOCK_EVERY = 64

SITE_DIRS = ("site-packages", "dist-packages")


@attrs.define
class Scan:
    """The state of one bounded walk."""

    euid: int
    deadline: float
    limit: int = LIMIT
    scanned: int = 0
    count: int = 0
    examples: list[dict[str, Any]] = attrs.Factory(list)
    owners: dict[int, int] = attrs.Factory(dict)
    stopped: Optional[str] = None

    def note(self, path: str, uid: int) -> None:
        self.count += 1
        self.owners[uid] = self.owners.get(uid, 0) + 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(
                {"path": path, "owner_uid": uid, "owner_name": _fs.owner_name(uid)}
            )
        if self.count >= self.limit:
            self.stopped = "limit"

    def walk(self, root: str, device: int, first: str) -> None:
        """Depth first from ``root``; the directories leading to ``first`` go first."""
        stack = [root]
        while stack and self.stopped is None:
            directory = stack.pop()
            later: list[str] = []
            sooner: list[str] = []
            try:
                with os.scandir(directory) as entries:
                    for entry in entries:
                        self.scanned += 1
                        if self.scanned % CLOCK_EVERY == 0 and time.monotonic() > self.deadline:
                            self.stopped = "time"
                            return
                        try:
                            st = entry.stat(follow_symlinks=False)
                        except OSError:
                            continue
                        if st.st_uid != self.euid:
                            self.note(entry.path, st.st_uid)
                            if self.stopped is not None:
                                return
                        if stat.S_ISDIR(st.st_mode) and st.st_dev == device:
                            (sooner if _fs.is_within(first, entry.path) else later).append(
                                entry.path
                            )
            except OSError:
                continue  # unreadable: its owner was counted from its parent
            stack += later
            stack += sooner

    def owner_list(self) -> list[dict[str, Any]]:
        return [
            {"uid": uid, "name": _fs.owner_name(uid), "count": count}
            for uid, count in sorted(self.owners.items(), key=lambda item: -item[1])
        ]


def scan_root(situation: Situation) -> Optional[str]:
    """The directory to scan: the failing path's environment.

    For a distribution's or a self-built Python (not a venv or conda env) the
    environment is the whole prefix (``/usr``): then only the site-packages
    holding the path is scanned.
    """
    root = situation.fact("path", "environment_root")
    if not isinstance(root, str):
        return None
    kind = situation.fact("path", "environment_kind") or situation.fact("environment", "kind")
    if kind in ("venv", "conda") or (kind != "system" and not _fs.same_path(root, sys.prefix)):
        return root
    current = situation.fact("path", "nearest_existing")
    if not isinstance(current, str):
        return root
    while _fs.is_within(current, root) and current != root:
        if os.path.basename(current) in SITE_DIRS:
            return current
        current = os.path.dirname(current)
    purelib = situation.fact("scheme", "purelib")
    return purelib if isinstance(purelib, str) else root


def _result(root: Optional[str], st: Optional[os.stat_result], skipped: Optional[str],
            scan: Optional[Scan] = None) -> dict[str, Any]:
    uid = _fs.uid_of(st)
    return {
        "root": root,
        "root_owner_uid": uid,
        "root_owner_name": _fs.owner_name(uid),
        "scanned": scan.scanned if scan else 0,
        "count": scan.count if scan else 0,
        "examples": scan.examples if scan else [],
        "owners": scan.owner_list() if scan else [],
        "complete": scan is not None and scan.stopped is None,
        "stopped": scan.stopped if scan else None,
        "skipped": skipped,
    }


def scan(root: str, first: str, *, budget: float = TIME_BUDGET, limit: int = LIMIT
         ) -> dict[str, Any]:
    """Walk ``root`` for entries not owned by this account, within the bounds."""
    euid = _fs.effective_uid()
    try:
        st = os.lstat(root)
    except (OSError, ValueError) as error:
        return _result(root, None, f"cannot read {root}: {_fs.reason(error)}")
    if euid is None:
        return _result(root, st, "file owners are not measured on this system")
    if not stat.S_ISDIR(st.st_mode):
        return _result(root, st, f"{root} is not a directory")
    if st.st_uid != euid:
        return _result(root, st, "the environment's directory belongs to another account")
    walk = Scan(euid=euid, deadline=time.monotonic() + budget, limit=limit)
    walk.walk(root, st.st_dev, first)
    return _result(root, st, None, walk)


def run(situation: Situation) -> dict[str, Any]:
    if "path" not in situation.facts:
        return _result(None, None, "the path probe did not run")
    root = scan_root(situation)
    if root is None:
        return _result(None, None, "the path lies in no known environment")
    first = situation.fact("path", "nearest_existing")
    return scan(root, first if isinstance(first, str) else root)


PROBE = Probe(
    id="foreign_files",
    run=run,
    description="entries in this account's environment owned by another account "
    "(bounded walk)",
    timeout=0.3,
)
