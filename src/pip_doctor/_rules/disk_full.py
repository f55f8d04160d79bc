"""``disk-full``: no space, inodes or quota left where pip writes."""

from __future__ import annotations

from typing import Optional

from pip_doctor import _fixes, _links
from pip_doctor._fs import human_bytes
from pip_doctor._model import Confidence, Diagnosis, Fix, Rule, Situation
from pip_doctor._rules._common import EDQUOT, code, error_line, text_fact
from pip_doctor._shells import shell_commands

ID = "disk-full"

WARN_DELETE_IN_ENV = (
    "Do not make room by deleting files inside site-packages by hand: pip's record "
    "of what is installed would no longer match what is there."
)


def _space_lines(situation: Situation, place: str) -> list[str]:
    lines = []
    free = situation.fact("path", "free_bytes")
    total = situation.fact("path", "total_bytes")
    if isinstance(free, int):
        of = f" of {human_bytes(total)}" if isinstance(total, int) else ""
        lines.append(f"{place} has {human_bytes(free)} free{of} for you")
    if situation.fact("path", "free_inodes") == 0:
        lines.append(f"{place} has no free inodes left (no new files can be made)")
    return lines


def _measured_full(situation: Situation) -> bool:
    return 0 in (situation.fact("path", "free_bytes"), situation.fact("path", "free_inodes"))


def _elsewhere_fixes(situation: Situation) -> list[Fix]:
    """When the full filesystem is not the measured one: find it, and build
    somewhere else in case it is the temporary directory.
    """
    home = _fixes.own_directory(situation)
    fixes = [Fix(
        summary="See which filesystem is full",
        commands=shell_commands(["df", "-h"], ["df", "-hi"], shells=_fixes.POSIX_SHELLS),
        safety="safe",
    )]
    if home:
        tmp = _fixes.join(situation, home, "tmp")
        reqs, known = _fixes.requirements(situation)
        fixes.append(Fix(
            summary=f"If the temporary directory is the full one, let pip build in {tmp}"
            + _fixes.directory_note(situation, tmp)
            + ("" if known else f" (write what you were installing in place of "
                                f"{_fixes.PLACEHOLDER})"),
            commands=shell_commands(
                ["mkdir", "-p", tmp],
                ["env", f"TMPDIR={tmp}", _fixes.python_of(situation), "-m", "pip", "install",
                 *reqs],
                shells=_fixes.POSIX_SHELLS,
            ),
            safety="safe",
        ))
    return fixes


def check(situation: Situation) -> Optional[Diagnosis]:
    """ENOSPC/EDQUOT (high), or an unclassified error where no free space was
    measured (medium).
    """
    number = situation.error.errno
    confidence: Confidence
    if situation.error.family == "space":
        confidence = "high"
    elif _measured_full(situation):
        confidence = "medium"
    else:
        return None
    mount = text_fact(situation, "path", "mount_point")
    fs_type = text_fact(situation, "path", "fs_type")
    nearest = text_fact(situation, "path", "nearest_existing")
    place = (
        f"the filesystem at {code(mount)}" + (f" ({fs_type})" if fs_type else "")
        if mount
        else code(nearest) if nearest else "the destination"
    )
    evidence = [error_line(situation)]
    if number == EDQUOT:
        evidence.append("EDQUOT: your disk quota on this filesystem is used up")
    evidence += _space_lines(situation, place)
    named = situation.fact("path", "source") in ("filename", "filename2")
    home = text_fact(situation, "account", "home")
    fixes: list[Fix] = []
    if named or number == EDQUOT or _measured_full(situation):
        title = (
            f"Your disk quota on {place} is used up" if number == EDQUOT
            else f"No space left on {place}"
        )
        if mount and mount != "/" and home and not _fixes.is_within(home, mount):
            evidence.append(f"your home {code(home)} is not on {code(mount)}")
            fixes.append(_fixes.new_venv(situation, avoid=[mount]))
        if mount or nearest:
            where = mount or nearest or ""
            fixes.append(Fix(
                summary=f"See what fills {where}, then delete what you no longer need",
                commands=shell_commands(["du", "-xh", "--max-depth=1", where],
                                        shells=_fixes.POSIX_SHELLS),
                safety="review",
            ))
    else:
        title = "No space left on a filesystem pip writes to"
        measured = isinstance(situation.fact("path", "free_bytes"), int)
        evidence.append(
            f"the error names no file, and {place}, where pip installs, is not full"
            if measured
            else f"the error names no file, and the free space of {place}, where pip "
            "installs, was not measured"
        )
        fixes += _elsewhere_fixes(situation)
    fixes.append(Fix(
        summary="Empty pip's own cache (downloaded and built packages)",
        commands=shell_commands([_fixes.python_of(situation), "-m", "pip", "cache", "purge"]),
        safety="safe",
    ))
    return Diagnosis(
        id=ID,
        title=title,
        confidence=confidence,
        evidence=evidence,
        fixes=fixes,
        links=(_links.VENV_GUIDE,),
        warnings=(WARN_DELETE_IN_ENV,),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="no space or quota left where pip writes",
    families=frozenset({"space", "other"}),
)
