"""The ``user_site`` probe: the per-user site-packages that ``--user`` installs into."""

from __future__ import annotations

import os
import site
import sys
import sysconfig
from typing import Any, Optional

from pip_doctor import _fs
from pip_doctor._model import Probe, Situation
from pip_doctor._probes.scheme import scheme_name


def scripts_dir(userbase: str) -> Optional[str]:
    """Where ``pip install --user`` puts scripts."""
    try:
        return sysconfig.get_path("scripts", scheme_name("user"), vars={"userbase": userbase})
    except (KeyError, ValueError):
        return None


def on_path(directory: Optional[str]) -> bool:
    if not directory:
        return False
    entries = os.environ.get("PATH", "").split(os.pathsep)
    return any(entry and _fs.same_path(entry, directory) for entry in entries)


def run(situation: Situation) -> dict[str, Any]:
    path = site.getusersitepackages()
    base = site.getuserbase()
    place = _fs.describe_place(path)
    in_venv = situation.fact("environment", "in_venv")
    if in_venv is None:
        in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
    system_site = situation.fact("environment", "system_site_packages")
    scripts = scripts_dir(base)
    return {
        "enabled": bool(site.ENABLE_USER_SITE),
        "path": path,
        "base": base,
        "on_sys_path": any(entry and _fs.same_path(entry, path) for entry in sys.path),
        "exists": place["exists"],
        "writable": place["writable"],
        "allowed": not in_venv or system_site is True,
        "scripts_dir": scripts,
        "scripts_on_path": on_path(scripts),
    }


PROBE = Probe(
    id="user_site",
    run=run,
    description="the per-user site-packages: enabled, visible, writable, allowed here",
    timeout=0.1,
)
