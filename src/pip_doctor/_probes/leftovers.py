"""The ``leftovers`` probe: ``~``-prefixed debris of interrupted installs in site-packages."""

from __future__ import annotations

import os
from typing import Any, Optional

from pip_doctor import _fs
from pip_doctor._model import Probe, Situation

#: At most this many names are reported.
LIMIT = 20


def stashes(directory: str, limit: int = LIMIT) -> list[str]:
    """Names starting with ``~`` in ``directory`` (pip's stash of a failed uninstall)."""
    try:
        with os.scandir(directory) as entries:
            names = sorted(entry.name for entry in entries if entry.name.startswith("~"))
    except (OSError, ValueError):
        return []
    return names[:limit]


def real_name(directory: str, stash: str) -> Optional[str]:
    """The entry a stash stands in for: pip replaces the first character(s) of
    a name with ``~`` (``~ootpkg`` for ``rootpkg``, then ``~-otpkg``...). The
    one existing entry whose name ends the same way, or None.
    """
    tail = stash.lstrip("~-")
    if not tail:
        return None
    cut = len(stash) - len(tail)
    project, dash, rest = tail.partition("-")
    metadata = rest.endswith((".dist-info", ".egg-info")) and dash
    try:
        with os.scandir(directory) as entries:
            names = [e.name for e in entries if not e.name.startswith("~")]
    except (OSError, ValueError):
        return None
    if metadata:  # ~ootpkg-1.0.dist-info stands for rootpkg-<any version>.dist-info
        kind = rest.rsplit(".", 1)[1]
        found = [n for n in names if n.endswith("." + kind)
                 and n.partition("-")[0][cut:] == project
                 and len(n.partition("-")[0]) == cut + len(project)]
    else:
        found = [n for n in names if len(n) == len(stash) and n[cut:] == tail]
    return found[0] if len(found) == 1 else None


def describe(directory: str, name: str) -> dict[str, Any]:
    path = os.path.join(directory, name)
    st = _fs.stat_or_none(path)
    uid = _fs.uid_of(st)
    return {"name": name, "path": path, "real": real_name(directory, name),
            "owner_uid": uid, "owner_name": _fs.owner_name(uid)}


def run(situation: Situation) -> dict[str, Any]:
    purelib = situation.fact("scheme", "purelib")
    platlib = situation.fact("scheme", "platlib")
    items: list[str] = []
    details: list[dict[str, Any]] = []
    for directory in (purelib, platlib):
        if isinstance(directory, str) and directory:
            for name in stashes(directory):
                if name not in items and len(items) < LIMIT:
                    items.append(name)
                    details.append(describe(directory, name))
    return {
        "site_packages": purelib if isinstance(purelib, str) else None,
        "items": items,
        "details": details,
    }


PROBE = Probe(
    id="leftovers",
    run=run,
    description="names starting with '~' in site-packages: debris of failed installs",
    timeout=0.1,
)
