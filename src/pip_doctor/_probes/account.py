"""The ``account`` probe: who runs pip."""

from __future__ import annotations

import os
from typing import Any, Optional

from pip_doctor._model import Probe, Situation
from pip_doctor._probes import _fs


def _id(name: str) -> Optional[int]:
    function = getattr(os, name, None)
    return function() if function is not None else None


def _home(euid: Optional[int]) -> Optional[str]:
    known = _fs.home_of(euid)
    if known:
        return known
    home = os.path.expanduser("~")
    return home if home != "~" else None


def run(situation: Situation) -> dict[str, Any]:
    euid = _id("geteuid")
    name = _fs.owner_name(euid) if euid is not None else _fs.environ("USERNAME")
    sudo_uid = _fs.environ("SUDO_UID")
    return {
        "uid": _id("getuid"),
        "euid": euid,
        "gid": _id("getgid"),
        "name": name,
        "home": _home(euid),
        "is_root": euid == 0,
        "sudo_user": _fs.environ("SUDO_USER"),
        "sudo_uid": int(sudo_uid) if sudo_uid and sudo_uid.isdigit() else None,
    }


PROBE = Probe(
    id="account",
    run=run,
    description="who runs pip: uid, euid, name, home, sudo",
    timeout=0.1,
)
