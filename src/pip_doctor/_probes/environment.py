"""The ``environment`` probe: which environment pip installs into, and is it the active one."""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from typing import Any, Optional

from pip_doctor import _fs
from pip_doctor._model import Probe, Situation

#: Prefixes of a distribution's own Python.
SYSTEM_PREFIXES = ("/usr", "/usr/local")


def in_venv() -> bool:
    return sys.prefix != getattr(sys, "base_prefix", sys.prefix)


def kind() -> str:
    """``venv``, ``conda``, ``pyenv``, ``system`` or ``other``."""
    prefix = sys.prefix
    if in_venv() or os.path.isfile(os.path.join(prefix, "pyvenv.cfg")):
        return "venv"
    if os.path.isdir(os.path.join(prefix, "conda-meta")):
        return "conda"
    executable = sys.executable or ""
    if "/.pyenv/" in prefix + "/" or "/.pyenv/" in executable:
        return "pyenv"
    if prefix.rstrip("/") in SYSTEM_PREFIXES or executable.startswith("/usr/bin/"):
        return "system"
    return "other"


def environment_of(executable: Optional[str]) -> Optional[str]:
    """The venv an interpreter belongs to: the directory of its ``pyvenv.cfg``."""
    if not executable:
        return None
    directory = os.path.dirname(executable)
    for candidate in (os.path.dirname(directory), directory):
        if os.path.isfile(os.path.join(candidate, "pyvenv.cfg")):
            return candidate
    return None


def path_python() -> tuple[Optional[str], Optional[str]]:
    """The first ``python3``/``python`` on PATH, as PATH names it, and its venv.

    The venv is looked up from the name found on PATH (a venv's ``python``
    is a symlink to the base interpreter, so the resolved path has lost it).
    """
    for name in ("python3", "python"):
        found = shutil.which(name)
        if found:
            found = os.path.abspath(found)
            return found, environment_of(found)
    return None, None


def site_packages_of(root: str) -> str:
    """The directory an install into the environment at ``root`` writes to
    (its ``site-packages``), or ``root`` itself when none is found.
    """
    if os.name == "nt":
        candidates = [os.path.join(root, "Lib", "site-packages")]
    else:
        lib = os.path.join(root, "lib")
        try:
            names = sorted(n for n in os.listdir(lib) if n.startswith("python"))
        except OSError:
            names = []
        candidates = [os.path.join(lib, n, "site-packages") for n in names]
    return next((c for c in candidates if os.path.isdir(c)), root)


def expected_facts(root: Optional[str]) -> dict[str, Any]:
    """Whether this account could install into the environment it was pointed
    at (``root``): measured on that environment's ``site-packages``.
    """
    facts: dict[str, Any] = {"expected_root": root, "expected_writable": None,
                             "expected_owner_uid": None, "expected_owner_name": None}
    if root is None:
        return facts
    place = site_packages_of(root)
    st = _fs.stat_or_none(place)
    uid = _fs.uid_of(st)
    facts.update(expected_writable=_fs.can_write(place, st), expected_owner_uid=uid,
                 expected_owner_name=_fs.owner_name(uid))
    return facts


def externally_managed() -> Optional[str]:
    """The PEP 668 marker that applies to this interpreter (never inside a venv)."""
    if in_venv():
        return None
    try:
        stdlib = sysconfig.get_path("stdlib")
    except (KeyError, OSError, ValueError):
        return None
    marker = os.path.join(stdlib, "EXTERNALLY-MANAGED")
    return marker if os.path.isfile(marker) else None


def mismatch(
    virtual_env: Optional[str], conda_prefix: Optional[str], python: Optional[str],
    python_env: Optional[str],
) -> tuple[Optional[str], Optional[str], Optional[str]]:
    """``(line, source, environment)``: what disagrees with the environment pip
    runs in, which variable says so (``VIRTUAL_ENV``, ``CONDA_PREFIX``, or
    ``PATH`` when only the ``python3`` first on PATH does), and the environment
    it points at; all None when nothing disagrees.
    """
    prefix = sys.prefix
    if virtual_env:
        if not _fs.same_path(virtual_env, prefix):
            line = f"VIRTUAL_ENV is {virtual_env} but pip runs in {prefix}"
            return line, "VIRTUAL_ENV", virtual_env
        return None, None, None
    if conda_prefix and not _fs.same_path(conda_prefix, prefix):
        line = f"CONDA_PREFIX is {conda_prefix} but pip runs in {prefix}"
        return line, "CONDA_PREFIX", conda_prefix
    if python_env and not _fs.same_path(python_env, prefix):
        return (
            f"the python3 first on PATH is {python} (environment {python_env}) "
            f"but pip runs in {prefix}; no VIRTUAL_ENV or CONDA_PREFIX is set",
            "PATH",
            python_env,
        )
    return None, None, None


def run(situation: Situation) -> dict[str, Any]:
    venv = in_venv()
    system_site: Optional[bool] = None
    if venv:
        value = _fs.pyvenv_cfg(sys.prefix).get("include-system-site-packages")
        system_site = value.lower() == "true" if value is not None else False
    virtual_env = _fs.environ("VIRTUAL_ENV")
    conda_prefix = _fs.environ("CONDA_PREFIX")
    python, python_env = path_python()
    line, source, expected = mismatch(virtual_env, conda_prefix, python, python_env)
    return {
        "kind": kind(),
        "root": sys.prefix,
        "in_venv": venv,
        "system_site_packages": system_site,
        "virtual_env": virtual_env,
        "conda_prefix": conda_prefix,
        "active": _fs.same_path(virtual_env, sys.prefix)
        or _fs.same_path(conda_prefix, sys.prefix),
        "mismatch": line,
        "mismatch_source": source,
        "path_python": python,
        "path_python_resolved": _fs.real(python) if python else None,
        "path_python_prefix": python_env,
        **expected_facts(expected),
        "externally_managed": externally_managed(),
    }


PROBE = Probe(
    id="environment",
    run=run,
    description="the environment pip installs into (venv, conda, system, pyenv) and "
    "whether it is the one VIRTUAL_ENV, CONDA_PREFIX and PATH point at",
    timeout=0.15,
)
