"""``needs-admin``: on Windows, a Python installed for all users (under
``Program Files``, ``ProgramData``, an all-users ``C:\\PythonXY``) that only
administrators may change.

pip's own check (can it create a file in site-packages) may pass there, so pip
does not fall back to ``--user``; replacing an administrator's file, or
writing ``Scripts``, then fails with ``[WinError 5]``. The evidence is the
owner and this account's effective rights, read from the files' security
descriptors (the ``path`` and ``windows`` facts), never from file modes.
"""

from __future__ import annotations

import ntpath
import re
from typing import Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Confidence, Diagnosis, Fix, Rule, Situation
from pip_doctor._rules._common import (
    PERMISSION,
    code,
    downgrade,
    error_line,
    install_options_used,
    permission_strength,
    text_fact,
    windows_place_notes,
)
from pip_doctor._shells import shell_commands

ID = "needs-admin"

#: Folders where Windows installs software for every account.
_ALL_USERS = re.compile(
    r"^[a-z]:\\(program files( \(x86\))?|programdata)\\|^[a-z]:\\python\d+\\?", re.IGNORECASE
)


def all_users_place(path: Optional[str]) -> Optional[str]:
    """The all-users folder ``path`` lies in (``C:\\Program Files``), or None."""
    if not path:
        return None
    found = _ALL_USERS.match(ntpath.normpath(path) + "\\")
    return found.group(0).rstrip("\\") if found else None


def _rights_lines(situation: Situation) -> tuple[list[str], Optional[bool]]:
    """Evidence on the failing place and ``Scripts``, and whether a refusal was measured
    (True), everything measured was allowed (False) or nothing was measured (None).
    """
    lines: list[str] = []
    refused: Optional[bool] = None
    account = text_fact(situation, "windows", "account") or text_fact(situation, "account",
                                                                       "name")
    you = f"you are {account}" if account else "your account is not known"
    nearest = text_fact(situation, "path", "nearest_existing")
    writable = situation.fact("path", "writable")
    owner = text_fact(situation, "path", "owner_name") or "an owner that was not measured"
    if nearest is not None:
        if writable is False:
            lines.append(f"{code(nearest)} is owned by {owner}; {you}, and Windows' access "
                         "check gives you no right to create files there")
            refused = True
        elif writable is True:
            refused = False
        else:
            lines.append(f"{code(nearest)}: your rights there were not measured")
    replaceable = situation.fact("windows", "path_replaceable")
    failing = text_fact(situation, "windows", "path")
    if replaceable is False and failing:
        lines.append(f"you may not delete or replace {code(failing)} (an administrator's file)")
        refused = True
    scripts = text_fact(situation, "windows", "scripts")
    scripts_writable = situation.fact("windows", "scripts_writable")
    if scripts and scripts_writable is False:
        scripts_owner = text_fact(situation, "windows", "scripts_owner") or "another account"
        lines.append(f"{code(scripts)} (where pip puts commands) is owned by {scripts_owner}, "
                     "and you may not create files there either")
        refused = True
    return lines, refused


def elevated_install(situation: Situation) -> Fix:
    """The command again, from an elevated shell: for what every account shares."""
    return _fixes.pip_install(
        situation, _fixes.python_of(situation),
        "Only if this Python is shared on purpose and every account needs the package: "
        "run the install once from an elevated shell (Run as administrator)",
        safety="review",
    )


def per_user_python(situation: Situation) -> Fix:
    """A Python of the account's own, installed without administrator rights."""
    version = text_fact(situation, "interpreter", "version") or ""
    minor = ".".join(version.split(".")[:2]) or "3"
    return Fix(
        summary="Or install a Python for your account only (no administrator needed; the "
        "python.org installer's \"Install for me only\" does the same) and install there",
        commands=shell_commands(
            ["winget", "install", "--scope", "user", "--id", f"Python.Python.{minor}"],
            shells=_fixes.WINDOWS_SHELLS,
        ),
        safety="safe",
    )


def check(situation: Situation) -> Optional[Diagnosis]:
    strength = permission_strength(situation)
    root = text_fact(situation, "environment", "root")
    if (
        strength is None
        or root is None
        or not _fixes.is_windows(situation)
        or install_options_used(situation)
        or situation.fact("environment", "in_venv") is True
        or situation.fact("environment", "kind") in ("venv", "conda")
    ):
        return None
    failing = text_fact(situation, "path", "absolute") or situation.error.filename
    if failing and not _fixes.is_within(failing, root) and situation.fact(
        "path", "source"
    ) != "scheme":
        return None  # not this Python's files
    lines, refused = _rights_lines(situation)
    place = all_users_place(root)
    if refused is False or (refused is None and place is None):
        return None  # the account may write there, or nothing says otherwise
    confidence: Confidence = strength if refused else downgrade(strength)
    evidence = [error_line(situation), *lines]
    where = f" (under {code(place)}, where Windows installs for all users)" if place else ""
    evidence.append(f"pip runs the Python at {code(root)}{where}; no virtual environment "
                    "is active")
    if situation.fact("windows", "elevated") is False:
        evidence.append("this shell is not elevated (not Run as administrator)")
    evidence += windows_place_notes(situation)
    fixes = [_fixes.new_venv(situation)]
    if _fixes.user_install_allowed(situation):
        fixes.append(_fixes.user_install(situation))
    fixes += [per_user_python(situation), elevated_install(situation)]
    return Diagnosis(
        id=ID,
        title=f"The Python at {code(root)} is installed for all users: only administrators "
        "may change it",
        confidence=confidence,
        evidence=evidence,
        fixes=fixes,
        links=(_links.VENV_GUIDE, _links.WINDOWS_PYTHON, _links.PIP_USER_INSTALLS),
        warnings=_fixes.permission_warnings(situation),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="Windows: a Python installed for all users, which only administrators "
    "may change",
    families=PERMISSION,
)
