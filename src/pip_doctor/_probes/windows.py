"""The ``windows`` probe: what only Windows has, measured (registered on Windows only).

- the account and whether this process runs elevated;
- the owner of ``Scripts`` and the account's effective rights there and on
  the failing file (create in the directory, replace the file), from the
  Win32 security API;
- long paths: ``LongPathsEnabled`` from the registry, the failing path's
  length and its longest component, ``%TEMP%``'s length, the Microsoft Store
  Python's ``...\\LocalCache\\local-packages`` prefix;
- OneDrive: the synced folders (``%OneDrive%`` and its kin) and whether the
  failing path or the environment lies in one;
- which ``python`` and ``py`` are on ``PATH``, and whether that ``python`` is
  the ``WindowsApps`` alias of the Microsoft Store.

Every value is None where it was not measured; nothing here reads
``os.access`` or ``st_mode``.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any, Optional

from pip_doctor import _fs
from pip_doctor._model import Probe, Situation

if sys.platform == "win32":
    from pip_doctor import _windows

#: Windows' path limit without long-path support (MAX_PATH, with its NUL).
MAX_PATH = 260
#: The limit of one name part, on NTFS even with long paths on.
MAX_COMPONENT = 255
#: The environment variables naming OneDrive's synced folders.
ONEDRIVE_VARIABLES = ("OneDrive", "OneDriveConsumer", "OneDriveCommercial")
#: Where the Microsoft Store's Python keeps an account's packages.
STORE_MARKERS = ("\\LocalCache\\local-packages", "\\WindowsApps\\PythonSoftwareFoundation.")
WINDOWSAPPS = "\\Microsoft\\WindowsApps"


def longest_component(path: str) -> tuple[Optional[str], int]:
    """The longest name part of a Windows path and its length."""
    parts = [p for p in path.replace("/", "\\").split("\\") if p and not p.endswith(":")]
    if not parts:
        return None, 0
    longest = max(parts, key=len)
    return longest, len(longest)


def onedrive_root(path: Optional[str], roots: list[str]) -> Optional[str]:
    """The OneDrive folder ``path`` lies in, or None."""
    if not path:
        return None
    for root in roots:
        if _fs.is_within(path, root):
            return root
    return None


def store_prefix(*paths: Optional[str]) -> Optional[str]:
    """The Microsoft Store Python's per-account prefix one of ``paths`` shows, or None."""
    for path in paths:
        if not path:
            continue
        lowered = path.lower()
        for marker in STORE_MARKERS:
            index = lowered.find(marker.lower())
            if index >= 0:
                return path[: index + len(marker)]
    return None


def _failing_path(situation: Situation) -> Optional[str]:
    given = situation.error.filename or situation.error.filename2
    return _fs.absolute(given) if given else None


def _measure_windows(situation: Situation, facts: dict[str, Any]) -> None:
    if sys.platform == "win32":  # mypy on other systems skips this block
        facts["account"] = _windows.account_name()
        facts["elevated"] = _windows.elevated()
        facts["long_paths_enabled"] = _windows.long_paths_enabled()
        failing = facts["path"]
        if failing and os.path.isfile(failing):
            facts["path_replaceable"] = _windows.can_replace(failing)
        scripts = situation.fact("scheme", "scripts")
        if isinstance(scripts, str) and scripts:
            found = _fs.nearest_existing(scripts)
            if found.stat is not None:
                facts["scripts"] = found.path
                facts["scripts_owner"] = _windows.owner_name(found.path)
                facts["scripts_writable"] = _windows.can_write(found.path, True)


def run(situation: Situation) -> dict[str, Any]:
    failing = _failing_path(situation)
    component, component_length = longest_component(failing or "")
    temp = _fs.environ("TEMP") or _fs.environ("TMP")
    roots = [r for r in (_fs.environ(v) for v in ONEDRIVE_VARIABLES) if r]
    roots = list(dict.fromkeys(roots))
    path_python = shutil.which("python")
    local = _fs.environ("LOCALAPPDATA")
    alias = bool(
        path_python
        and (WINDOWSAPPS.lower() in path_python.lower())
        and (local is None or _fs.is_within(path_python, local + WINDOWSAPPS))
    )
    user_base = situation.fact("user_site", "base")
    facts: dict[str, Any] = {
        "account": None,
        "elevated": None,
        "long_paths_enabled": None,
        "path": failing,
        "path_length": len(failing) if failing else None,
        "longest_component": component,
        "longest_component_length": component_length or None,
        "path_replaceable": None,
        "scripts": None,
        "scripts_owner": None,
        "scripts_writable": None,
        "temp": temp,
        "temp_length": len(temp) if temp else None,
        "store_python": store_prefix(sys.prefix, sys.executable,
                                     user_base if isinstance(user_base, str) else None),
        "onedrive_roots": roots,
        "onedrive": onedrive_root(failing, roots) or onedrive_root(sys.prefix, roots),
        "path_python": path_python,
        "path_python_is_alias": alias,
        "path_python_is_this": _fs.same_path(path_python, sys.executable)
        if path_python else None,
        "py_launcher": shutil.which("py"),
    }
    _measure_windows(situation, facts)
    return facts


PROBE = Probe(
    id="windows",
    run=run,
    description="Windows: account and elevation, rights on Scripts and the failing file, "
    "long paths, %TEMP%, OneDrive, the Store Python, python and py on PATH",
    timeout=0.15,
)
