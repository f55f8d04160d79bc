"""``disk-full``: no space, inodes or quota left where pip writes, and WHICH
of the places pip writes to is the full one: its temporary (build)
directory, its cache, or the destination. Each is measured on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Optional

import attrs

from pip_doctor import _fixes, _links
from pip_doctor._fs import human_bytes
from pip_doctor._model import Confidence, Diagnosis, Fix, Rule, Situation
from pip_doctor._rules._common import EDQUOT, code, error_line, text_fact
from pip_doctor._shells import shell_commands

ID = "disk-full"

#: Less free space than this counts as full (pip's writes are rarely smaller).
FULL_BELOW = 1024 * 1024
#: pip's directories inside the temporary directory: unpacking and building.
BUILD_PREFIXES = ("pip-install-", "pip-req-build-", "pip-build-env-", "pip-wheel-",
                  "pip-ephem-wheel-cache-", "pip-unpack-", "pip-modern-metadata-",
                  "pip-metadata-", "pip-target-", "pip-download-")

WARN_DELETE_IN_ENV = (
    "Do not make room by deleting files inside site-packages by hand: pip's record "
    "of what is installed would no longer match what is there."
)


@attrs.frozen(kw_only=True)
class Place:
    """One place pip writes to, with the space measured on its filesystem."""

    role: str  # "temp" | "cache" | "destination"
    path: str
    mount_point: Optional[str]
    fs_type: Optional[str]
    free_bytes: Optional[int]
    free_inodes: Optional[int]

    @property
    def full(self) -> bool:
        return (isinstance(self.free_bytes, int) and self.free_bytes < FULL_BELOW) or (
            self.free_inodes == 0)

    @property
    def measured(self) -> bool:
        return isinstance(self.free_bytes, int)

    def name(self) -> str:
        return {"temp": "the temporary directory", "cache": "pip's cache",
                "destination": "the destination"}[self.role]

    def describe(self) -> str:
        where = f"{code(self.path)}"
        if self.mount_point:
            kind = f", {self.fs_type}" if self.fs_type else ""
            where += f" (filesystem {code(self.mount_point)}{kind})"
        if not self.measured:
            return f"{self.name()} {where}: free space not measured"
        space = f"{human_bytes(self.free_bytes or 0)} free"
        if self.free_inodes == 0:
            space += ", no free inodes"
        return f"{self.name()} {where}: {space}" + (" — full" if self.full else "")


def _int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def places(situation: Situation) -> list[Place]:
    """The temporary directory, the cache and the destination, as measured."""
    found: list[Place] = []
    temp = text_fact(situation, "temp", "used")
    if temp:
        found.append(Place(role="temp", path=temp,
                           mount_point=text_fact(situation, "temp", "mount_point"),
                           fs_type=text_fact(situation, "temp", "fs_type"),
                           free_bytes=_int(situation.fact("temp", "free_bytes")),
                           free_inodes=_int(situation.fact("temp", "free_inodes"))))
    cache = text_fact(situation, "cache", "dir")
    if cache and not situation.fact("cache", "disabled"):
        found.append(Place(role="cache", path=cache,
                           mount_point=text_fact(situation, "cache", "mount_point"),
                           fs_type=text_fact(situation, "cache", "fs_type"),
                           free_bytes=_int(situation.fact("cache", "free_bytes")),
                           free_inodes=_int(situation.fact("cache", "free_inodes"))))
    failing = _failing_path(situation)
    destination = text_fact(situation, "scheme", "target") or text_fact(
        situation, "scheme", "purelib")
    if failing and role_of(situation, failing) == "destination":
        destination = text_fact(situation, "path", "nearest_existing") or failing
        found.append(_path_place(situation, "destination", destination))
    elif destination:
        found.append(_destination_place(situation, destination))
    return found


def _failing_path(situation: Situation) -> Optional[str]:
    if situation.fact("path", "source") in ("filename", "filename2"):
        return text_fact(situation, "path", "resolved") or text_fact(situation, "path", "absolute")
    return None


def _path_place(situation: Situation, role: str, path: str) -> Place:
    return Place(role=role, path=path,
                 mount_point=text_fact(situation, "path", "mount_point"),
                 fs_type=text_fact(situation, "path", "fs_type"),
                 free_bytes=_int(situation.fact("path", "free_bytes")),
                 free_inodes=_int(situation.fact("path", "free_inodes")))


def _destination_place(situation: Situation, path: str) -> Place:
    if situation.fact("path", "source") == "scheme":  # the path probe measured it
        return _path_place(situation, "destination", path)
    for item in situation.fact("destinations", "items") or ():
        if isinstance(item, dict) and item.get("path") == path:
            return Place(role="destination", path=path, mount_point=None, fs_type=None,
                         free_bytes=_int(item.get("free_bytes")), free_inodes=None)
    if situation.fact("path", "source") == "scheme":
        return _path_place(situation, "destination", path)
    return Place(role="destination", path=path, mount_point=None, fs_type=None,
                 free_bytes=None, free_inodes=None)


def role_of(situation: Situation, path: str) -> str:
    """Which place ``path`` lies in: ``temp`` (pip's build directories too),
    ``cache`` or ``destination``.
    """
    temp = text_fact(situation, "temp", "used")
    cache = text_fact(situation, "cache", "dir")
    if cache and _fixes.is_within(path, cache):
        return "cache"
    if temp and _fixes.is_within(path, temp):
        return "temp"
    return "destination"


def _in_build_dir(situation: Situation, path: Optional[str]) -> bool:
    temp = text_fact(situation, "temp", "used")
    if not path or not temp or not _fixes.is_within(path, temp):
        return False
    first = path[len(temp):].lstrip("/\\").split("/", 1)[0]
    return first.startswith(BUILD_PREFIXES)


def _temp_fixes(situation: Situation, full: Optional[Place]) -> Iterator[Fix]:
    fix = _fixes.own_tmpdir(
        situation,
        f"Let pip unpack and build in {{tmp}} instead of the full {full.path}" if full
        else "If the temporary directory is the full one, let pip build in {tmp}",
    )
    if fix is not None:
        yield fix


def _cache_fixes(situation: Situation) -> Iterator[Fix]:
    yield _purge(situation)
    yield _fixes.without_cache(situation, "Or run your command without pip's cache")


def _purge(situation: Situation) -> Fix:
    return Fix(
        summary="Empty pip's own cache (downloaded and built packages)",
        commands=shell_commands([_fixes.python_of(situation), "-m", "pip", "cache", "purge"]),
        safety="safe",
    )


def _destination_fixes(situation: Situation, full: Place) -> Iterator[Fix]:
    home = text_fact(situation, "account", "home")
    mount = full.mount_point
    if mount and mount != "/" and home and not _fixes.is_within(home, mount):
        yield _fixes.new_venv(situation, avoid=[mount])
    where = mount or full.path
    yield Fix(
        summary=f"See what fills {where}, then delete what you no longer need",
        commands=shell_commands(["du", "-xh", "--max-depth=1", where],
                                shells=_fixes.POSIX_SHELLS),
        safety="review",
    )


def check(situation: Situation) -> Optional[Diagnosis]:
    """ENOSPC/EDQUOT (high), or an unclassified error where a place pip writes
    to was measured full (medium).
    """
    measured = places(situation)
    full = [place for place in measured if place.full]
    confidence: Confidence
    if situation.error.family == "space":
        confidence = "high"
    elif full:
        confidence = "medium"
    else:
        return None
    failing = _failing_path(situation)
    blamed: Optional[Place] = None
    if failing:
        role = role_of(situation, failing)
        blamed = next((p for p in measured if p.role == role), None)
    if blamed is None or (not blamed.full and full):
        blamed = full[0] if full else blamed
    if not failing and blamed is not None and not blamed.full:
        blamed = None  # no file named and nothing measured full: do not guess
    evidence = [error_line(situation)]
    number = situation.error.errno
    if number == EDQUOT:
        evidence.append("EDQUOT: your disk quota on this filesystem is used up")
    if failing and blamed is not None and _in_build_dir(situation, failing):
        evidence.append(f"{code(failing)} is in pip's build directory, inside "
                        f"the temporary directory {code(blamed.path)}")
    seen: set[Optional[str]] = set()
    for place in measured:
        evidence.append(place.describe() if place.mount_point not in seen or not place.mount_point
                        else f"{place.name()} {code(place.path)}: on the same filesystem")
        seen.add(place.mount_point)
    variable, value = (text_fact(situation, "temp", "variable"),
                       text_fact(situation, "temp", "value"))
    if situation.fact("temp", "fell_back") and variable and value:
        evidence.append(f"{variable} says {code(value)}, but Python uses "
                        f"{code(text_fact(situation, 'temp', 'used'))}: {value} is not usable")
    fixes: list[Fix] = []
    if blamed is None:
        title = "No space left on a filesystem pip writes to"
        some = any(place.measured for place in measured)
        evidence.append("the error names no file, and " + (
            "none of the places pip writes to that were measured is full" if some
            else "the free space of the places pip writes to was not measured"))
        fixes.append(Fix(
            summary="See which filesystem is full",
            commands=shell_commands(["df", "-h"], ["df", "-hi"], shells=_fixes.POSIX_SHELLS),
            safety="safe",
        ))
        temp = next((p for p in measured if p.role == "temp"), None)
        if temp is None or not temp.measured:
            fixes += _temp_fixes(situation, None)
    else:
        what = "Your disk quota" if number == EDQUOT else "No space left"
        where = code(blamed.mount_point or blamed.path)
        title = (f"{what} on {where}: {blamed.name()}" if blamed.full or failing
                 else f"{what} on a filesystem pip writes to (none of the places "
                 "measured is full)")
        if not blamed.full and not failing:
            fixes.append(Fix(
                summary="See which filesystem is full",
                commands=shell_commands(["df", "-h"], ["df", "-hi"],
                                        shells=_fixes.POSIX_SHELLS),
                safety="safe",
            ))
        home = text_fact(situation, "account", "home")
        mount = blamed.mount_point
        if (blamed.role == "destination" and mount and mount != "/" and home
                and not _fixes.is_within(home, mount)):
            evidence.append(f"your home {code(home)} is not on {code(mount)}")
        if blamed.role == "temp":
            fixes += _temp_fixes(situation, blamed)
        elif blamed.role == "cache":
            fixes += _cache_fixes(situation)
        else:
            fixes += _destination_fixes(situation, blamed)
    if not any("cache" in fix.summary for fix in fixes):
        fixes.append(_purge(situation))
    return Diagnosis(
        id=ID,
        title=title,
        confidence=confidence,
        evidence=evidence,
        fixes=fixes,
        links=(_links.VENV_GUIDE, _links.PIP_CACHING),
        warnings=(WARN_DELETE_IN_ENV,),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="no space or quota left where pip writes, and on which of its places",
    families=frozenset({"space", "other"}),
)
