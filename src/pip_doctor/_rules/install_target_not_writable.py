"""``install-target-not-writable``: the ``--target``, ``--prefix``, ``--root``
or user-site destination is not writable by this account.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Diagnosis, Fix, Link, Rule, Situation, directory_options
from pip_doctor._rules._common import (
    PERMISSION,
    code,
    downgrade,
    error_line,
    failing_place_line,
    permission_strength,
    should_own,
    text_fact,
    who,
)
from pip_doctor._shells import shell_commands

ID = "install-target-not-writable"

#: The commands that save files instead of installing: their option and the
#: name of its value in pip's parsed options.
SAVE_OPTIONS = {"download": ("-d", "download_dir"), "wheel": ("-w", "wheel_dir")}
_KINDS = {"-d": "download directory", "-w": "wheel directory"}
#: How those options are written (option -> how many values follow).
SAVE_FLAGS = {"-d": 1, "--dest": 1, "--destination-dir": 1, "--destination": 1,
              "-w": 1, "--wheel-dir": 1}


def destination(situation: Situation) -> Optional[tuple[str, str]]:
    """``(option, directory)`` the failing command was told to install into."""
    options = situation.context.options
    saved = SAVE_OPTIONS.get(situation.context.command)
    if saved is not None:
        value = situation.context.pip_options.get(saved[1])
        return (saved[0], value) if isinstance(value, str) and value else None
    directories = directory_options(options)
    if directories:
        return directories[0]
    if options.user:
        base = text_fact(situation, "user_site", "base")
        return "--user", base or "the user site-packages"
    return None


def _unwritable_destinations(situation: Situation) -> list[str]:
    lines = []
    for item in situation.fact("destinations", "items") or ():
        if isinstance(item, Mapping) and item.get("writable") is False:
            lines.append(
                f"the {item.get('role')} directory {code(item.get('path'))} is not writable "
                f"({code(item.get('nearest_existing'))} is owned by "
                f"{who(item.get('owner_uid'), item.get('owner_name'))})"
            )
    return lines


def _other_target(situation: Situation, measured: str) -> str:
    """A directory in the account's home to use as ``--target`` instead."""
    home = _fixes.own_directory(situation) or "."
    name = posixpath.basename(measured.rstrip("/")) or "target"
    candidate = _fixes.join(situation, home, name)
    if _fixes.is_within(candidate, measured) or _fixes.is_within(measured, candidate):
        candidate = _fixes.join(situation, home, f"{name}-new")
    return candidate


def _fixes_for(situation: Situation, flag: str, measured: str) -> list[Fix]:
    fixes: list[Fix] = []
    if flag != "--root" and should_own(situation, measured):
        chown = _fixes.reclaim(situation, measured)
        if chown is not None:
            fixes.append(chown)
    if flag in ("-d", "-w"):
        other = _other_target(situation, measured)
        args, _known = _fixes.rerun_args(situation, [flag, other], drop=SAVE_FLAGS)
        fixes.append(Fix(
            summary=f"Save into a directory you own instead: {other}"
            + _fixes.directory_note(situation, other),
            commands=shell_commands([_fixes.python_of(situation), "-m", "pip", *args]),
            safety="safe",
        ))
        return fixes
    if flag == "--target":
        other = _other_target(situation, measured)
        fixes.append(_fixes.pip_install(
            situation, _fixes.python_of(situation),
            f"Install into a directory you own instead: {other}"
            + _fixes.directory_note(situation, other),
            ["--target", other],
        ))
    fixes.append(_fixes.new_venv(situation, avoid=[measured]))
    return fixes


def check(situation: Situation) -> Optional[Diagnosis]:
    """A permission error while installing into an explicitly chosen destination."""
    strength = permission_strength(situation)
    chosen = destination(situation)
    if strength is None or chosen is None:
        return None
    flag, given = chosen
    writable = situation.fact("path", "writable")
    unwritable = _unwritable_destinations(situation)
    if writable is not False and not unwritable:
        return None
    measured = text_fact(situation, "path", "environment_root") or given
    error = situation.error
    named = any(
        _fixes.is_within(name, place)
        for name in (error.filename, error.filename2)
        for place in {given, measured}
    )
    evidence = [error_line(situation)]
    evidence.append(
        f"the {'files were' if flag in SAVE_FLAGS else 'install was'} asked to go to "
        f"{code(given)} ({flag})"
        + (f", which is {code(measured)}" if measured != given else "")
    )
    place = failing_place_line(situation)
    if place and _fixes.is_within(text_fact(situation, "path", "nearest_existing"), measured):
        evidence.append(place)
    evidence += unwritable
    confident = writable is False or (bool(unwritable) and named)
    links: tuple[Link, ...] = (_links.PIP_TARGET_OPTION, _links.VENV_GUIDE)
    if flag == "--user":
        links = (_links.PIP_USER_INSTALLS, _links.VENV_GUIDE)
    return Diagnosis(
        id=ID,
        title=f"The {_KINDS.get(flag, 'install destination')} {code(measured)} ({flag}) "
        "is not writable by you",
        confidence=strength if confident else downgrade(strength),
        evidence=evidence,
        fixes=_fixes_for(situation, flag, measured),
        links=links,
        warnings=_fixes.with_conda_warning(situation, _fixes.permission_warnings(situation)),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="the --target, --prefix, --root or user-site destination is not writable",
    families=PERMISSION,
)
