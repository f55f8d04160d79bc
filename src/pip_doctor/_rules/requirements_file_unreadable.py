"""``requirements-file-unreadable``: pip cannot open a requirements or
constraints file (``-r FILE``, ``-c FILE``, or one such file naming another)
because this account may not read it, or may not enter a directory above it.

pip says ``ERROR: Could not open requirements file: [Errno 13] Permission
denied: 'FILE'`` (an ``InstallationError`` raised from the ``OSError``, exit
status 1). The rule fires only when the measurement agrees: the file, or a
directory above it, was measured unreadable for this account.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Diagnosis, ErrorInfo, Fix, Rule, Situation
from pip_doctor._rules._common import (
    PERMISSION,
    PERMISSION_ERRNOS,
    code,
    euid,
    mode_bits,
    reading_requirements_file,
    text_fact,
    who,
    you,
)
from pip_doctor._shells import shell_commands

ID = "requirements-file-unreadable"

#: The options whose values are requirements or constraints files.
FILE_OPTIONS = ("-r", "--requirement", "-c", "--constraint")


def _denied_file(situation: Situation) -> Optional[ErrorInfo]:
    """The ``OSError`` behind pip's "Could not open requirements file" that says
    "permission denied" and names the file.
    """
    if not reading_requirements_file(situation):  # pip's words since 1.x
        return None
    for error in situation.error.errors:
        if error.errno in PERMISSION_ERRNOS and error.filename:
            return error
    return None


def _blocking(situation: Situation) -> list[Mapping[str, Any]]:
    """The directories above the file this account may not enter (nearest first)."""
    found = []
    for item in situation.fact("path", "ancestors") or ():
        if isinstance(item, Mapping) and item.get("searchable") is False:
            found.append(item)
    return found


def _mode(item: Mapping[str, Any], directory: bool) -> str:
    bits = mode_bits(item.get("mode"))
    if bits is None:
        return "?"
    return stat.filemode(bits | (stat.S_IFDIR if directory else stat.S_IFREG))


def _replaced(args: Sequence[str], given: str, copy: str) -> Optional[list[str]]:
    """``args`` with the file ``given`` (after ``-r``/``-c``, or joined to one)
    replaced by ``copy``; None when the command does not name it.
    """
    out = list(args)
    found = False
    for index, arg in enumerate(out):
        if arg == given and index > 0 and out[index - 1] in FILE_OPTIONS:
            out[index] = copy
            found = True
        for option in FILE_OPTIONS:
            joined = option + ("=" if option.startswith("--") else "")
            if arg == joined + given:
                out[index] = joined + copy
                found = True
    return out if found else None


def check(situation: Situation) -> Optional[Diagnosis]:
    """pip could not open a requirements file for lack of permission, and the
    file (or a directory above it) was measured unreadable for this account.
    """
    denied = _denied_file(situation)
    me = euid(situation)
    if denied is None or me is None or denied.filename is None:
        return None
    given = denied.filename
    path = text_fact(situation, "path", "absolute")
    nearest = text_fact(situation, "path", "nearest_existing")
    if text_fact(situation, "path", "given") != given or path is None:
        return None  # the path probe measured something else
    blocking = _blocking(situation)
    file_measured = nearest == (text_fact(situation, "path", "resolved") or path)
    unreadable = file_measured and situation.fact("path", "readable") is False
    if not unreadable and not blocking:
        return None  # measured readable now: not this cause (or no longer)
    owner_uid = situation.fact("path", "owner_uid")
    owner = who(owner_uid, situation.fact("path", "owner_name"))
    evidence = [f"pip could not open the requirements file {code(given)}: "
                f"[Errno {denied.errno}] {denied.strerror or 'Permission denied'}"]
    if unreadable:
        mode = text_fact(situation, "path", "mode_text") or "?"
        evidence.append(f"{code(path)} belongs to {owner}, mode {mode}; you may not read it")
    for item in blocking:
        evidence.append(
            f"{code(item.get('path'))} belongs to "
            f"{who(item.get('owner_uid'), item.get('owner_name'))}, mode "
            f"{_mode(item, True)}; you may not enter it (no search permission), so "
            "nothing below it can be opened")
    evidence.append(you(situation))
    fixes = _fixes_for(situation, given, path, unreadable, blocking, owner_uid)
    where = f"you may not read {code(given)}" if unreadable else (
        f"you may not enter {code(str(blocking[-1].get('path')))}")
    return Diagnosis(
        id=ID,
        title=f"pip cannot read your requirements file: {where}",
        confidence="high",
        evidence=evidence,
        fixes=fixes,
        links=(_links.PIP_REQUIREMENTS_FILES, _links.CHMOD_MANUAL),
        warnings=(
            "Do not run `sudo pip install -r` to get past this: it reads the file as root "
            "but also installs as root, into an environment you use as yourself.",
            "The file may be private on purpose (requirements files can hold an index "
            "URL with a password or token): ask its owner before you copy it or change "
            "its mode, and never make it readable by everyone.",
        ),
    )


def _fixes_for(
    situation: Situation, given: str, path: str, unreadable: bool,
    blocking: list[Mapping[str, Any]], owner_uid: Any,
) -> list[Fix]:
    me = euid(situation)
    name = text_fact(situation, "account", "name")
    python = _fixes.python_of(situation)
    same, _known = _fixes.rerun_args(situation, drop={})
    rerun = [python, "-m", "pip", *same]
    fixes: list[Fix] = []
    own_dirs = [str(i["path"]) for i in blocking if i.get("owner_uid") == me]
    if own_dirs and len(own_dirs) == len(blocking):
        fixes.append(Fix(
            summary="Give yourself back the right to enter your own "
            + ("directory" if len(own_dirs) == 1 else "directories")
            + f" {', '.join(own_dirs)}, and run your command again",
            commands=shell_commands(["chmod", "u+x", *own_dirs], rerun,
                                    shells=_fixes.POSIX_SHELLS),
            safety="safe",
        ))
    if unreadable and owner_uid == me:
        fixes.append(Fix(
            summary="The file is yours: give yourself back the right to read it, "
            "and run your command again",
            commands=shell_commands(["chmod", "u+r", path], rerun, shells=_fixes.POSIX_SHELLS),
            safety="safe",
        ))
    if fixes or name is None:
        return fixes
    parent = os.path.dirname(path)
    parent_item = next((i for i in situation.fact("path", "ancestors") or ()
                        if isinstance(i, Mapping) and i.get("path") == parent), None)
    if unreadable and not blocking and parent_item is not None and \
            parent_item.get("owner_uid") == me:
        fixes.append(Fix(
            summary=f"The file lies in your own directory {parent} but belongs to "
            f"{who(owner_uid, situation.fact('path', 'owner_name'))} (often an earlier "
            "`sudo` command left it): give it back to your account, then run your "
            "command again; this needs root, read it first",
            commands=shell_commands(["sudo", "chown", name, path], rerun,
                                    shells=_fixes.POSIX_SHELLS),
            safety="review",
        ))
    home = _fixes.own_directory(situation)
    if home is not None:
        copy = _fixes.join(situation, home, os.path.basename(path) or "requirements.txt")
        if copy == path:
            copy += ".copy"
        args = _replaced(same, given, copy)
        commands = [["sudo", "cp", path, copy], ["sudo", "chown", name, copy]]
        if args is not None:
            commands.append([python, "-m", "pip", *args])
        fixes.append(Fix(
            summary=("Or, with" if fixes else "With")
            + " its owner's consent, copy it as root to a file of your own "
            f"({copy}) and install from the copy"
            + ("" if args is not None else
               " (point the requirements file that names it at the copy)")
            + _fixes.directory_note(situation, copy) + "; this needs root, read it first",
            commands=shell_commands(*commands, shells=_fixes.POSIX_SHELLS),
            safety="review",
        ))
    return fixes


RULE = Rule(
    id=ID,
    check=check,
    description="a requirements or constraints file this account may not read",
    families=PERMISSION,
)
