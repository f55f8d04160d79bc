"""The ``cache`` probe: pip's cache directory and who owns it and its parts.

pip disables its cache with a warning when the directory (or its nearest
existing parent) is not writable; a subdirectory that belongs to another
account (``wheels/``, ``http-v2/`` after a ``sudo pip``) is not checked by pip
and fails later, inside a build.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Optional

from pip_doctor import _fs
from pip_doctor._model import Probe, Situation

#: How many entries of the cache are looked at, at most, and for how long.
SCAN_LIMIT = 200
SCAN_SECONDS = 0.03
#: How many foreign-owned entries are listed.
EXAMPLES = 5


def default_cache_dir() -> Optional[str]:
    """Where pip keeps its cache when nothing says otherwise (platformdirs' rule)."""
    if sys.platform == "win32":
        base = _fs.environ("LOCALAPPDATA")
        return os.path.join(base, "pip", "Cache") if base else None
    if sys.platform == "darwin":
        home = os.path.expanduser("~")
        return None if home == "~" else os.path.join(home, "Library", "Caches", "pip")
    xdg = _fs.environ("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return os.path.join(xdg, "pip")
    home = os.path.expanduser("~")
    return os.path.join(home, ".cache", "pip")  # "~/.cache/pip" when no home is known


def cache_dir(situation: Situation) -> tuple[Optional[str], str, bool]:
    """``(directory, where it came from, disabled)``."""
    error = situation.error
    if error.reference == "cache-dir-disabled" and error.filename:
        # pip warned about this directory and then dropped its cache_dir option
        return error.filename, "pip's warning", False
    options = situation.context.pip_options
    if "cache_dir" in options:
        value = options.get("cache_dir")
        if value is False or value is None or value == "":
            return None, "--no-cache-dir", True
        if isinstance(value, str):
            return value, "pip", False
    variable = _fs.environ("PIP_CACHE_DIR")
    if variable:
        return variable, "PIP_CACHE_DIR", False
    no_cache = (_fs.environ("PIP_NO_CACHE_DIR") or "").lower()
    if no_cache in ("1", "true", "yes", "on"):
        return None, "PIP_NO_CACHE_DIR", True
    return default_cache_dir(), "default", False


def _foreign(directory: str, euid: Optional[int]) -> tuple[list[dict[str, Any]], int, bool]:
    """Entries of the cache (two levels deep) that another account owns."""
    found: list[dict[str, Any]] = []
    count = 0
    scanned = 0
    deadline = time.monotonic() + SCAN_SECONDS
    pending = [(directory, 0)]
    complete = True
    while pending:
        current, depth = pending.pop(0)
        try:
            with os.scandir(current) as entries:
                listed = list(entries)
        except (OSError, ValueError):
            continue
        for entry in listed:
            scanned += 1
            if scanned > SCAN_LIMIT or time.monotonic() > deadline:
                return found, count, False
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if st.st_uid != euid:
                count += 1
                if len(found) < EXAMPLES:
                    found.append({"path": entry.path, "owner_uid": st.st_uid,
                                  "owner_name": _fs.owner_name(st.st_uid)})
            if depth < 1 and entry.is_dir(follow_symlinks=False):
                pending.append((entry.path, depth + 1))
    return found, count, complete


def run(situation: Situation) -> dict[str, Any]:
    directory, source, disabled = cache_dir(situation)
    facts: dict[str, Any] = {
        "dir": directory, "source": source, "disabled": disabled, "exists": None,
        "nearest_existing": None, "owner_uid": None, "owner_name": None, "writable": None,
        "foreign": [], "foreign_count": 0, "complete": None,
        "mount_point": None, "fs_type": None, "free_bytes": None, "free_inodes": None,
    }
    if directory is None or not os.path.isabs(directory):
        return facts
    found = _fs.nearest_existing(directory)
    uid = _fs.uid_of(found.stat)
    euid = _fs.effective_uid()
    facts.update(
        exists=found.path == directory and found.stat is not None,
        nearest_existing=found.path if found.stat is not None else None,
        owner_uid=uid,
        owner_name=_fs.owner_name(uid),
        writable=_fs.can_write(found.path, found.stat),
    )
    if found.stat is not None:
        mount = _fs.mount_of(_fs.real(found.path))
        free, _total, inodes = _fs.space(found.path)
        facts.update(mount_point=mount.point if mount is not None else None,
                     fs_type=mount.fs_type if mount is not None else None,
                     free_bytes=free, free_inodes=inodes)
    if facts["exists"] and euid is not None:
        examples, count, complete = _foreign(directory, euid)
        facts.update(foreign=examples, foreign_count=count, complete=complete)
    return facts


PROBE = Probe(
    id="cache",
    run=run,
    description="pip's cache directory: where, whether disabled, its owner, and the "
    "parts of it another account owns",
    timeout=0.05,
)
