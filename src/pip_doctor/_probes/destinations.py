"""The ``destinations`` probe: every directory this install writes to, measured."""

from __future__ import annotations

from typing import Any

from pip_doctor import _fs
from pip_doctor._model import Probe, Situation

ROLES = ("purelib", "platlib", "scripts", "data")


def places(situation: Situation) -> list[tuple[str, str]]:
    """``(role, path)`` for each distinct directory, from the ``scheme`` facts.

    With ``--target`` everything lands in the target (scripts in its ``bin``).
    """
    target = situation.fact("scheme", "target")
    if isinstance(target, str):
        wanted = [("target", target), ("scripts", situation.fact("scheme", "scripts"))]
    else:
        wanted = [(role, situation.fact("scheme", role)) for role in ROLES]
    seen: set[str] = set()
    found: list[tuple[str, str]] = []
    for role, path in wanted:
        if isinstance(path, str) and path and path not in seen:
            seen.add(path)
            found.append((role, path))
    return found


def run(situation: Situation) -> dict[str, Any]:
    table = _fs.mounts()
    items = [
        {"role": role, **_fs.describe_place(path, table)} for role, path in places(situation)
    ]
    return {
        "items": items,
        "all_writable": bool(items) and all(item["writable"] is True for item in items),
    }


PROBE = Probe(
    id="destinations",
    run=run,
    description="every directory the install writes to: exists, owner, writable, "
    "read-only mount, free space",
    timeout=0.15,
)
