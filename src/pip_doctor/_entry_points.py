"""The plugins' entry points, without importing ``importlib.metadata`` for nothing.

``importlib.metadata`` imports ``email``, ``zipfile``, ``pathlib`` and
``csv``: about a tenth of what a diagnosis costs to start, in a process that
then finds no plugin at all (the usual case). So :func:`entry_points` first
looks the way ``importlib.metadata`` looks, with ``os`` alone: the
``entry_points.txt`` of every ``*.dist-info`` and ``*.egg-info`` directory
(and an ``.egg``'s ``EGG-INFO``) in the directories on ``sys.path``. When no
such file has a ``[pip_doctor]`` section, there is no entry point to load.
Anything else -- a section found, a zip file on ``sys.path``, a finder of
distributions other than Python's own, a file that cannot be read -- is
answered by ``importlib.metadata`` itself, so the entry points loaded are
always exactly its own. Nothing is kept between calls.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any

#: Where ``importlib.metadata`` finds a distribution's files in a directory.
_METADATA_SUFFIXES = (".dist-info", ".egg-info")


def entry_points(group: str) -> Iterable[Any]:
    """The installed entry points of ``group`` (``importlib.metadata``'s)."""
    if not may_declare(group, sys.path):
        return ()
    from importlib import metadata

    if sys.version_info >= (3, 10):
        return metadata.entry_points(group=group)
    # Python 3.9: an entry point does not know its distribution (``.dist``, for
    # ``pip-doctor plugins``): each one is given it here. The first distribution
    # of a name on sys.path wins, as with 3.10's entry_points().
    found: list[Any] = []
    seen: set[str] = set()
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        for entry_point in dist.entry_points:
            if entry_point.group == group:
                entry_point.dist = dist
                found.append(entry_point)
    return found


def may_declare(group: str, path: Sequence[str]) -> bool:
    """False only when no distribution on ``path`` can declare an entry point of
    ``group`` (see the module docstring); True means "ask importlib.metadata".
    """
    if _other_distribution_finders():
        return True
    header = f"[{group}]"
    for entry in path:
        root = entry or "."
        try:
            names = os.listdir(root)
        except OSError:
            if os.path.isfile(root):  # a zip file: importlib.metadata reads those
                return True
            continue  # missing or unreadable: importlib.metadata finds nothing there either
        folders = [name for name in names if name.lower().endswith(_METADATA_SUFFIXES)]
        if root.lower().endswith(".egg"):
            folders += [name for name in names if name.lower() == "egg-info"]
        for folder in folders:
            if _declares(os.path.join(root, folder, "entry_points.txt"), header):
                return True
    return False


def _declares(file: str, header: str) -> bool:
    try:
        with open(file, "rb") as stream:
            text = stream.read().decode("utf-8", "replace")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return False
    except OSError:  # unreadable: let importlib.metadata decide
        return True
    return any(line.strip() == header for line in text.splitlines())


def _other_distribution_finders() -> bool:
    """Whether a finder on ``sys.meta_path`` besides Python's ``PathFinder``
    finds distributions (``find_distributions``): those are not looked at here.
    """
    from importlib.machinery import PathFinder  # already loaded at start-up

    return any(
        finder is not PathFinder and getattr(finder, "find_distributions", None) is not None
        for finder in sys.meta_path
    )
