"""The ``account`` probe: who runs pip."""

from __future__ import annotations

import os
import sys
from typing import Any, Optional

from pip_doctor import _fs
from pip_doctor._model import Probe, Situation

if sys.platform == "win32":
    from pip_doctor import _windows


def _id(name: str) -> Optional[int]:
    function = getattr(os, name, None)
    return function() if function is not None else None


def _usable_home(path: Optional[str], euid: Optional[int]) -> bool:
    """``path`` is a directory this account owns and may create entries in."""
    if not path:
        return False
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return False
    owned = euid is None or st.st_uid == euid
    return owned and bool(_fs.can_write(path, st))


def _home(euid: Optional[int]) -> tuple[Optional[str], bool]:
    """The home directory and whether this account owns it and may write there.

    The account database's home comes first; when that one is missing or not
    the account's (``nobody``'s ``/nonexistent``), ``$HOME`` is used if it is.
    A shared directory such as ``/tmp`` is never taken for a home.
    """
    known = _fs.home_of(euid)
    if _usable_home(known, euid):
        return known, True
    expanded = os.path.expanduser("~")
    home = expanded if expanded != "~" else None
    if home and home != known and _usable_home(home, euid):
        return home, True
    return known or home, False


def run(situation: Situation) -> dict[str, Any]:
    euid = _id("geteuid")
    if sys.platform == "win32":
        name = _windows.account_name() or _fs.environ("USERNAME")
    else:
        name = _fs.owner_name(euid) if euid is not None else _fs.environ("USERNAME")
    sudo_uid = _fs.environ("SUDO_UID")
    home, home_writable = _home(euid)
    return {
        "uid": _id("getuid"),
        "euid": euid,
        "gid": _id("getgid"),
        "name": name,
        "home": home,
        "home_writable": home_writable,
        "is_root": euid == 0,
        "in_passwd": _fs.owner_name(euid) is not None if euid is not None else None,
        "home_env": os.environ.get("HOME"),
        "sudo_user": _fs.environ("SUDO_USER"),
        "sudo_uid": int(sudo_uid) if sudo_uid and sudo_uid.isdigit() else None,
    }


PROBE = Probe(
    id="account",
    run=run,
    description="who runs pip: uid, euid, name, home, sudo",
    timeout=0.1,
)
