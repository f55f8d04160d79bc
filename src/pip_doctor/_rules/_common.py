"""What the built-in rules share: reading the error and the facts, and
writing evidence lines that quote what was measured.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping
from typing import Any, Optional

from pip_doctor._fixes import is_within
from pip_doctor._fixes import text_fact as text_fact  # the rules read facts through it
from pip_doctor._model import Confidence, Situation, directory_options

#: Errors that mean "this account may not do that here".
PERMISSION_ERRNOS = frozenset({errno.EACCES, errno.EPERM})
#: Windows' ERROR_ACCESS_DENIED.
WINERROR_ACCESS_DENIED = 5
#: The families of the permission rules.
PERMISSION = frozenset({"permission"})
#: "Disk quota exceeded" (122 on Linux where the errno module lacks it).
EDQUOT: int = getattr(errno, "EDQUOT", 122)
#: Errors that mean "no space left" (blocks or inodes) or "quota exhausted".
SPACE_ERRNOS = frozenset({errno.ENOSPC, EDQUOT})


def code(path: Optional[str]) -> str:
    """A path or value as it is shown in evidence: in backticks."""
    return f"`{path}`"


def permission_strength(situation: Situation) -> Optional[Confidence]:
    """How strongly the error says "permission": ``high`` for EACCES, EPERM or
    WinError 5 (in the error or one behind it), ``medium`` for an error put in
    the permission family without one (``pip-doctor check``'s hypothetical
    failure), None for any other family. An error with no errno is no
    evidence of a permission problem: it may be a network error, or anything.
    """
    if situation.error.family != "permission":
        return None
    for error in situation.error.errors:
        if error.errno in PERMISSION_ERRNOS or error.winerror == WINERROR_ACCESS_DENIED:
            return "high"
    return "medium"


def error_line(situation: Situation) -> str:
    """One line quoting the error as pip saw it."""
    error = situation.error
    if error.winerror is not None:  # as Windows says it: the number that tells 5 from 32
        what = f"[WinError {error.winerror}] {error.strerror or ''}".rstrip()
        name = f" (errno {error.errno_name})" if error.errno_name else ""
    elif error.errno is not None:
        what = f"[Errno {error.errno}] {error.strerror or ''}".rstrip()
        name = f" ({error.errno_name})" if error.errno_name else ""
    else:
        what, name = error.message or error.type, ""
    where = f" on {code(error.filename)}" if error.filename else ""
    if error.filename2:
        where += f" -> {code(error.filename2)}"
    return f"pip failed with {error.type}: {what}{name}{where}"


def who(uid: Any, name: Any) -> str:
    """``alice (uid 1000)``, or whatever part of that is known."""
    if isinstance(name, str) and name and isinstance(uid, int):
        return f"{name} (uid {uid})"
    if isinstance(uid, int):
        return f"uid {uid}"
    if isinstance(name, str) and name:
        return name
    return "an unknown account"


def you(situation: Situation) -> str:
    """``you are alice (uid 1000)``."""
    return "you are " + who(situation.fact("account", "euid"), situation.fact("account", "name"))


def euid(situation: Situation) -> Optional[int]:
    value = situation.fact("account", "euid")
    return value if isinstance(value, int) else None


def owned_line(path: str, uid: Any, name: Any, situation: Situation) -> str:
    """``/opt/app/venv is owned by root (uid 0); you are alice (uid 1000)``."""
    return f"{code(path)} is owned by {who(uid, name)}; {you(situation)}"


def ancestor(situation: Situation, path: Optional[str]) -> Optional[Mapping[str, Any]]:
    """The ``path.ancestors`` entry for ``path``, when it was measured."""
    if not path:
        return None
    for item in situation.fact("path", "ancestors") or ():
        if isinstance(item, Mapping) and item.get("path") == path:
            return item
    return None


def failing_place_writable(situation: Situation) -> Optional[bool]:
    """``path.writable``: may this account write where the error happened."""
    value = situation.fact("path", "writable")
    return value if isinstance(value, bool) else None


def failing_place_line(situation: Situation) -> Optional[str]:
    """The owner and mode of the nearest existing directory of the failing path."""
    nearest = text_fact(situation, "path", "nearest_existing")
    if nearest is None:
        return None
    uid = situation.fact("path", "owner_uid")
    name = situation.fact("path", "owner_name")
    mode = text_fact(situation, "path", "mode_text") or text_fact(situation, "path", "mode")
    line = f"{code(nearest)} is owned by {who(uid, name)}"
    if mode:
        line += f", mode {mode}"
    writable = failing_place_writable(situation)
    if writable is False:
        line += ", and you may not write there"
    line += f"; {you(situation)}"
    return line


def in_base_python(situation: Situation, path: str) -> bool:
    """``path`` is a system Python's (under ``/usr``) or lies inside the base
    interpreter (the one a venv was made from, or the one running outside a
    venv, such as a pyenv build): never to be ``chown``-ed, whoever owns it.
    """
    base = text_fact(situation, "interpreter", "base_prefix")
    return is_within(path, "/usr") or (base not in (None, "/") and is_within(path, base))


def should_own(situation: Situation, path: str) -> bool:
    """The account should own ``path``: it lies in the account's home, or the
    directory holding it belongs to the account. Never a system Python's, nor
    anything inside the base interpreter (:func:`in_base_python`).
    """
    if in_base_python(situation, path):
        return False
    home = text_fact(situation, "account", "home")
    if home and home != "/" and is_within(path, home):
        return True
    parent = path.rstrip("/").rsplit("/", 1)[0] or "/"
    entry = ancestor(situation, parent)
    me = euid(situation)
    return entry is not None and me is not None and entry.get("owner_uid") == me


def install_options_used(situation: Situation) -> bool:
    """The failing command had ``--user``, ``--target``, ``--prefix`` or ``--root``."""
    options = situation.context.options
    return bool(options.user or directory_options(options))


def your_place(situation: Situation, root: str) -> str:
    """How to name ``root`` to its owner: the user site (``~/.local``) is not
    an environment of its own but one shared by every Python of a version.
    """
    base = text_fact(situation, "user_site", "base")
    if base is not None and (root == base or is_within(root, base)):
        return "your user site-packages"
    return "your environment"


def downgrade(confidence: Confidence) -> Confidence:
    return "medium" if confidence == "high" else "low"


def mismatch_source(situation: Situation) -> Optional[str]:
    """What says pip runs in the wrong environment: ``VIRTUAL_ENV``,
    ``CONDA_PREFIX`` (an activation), ``PATH`` (only the ``python3`` first on
    PATH), or None when nothing disagrees.
    """
    if not text_fact(situation, "environment", "mismatch"):
        return None
    source = text_fact(situation, "environment", "mismatch_source")
    if source is not None:
        return source
    if text_fact(situation, "environment", "virtual_env"):
        return "VIRTUAL_ENV"
    return "CONDA_PREFIX" if text_fact(situation, "environment", "conda_prefix") else "PATH"


def activated_elsewhere(situation: Situation) -> bool:
    """An activation variable (``VIRTUAL_ENV``, ``CONDA_PREFIX``) names another
    environment than pip's. PATH alone is weak evidence: a shell's PATH may
    list a venv's ``bin`` that nobody activated (``runuser``, ``sudo``, a
    script's PATH), so it does not count here.
    """
    return mismatch_source(situation) in ("VIRTUAL_ENV", "CONDA_PREFIX")


def behind_wrong_environment(situation: Situation, confidence: Confidence) -> Confidence:
    """One step less sure when pip runs in another environment than the one
    activated: ``wrong-environment`` is then the cause to look at first.
    """
    if activated_elsewhere(situation):
        return downgrade(confidence)
    return confidence


def reference(situation: Situation) -> Optional[str]:
    """The id of the pip error behind the failure (``externally-managed-environment``,
    ``uninstall-no-record-file``...), from the error or one behind it.
    """
    for error in situation.error.errors:
        if error.reference:
            return error.reference
    return None


def messages(situation: Situation) -> str:
    """The text of the error, of the errors behind it and pip's logged warnings:
    what rules search for pip's own words.
    """
    parts = [error.message for error in situation.error.errors]
    parts += list(situation.context.log)
    return "\n".join(parts)


#: pip's words when it cannot open a requirements or constraints file (a read,
#: not a write: no rule about writing applies).
REQUIREMENTS_FILE_MESSAGE = "Could not open requirements file"


def reading_requirements_file(situation: Situation) -> bool:
    """The failure is pip's "Could not open requirements file"."""
    return any(REQUIREMENTS_FILE_MESSAGE in (error.message or "")
               for error in situation.error.errors)


def mode_bits(text: Any) -> Optional[int]:
    """``"0o555"`` as a number, None when it is not one."""
    if not isinstance(text, str):
        return None
    try:
        return int(text, 8)
    except ValueError:
        return None


def windows_place_notes(situation: Situation) -> list[str]:
    """Evidence lines on where a Windows install happens, from the ``windows``
    facts: a OneDrive-synced folder, the Microsoft Store Python, and a
    ``python`` on PATH that is another interpreter or the Store's alias.
    """
    notes: list[str] = []
    onedrive = text_fact(situation, "windows", "onedrive")
    if onedrive:
        notes.append(f"it lies in OneDrive's synced folder {code(onedrive)}: OneDrive opens "
                     "files to sync them, and holds or replaces them while it does")
    store = text_fact(situation, "windows", "store_python")
    if store:
        notes.append(f"pip runs the Microsoft Store Python, whose packages live under "
                     f"{code(store)}")
    path_python = text_fact(situation, "windows", "path_python")
    if path_python and situation.fact("windows", "path_python_is_alias") is True:
        notes.append(f"`python` on PATH is {code(path_python)}, the Microsoft Store's "
                     "WindowsApps alias, not an installed Python")
    elif path_python and situation.fact("windows", "path_python_is_this") is False:
        notes.append(f"`python` on PATH is {code(path_python)}, another Python than the one "
                     "that ran pip; `py -0p` lists the installed ones")
    return notes
