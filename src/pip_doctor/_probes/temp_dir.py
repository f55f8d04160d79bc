"""The ``temp`` probe: the temporary directory pip unpacks and builds in.

pip asks Python (``tempfile``), which takes the first usable of ``TMPDIR``,
``TEMP``, ``TMP``, ``/tmp``, ``/var/tmp``, ``/usr/tmp`` and the current
directory, and says nothing when it skips the one the user named.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, Optional

from pip_doctor import _fs
from pip_doctor._model import Probe, Situation

#: The variables Python reads, in its order.
VARIABLES = ("TMPDIR", "TEMP", "TMP")


def _named() -> tuple[Optional[str], Optional[str]]:
    for name in VARIABLES:
        value = _fs.environ(name)
        if value:
            return name, value
    return None, None


def _used() -> tuple[Optional[str], Optional[str]]:
    """``(directory, why not)``: what Python uses, or why it found none."""
    try:
        return tempfile.gettempdir(), None
    except OSError as error:  # "No usable temporary directory found in [...]"
        return None, str(error)


def _place(path: Optional[str], table: list[_fs.Mount]) -> dict[str, Any]:
    if path is None:
        return {}
    st = _fs.stat_or_none(path)
    uid = _fs.uid_of(st)
    mount = _fs.mount_of(_fs.real(path), table) if st is not None else None
    free, total, inodes = _fs.space(path) if st is not None else (None, None, None)
    return {
        "exists": st is not None,
        "is_dir": st is not None and os.path.isdir(path),
        "owner_uid": uid,
        "owner_name": _fs.owner_name(uid),
        "writable": _fs.can_write(path, st),
        "mount_point": mount.point if mount is not None else None,
        "fs_type": mount.fs_type if mount is not None else None,
        "noexec": mount.noexec if mount is not None else None,
        "readonly": mount.readonly if mount is not None else None,
        "free_bytes": free,
        "total_bytes": total,
        "free_inodes": inodes,
    }


def run(situation: Situation) -> dict[str, Any]:
    variable, value = _named()
    used, why = _used()
    table = _fs.mounts()
    named = _place(value, table)
    fell_back = bool(value and used and not _fs.same_path(value, used))
    return {
        "variable": variable,
        "value": value,
        "value_exists": named.get("exists"),
        "value_writable": named.get("writable"),
        "value_owner_uid": named.get("owner_uid"),
        "value_owner_name": named.get("owner_name"),
        "value_noexec": named.get("noexec"),
        "used": used,
        "usable": used is not None,
        "error": why,
        "fell_back": fell_back,
        **{key: value for key, value in _place(used, table).items()
           if key not in ("exists", "is_dir")},
    }


PROBE = Probe(
    id="temp",
    run=run,
    description="the temporary directory pip builds in: what TMPDIR says, what Python "
    "uses, its mount (noexec, read-only) and free space",
    timeout=0.05,
)
