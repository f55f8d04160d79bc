"""``read-only-filesystem``: the destination is on a read-only mount."""

from __future__ import annotations

from typing import Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Diagnosis, Fix, Rule, Situation
from pip_doctor._rules._common import code, error_line, text_fact
from pip_doctor._shells import shell_commands

ID = "read-only-filesystem"

WARN_CHMOD = (
    "Do not try `chmod` or `chown` here: permissions cannot make a read-only "
    "mount writable."
)


def _remount(situation: Situation, mount: str) -> Fix:
    argv = ["mount", "-o", "remount,rw", mount]
    if situation.fact("account", "is_root") is not True:
        argv = ["sudo", *argv]
    return Fix(
        summary=f"Only if {mount} is meant to be writable: remount it read-write "
        "(needs root; read it first)",
        commands=shell_commands(argv, shells=_fixes.POSIX_SHELLS),
        safety="review",
    )


def check(situation: Situation) -> Optional[Diagnosis]:
    """A read-only filesystem: EROFS (high), or a permission error on a path the
    mount table says is read-only (medium).
    """
    erofs = situation.error.family == "read-only"
    readonly = situation.fact("path", "readonly_mount") is True
    if not erofs and not readonly:
        return None
    nearest = text_fact(situation, "path", "nearest_existing")
    mount = text_fact(situation, "path", "mount_point")
    fs_type = text_fact(situation, "path", "fs_type")
    evidence = [error_line(situation)]
    if readonly and nearest and mount:
        kind = f" ({fs_type})" if fs_type else ""
        evidence.append(f"{code(nearest)} lies on {code(mount)}{kind}, which is mounted read-only")
    elif readonly and nearest:
        evidence.append(f"{code(nearest)} lies on a read-only mount")
    elif erofs:
        evidence.append("the kernel refused the write because the filesystem is read-only (EROFS)")
    home = text_fact(situation, "account", "home")
    fixes = []
    if not (mount and readonly and _fixes.is_within(home, mount)):
        fixes.append(_fixes.new_venv(situation, avoid=[mount if mount != "/" else None]))
    if mount and mount != "/":
        fixes.append(_remount(situation, mount))
    where = code(mount) if mount else code(nearest) if nearest else "the destination"
    return Diagnosis(
        id=ID,
        title=f"The filesystem at {where} is read-only",
        confidence="high" if erofs else "medium",
        evidence=evidence,
        fixes=fixes,
        links=(_links.VENV_GUIDE, _links.VENV_DOCS),
        warnings=(WARN_CHMOD, _fixes.WARN_SUDO_PIP),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="the destination is on a read-only mount",
    families=frozenset({"read-only", "permission"}),
)
