"""The ``leftovers`` probe: ``~``-prefixed debris of interrupted installs in site-packages."""

from __future__ import annotations

import os
from typing import Any

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


def run(situation: Situation) -> dict[str, Any]:
    purelib = situation.fact("scheme", "purelib")
    platlib = situation.fact("scheme", "platlib")
    items: list[str] = []
    for directory in (purelib, platlib):
        if isinstance(directory, str) and directory:
            items += [name for name in stashes(directory) if name not in items]
    return {
        "site_packages": purelib if isinstance(purelib, str) else None,
        "items": items[:LIMIT],
    }


PROBE = Probe(
    id="leftovers",
    run=run,
    description="names starting with '~' in site-packages: debris of failed installs",
    timeout=0.1,
)
