"""``owner-write-bit-removed``: the account owns the directory, but its write
bit is off (``chmod a-w``, a read-only copy, an archive unpacked read-only).
"""

from __future__ import annotations

import stat
from collections.abc import Mapping
from typing import Any, Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Diagnosis, Fix, Rule, Situation
from pip_doctor._rules._common import (
    PERMISSION,
    code,
    error_line,
    euid,
    mode_bits,
    permission_strength,
    reading_requirements_file,
    text_fact,
    you,
)
from pip_doctor._shells import shell_commands

ID = "owner-write-bit-removed"


def _locked(situation: Situation) -> list[Mapping[str, Any]]:
    """The account's own directories, from the failing place up to the
    environment, whose owner write bit is off (nearest first).
    """
    me = euid(situation)
    stop = text_fact(situation, "path", "environment_root")
    found = []
    for item in situation.fact("path", "ancestors") or ():
        if not isinstance(item, Mapping):
            continue
        bits = mode_bits(item.get("mode"))
        if item.get("owner_uid") == me and bits is not None and not bits & stat.S_IWUSR:
            found.append(item)
        if stop is not None and item.get("path") == stop:
            break
    return found


def check(situation: Situation) -> Optional[Diagnosis]:
    """A permission error where the nearest directory is the account's own and
    not writable because the owner's write bit is off.
    """
    strength = permission_strength(situation)
    me = euid(situation)
    if strength is None or me is None or me == 0 or reading_requirements_file(situation):
        return None  # (a requirements file pip could not read is no write)
    locked = _locked(situation)
    if not locked or locked[0].get("path") != text_fact(situation, "path", "nearest_existing"):
        return None
    nearest = str(locked[0]["path"])
    evidence = [error_line(situation)]
    for item in locked:
        shown = stat.filemode((mode_bits(item.get("mode")) or 0) | stat.S_IFDIR)
        evidence.append(
            f"{code(item.get('path'))} is yours, mode {shown} (the owner's write bit is off)"
        )
    evidence.append(you(situation))
    root = text_fact(situation, "path", "environment_root")
    rerun = _fixes.pip_install(situation, _fixes.python_of(situation), "")
    fixes = [Fix(
        summary=f"Give yourself back the right to write in {nearest}, and run your "
        "command again",
        commands=(
            *shell_commands(["chmod", "u+w", *[str(i["path"]) for i in locked]],
                            shells=_fixes.POSIX_SHELLS),
            *[c for c in rerun.commands if c.shell in _fixes.POSIX_SHELLS],
        ),
        safety="safe",
    )]
    if root and root != nearest:
        fixes.append(Fix(
            summary=f"Or, if the whole environment {root} was made read-only on purpose "
            "and should not be, make all of it writable for you again",
            commands=shell_commands(["chmod", "-R", "u+w", root], shells=_fixes.POSIX_SHELLS),
            safety="review",
        ))
    return Diagnosis(
        id=ID,
        title=f"You own {code(nearest)}, but its write permission is switched off",
        confidence=strength,
        evidence=evidence,
        fixes=fixes,
        links=(_links.CHMOD_MANUAL,),
        warnings=(
            "Do not `chown` it or make a new environment: it is already yours, only "
            "its write bit is off.",
            _fixes.WARN_SUDO_PIP,
            _fixes.WARN_CHMOD_777,
        ),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="the account owns the directory but its write bit is off",
    families=PERMISSION,
)
