"""The ``path`` probe: the path the error names, measured.

The path is made absolute, resolved through symlinks (a loop is reported, not
followed), and when it no longer exists its nearest existing ancestor is
measured instead: owner, group, mode, whether this account may write there,
the mount it lies on, free space, and its ancestors.
"""

from __future__ import annotations

import os
import site
import stat
import sys
from typing import Any, Optional

from pip_doctor._model import Probe, Situation
from pip_doctor._probes import _fs


def given_path(situation: Situation) -> tuple[Optional[str], Optional[str]]:
    """``(source, path)``: the error's filename, filename2, or the scheme's purelib."""
    error = situation.error
    if error.filename:
        return "filename", error.filename
    if error.filename2:
        return "filename2", error.filename2
    purelib = situation.fact("scheme", "purelib")
    if isinstance(purelib, str) and purelib:
        return "scheme", purelib
    return None, None


def environment_root(situation: Situation, path: str) -> Optional[str]:
    """The environment ``path`` lies in: an install option's directory, a venv or
    conda env around it, ``sys.prefix``, or the user base; None when none holds it.
    """
    options = situation.context.options
    candidates: list[Optional[str]] = [options.target, options.prefix, options.root]
    if options.user:
        candidates.append(site.getuserbase())
    current = path
    for _ in range(_fs.MAX_ANCESTORS):
        if _fs.is_environment(current):
            candidates.append(current)
            break
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    candidates += [sys.prefix, site.getuserbase()]
    for candidate in candidates:
        if candidate and _fs.contains(_fs.real(_fs.absolute(candidate)), path):
            return _fs.real(_fs.absolute(candidate))
    return None


def _empty(source: Optional[str], given: Optional[str]) -> dict[str, Any]:
    keys = (
        "absolute", "resolved", "symlink_loop", "exists", "is_dir", "nearest_existing",
        "owner_uid", "owner_name", "group_gid", "group_name", "mode", "mode_text",
        "writable", "readonly_mount", "mount_point", "fs_type", "free_bytes",
        "total_bytes", "free_inodes", "ancestors", "environment_root",
    )
    return {"source": source, "given": given, **dict.fromkeys(keys), "error": None}


def _own_stat(path: str) -> tuple[Optional[bool], Optional[bool]]:
    """``(exists, is_dir)`` of the path itself; None when it cannot be told."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False, False
    except NotADirectoryError:
        return False, False
    except (OSError, ValueError):
        return None, None
    if stat.S_ISLNK(st.st_mode):
        target = _fs.stat_or_none(path)
        return True, target is not None and stat.S_ISDIR(target.st_mode)
    return True, stat.S_ISDIR(st.st_mode)


def measure(source: Optional[str], given: str, situation: Situation) -> dict[str, Any]:
    facts = _empty(source, given)
    absolute = _fs.absolute(given)
    resolved, looped = _fs.resolve(absolute)
    exists, is_dir = _own_stat(absolute)
    found = _fs.nearest_existing(resolved or absolute)
    st = found.stat
    uid, gid = _fs.uid_of(st), _fs.gid_of(st)
    real_nearest = _fs.real(found.path)
    mount = _fs.mount_of(real_nearest)
    readonly = _fs.is_readonly(found.path)
    if readonly is None and mount is not None:
        readonly = mount.readonly
    free, total, inodes = _fs.space(found.path)
    error = found.error
    readable = st is None or not stat.S_ISDIR(st.st_mode) or os.access(
        found.path, os.R_OK | os.X_OK
    )
    if error is None and not readable:
        error = f"permission denied reading {found.path}"
    facts.update(
        absolute=absolute,
        resolved=resolved,
        symlink_loop=looped,
        exists=exists,
        is_dir=is_dir,
        nearest_existing=found.path if st is not None else None,
        owner_uid=uid,
        owner_name=_fs.owner_name(uid),
        group_gid=gid,
        group_name=_fs.group_name(gid),
        mode=_fs.mode_of(st),
        mode_text=stat.filemode(st.st_mode) if st is not None else None,
        writable=_fs.can_write(found.path, st),
        readonly_mount=readonly,
        mount_point=mount.point if mount is not None else None,
        fs_type=mount.fs_type if mount is not None else None,
        free_bytes=free,
        total_bytes=total,
        free_inodes=inodes,
        ancestors=_fs.ancestors(found.path),
        environment_root=environment_root(situation, resolved or absolute),
        error=error,
    )
    return facts


def run(situation: Situation) -> dict[str, Any]:
    source, given = given_path(situation)
    if given is None:
        facts = _empty(None, None)
        facts["error"] = "the error names no path and no install scheme is known"
        return facts
    return measure(source, given, situation)


PROBE = Probe(
    id="path",
    run=run,
    description="the path the error names: absolute, resolved, nearest existing "
    "ancestor, owner, mode, writable, mount, free space",
    timeout=0.2,
)
