"""The ``scheme`` probe: where this install would put files.

pip's own ``get_scheme`` answers when pip's ``locations`` is loaded (the
diagnosis of a pip command loads it before the probes run), with the options
of the failing install. This probe never imports pip itself: importing pip's
``locations`` costs about 0.1 s that a standalone ``diagnose`` need not pay,
and without it ``sysconfig`` gives the same answer on every Python where pip
uses sysconfig (3.10+), Debian's patched one aside.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from typing import Any, Optional

from pip_doctor._model import InstallOptions, Probe, Situation

KEYS = ("purelib", "platlib", "scripts", "data", "headers")
PIP_LOCATIONS = "pip._internal.locations"


def _pip_scheme(options: InstallOptions, home: Optional[str]) -> Optional[dict[str, str]]:
    """pip's scheme for these options, or None when pip is not loaded or differs."""
    locations = sys.modules.get(PIP_LOCATIONS)
    get_scheme = getattr(locations, "get_scheme", None)
    if get_scheme is None:
        return None
    # pip < 21.3 logs "Value for scheme.X does not match" warnings: not here.
    logger = getattr(locations, "logger", None)
    was_disabled = getattr(logger, "disabled", False)
    if logger is not None:
        logger.disabled = True
    try:
        scheme = get_scheme(
            "",
            user=bool(options.user) and home is None,
            home=home,
            root=options.root,
            isolated=options.isolated,
            prefix=options.prefix if home is None else None,
        )
        values = {key: getattr(scheme, key) for key in KEYS}
    except Exception:  # pip's API changed, or pip refuses the combination
        return None
    finally:
        if logger is not None:
            logger.disabled = was_disabled
    if not all(isinstance(value, str) for value in values.values()):
        return None
    return values


#: The sysconfig variables pip sets for a home or prefix scheme.
_HOME_KEYS = ("installed_base", "base", "installed_platbase", "platbase", "prefix",
              "exec_prefix")


def scheme_name(kind: str) -> str:
    preferred = getattr(sysconfig, "get_preferred_scheme", None)  # Python 3.10+
    if preferred is not None:
        try:
            return str(preferred(kind))
        except (KeyError, ValueError):
            pass
    if os.name != "posix":
        return "nt_user" if kind == "user" else "nt"
    return f"posix_{kind}"


def _change_root(root: str, path: str) -> str:
    _drive, rest = os.path.splitdrive(path)
    return os.path.join(root, rest.lstrip("\\/"))


def _sysconfig_scheme(options: InstallOptions, home: Optional[str]) -> dict[str, str]:
    """The same answer from ``sysconfig``, the way pip's sysconfig backend computes it."""
    variables: dict[str, str] = {}
    if home is not None:
        name = scheme_name("home")
        variables = dict.fromkeys(_HOME_KEYS, home)
    elif options.user:
        name = scheme_name("user")
    else:
        name = scheme_name("prefix")
        if options.prefix is not None:
            variables = dict.fromkeys(_HOME_KEYS, options.prefix)
            if name in ("posix_local", "osx_framework_library"):
                name = "posix_prefix"  # as pip: those only redirect system installs
    paths = sysconfig.get_paths(name, vars=variables)
    values = {
        "purelib": paths["purelib"],
        "platlib": paths["platlib"],
        "scripts": paths["scripts"],
        "data": paths["data"],
        "headers": paths["include"],
    }
    if options.root:
        values = {key: _change_root(options.root, value) for key, value in values.items()}
    return values


def scheme_for(options: InstallOptions) -> tuple[dict[str, str], str]:
    """``(paths, source)``: the install scheme for ``options``, from pip or sysconfig.

    With ``--target`` pip installs into a temporary home and moves the
    libraries (and the data directory's content) into the target, so purelib,
    platlib and data are the target, scripts its ``bin``.
    """
    target = options.target
    home = os.path.abspath(target) if target else None
    values = _pip_scheme(options, home)
    source = "pip"
    if values is None:
        values, source = _sysconfig_scheme(options, home), "sysconfig"
    if home is not None:
        values = {**values, "purelib": home, "platlib": home, "data": home}
    return values, source


def run(situation: Situation) -> dict[str, Any]:
    options = situation.context.options
    values, source = scheme_for(options)
    return {
        **{key: values[key] for key in KEYS},
        "source": source,
        "target": os.path.abspath(options.target) if options.target else None,
    }


PROBE = Probe(
    id="scheme",
    run=run,
    description="where this install would put files: pip's scheme for the install's "
    "options (--user, --target, --prefix, --root)",
    timeout=0.15,
)
