"""``file-in-use``: the file pip must replace or remove is held: EBUSY or
ETXTBSY on Linux (a running program, an NFS ``.nfsXXXX`` file kept by a
process that still has it open, a directory something is mounted on), a
sharing or lock violation on Windows (WinError 32/33).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Command, Diagnosis, Fix, Rule, Situation
from pip_doctor._rules._common import (
    WINERROR_ACCESS_DENIED,
    code,
    error_line,
    windows_place_notes,
)
from pip_doctor._shells import shell_commands

ID = "file-in-use"


def _holders(situation: Situation) -> list[Mapping[str, Any]]:
    return [h for h in situation.fact("in_use", "holders") or () if isinstance(h, Mapping)]


_HOW = {"fd": "has it open", "map": "has it loaded (running or mapped)",
        "cwd": "works in it", "restart-manager": "holds it (Windows Restart Manager)"}


#: Files Windows keeps locked while a program runs or has them loaded.
_LOADED = (".exe", ".pyd", ".dll")


def _running_file_denied(situation: Situation) -> bool:
    """Windows: WinError 5 on an ``.exe``, ``.pyd`` or ``.dll`` in a place this
    account may write (Windows' access check): a running program or a loaded
    module, not missing rights.
    """
    error = situation.error
    return (
        _fixes.is_windows(situation)
        and error.winerror == WINERROR_ACCESS_DENIED
        and (error.filename or "").lower().endswith(_LOADED)
        and situation.fact("path", "writable") is True
        and situation.fact("windows", "path_replaceable") is not False
    )


def _pip_own_file(names: list[str]) -> Optional[str]:
    """The name when it is pip's own launcher (``Scripts\\pip.exe``) or package."""
    for name in names:
        lowered = name.lower().replace("/", "\\")
        base = lowered.rsplit("\\", 1)[-1]
        if (base.startswith("pip") and base.endswith(".exe")) or "\\pip\\" in lowered \
                or "\\~ip" in lowered:
            return name
    return None


def _windows_fixes(situation: Situation, holders: list[Mapping[str, Any]],
                   names: list[str]) -> list[Fix]:
    fixes: list[Fix] = []
    if holders:
        pids = sorted({str(h.get("pid")) for h in holders})
        fixes.append(Fix(
            summary="Close the programs that hold the file (normally if you can: save your "
            "work first), then run your command again",
            commands=(
                Command(shell="powershell", text="Stop-Process -Id " + ",".join(pids)),
                Command(shell="cmd", text="taskkill " + " ".join(f"/PID {p}" for p in pids)),
            ),
            safety="review",
        ))
    own = _pip_own_file(names)
    if own is not None:
        python = _fixes.python_of(situation)
        fixes.append(Fix(
            summary="pip cannot replace the pip.exe it runs from: upgrade pip through "
            "Python instead (`py -m pip` works the same)",
            commands=shell_commands([python, "-m", "pip", "install", "--upgrade", "pip"],
                                    shells=_fixes.WINDOWS_SHELLS),
            safety="safe",
        ))
        fixes.append(Fix(
            summary="If pip is now half removed (`pip` fails, `~ip...` folders in "
            "site-packages): restore it, then delete those `~` folders",
            commands=shell_commands([python, "-m", "ensurepip", "--upgrade"],
                                    shells=_fixes.WINDOWS_SHELLS),
            safety="safe",
        ))
    return fixes


def _launcher_not_replaced(situation: Situation) -> Optional[str]:
    """Windows: pip's ``X.exe -> X.exe.deleteme`` rename failed (WinError 2): its
    script writer could not replace a launcher, most often one that is running.
    The launcher's name, or None.
    """
    for error in situation.error.errors:
        target = error.filename2 or ""
        if error.winerror == 2 and target.lower().endswith(".exe.deleteme"):
            return error.filename or target[: -len(".deleteme")]
    return None


def check(situation: Situation) -> Optional[Diagnosis]:
    running = situation.error.family == "permission" and _running_file_denied(situation)
    launcher = _launcher_not_replaced(situation) if _fixes.is_windows(situation) else None
    if situation.error.family != "in-use" and not running and launcher is None:
        return None
    running = running or launcher is not None
    holders = _holders(situation)
    mounts = [str(m) for m in situation.fact("in_use", "mount_points") or ()]
    measured = situation.fact("in_use", "measured") is True
    evidence = [error_line(situation)]
    for holder in holders:
        evidence.append(f"process {holder.get('pid')} ({holder.get('name')}) "
                        f"{_HOW.get(str(holder.get('how')), 'holds it')}")
    for mount in mounts:
        evidence.append(f"{code(mount)} is a mount point: a directory something is mounted "
                        "on cannot be moved or removed")
    names = [n for e in situation.error.errors for n in (e.filename, e.filename2) if n]
    if launcher is not None:
        evidence.append(f"pip could not move {code(launcher)} aside to replace it "
                        "(`.deleteme`): the launcher is running, or the write before this "
                        "error failed; that earlier error is the real one (`pip -v` shows it)")
    elif running:
        evidence.append("Windows refuses to replace a program or module while it runs or "
                        "is loaded, even where your account may write (as here)")
    if _fixes.is_windows(situation):
        if _pip_own_file(names):
            evidence.append("it is pip's own file: pip cannot replace what it runs from")
        evidence += windows_place_notes(situation)
    if any("/.nfs" in n for n in names):
        evidence.append("`.nfs...` files are NFS's stand-ins for files deleted while a "
                        "process still has them open")
    if not holders and not mounts:
        if measured:
            scope = ("all processes" if situation.fact("in_use", "all_processes")
                     else "your own processes")
            evidence.append(f"none of {scope} holds it now (it may have been released "
                            "since, or be held on another machine)")
        else:
            evidence.append("which process holds it was not measured")
    fixes: list[Fix] = []
    if _fixes.is_windows(situation):
        fixes += _windows_fixes(situation, holders, names)
    elif holders:
        pids = sorted({str(h.get("pid")) for h in holders})
        fixes.append(Fix(
            summary="Stop the programs that hold the file (close them normally if you can), "
            "then run your command again",
            commands=shell_commands(["kill", *pids], shells=_fixes.POSIX_SHELLS),
            safety="review",
        ))
    elif mounts:
        fixes.append(Fix(
            summary=f"Unmount {mounts[0]} (or leave it in place and do not remove or upgrade "
            "what is mounted there)",
            commands=shell_commands(["sudo", "umount", mounts[0]], shells=_fixes.POSIX_SHELLS),
            safety="review",
        ))
    elif names and not _fixes.is_windows(situation):
        fixes.append(Fix(
            summary="See which processes use the file, stop them, and run your command again",
            commands=shell_commands(["fuser", "-v", names[0]], shells=_fixes.POSIX_SHELLS),
            safety="safe",
        ))
    fixes.append(_fixes.pip_install(situation, _fixes.python_of(situation),
                                    "Then run your command again"))
    title = "The file pip must change is in use"
    if holders:
        title += f" by {holders[0].get('name')} (pid {holders[0].get('pid')})"
    elif mounts:
        title = f"{code(mounts[0])} is busy: something is mounted on it"
    return Diagnosis(
        id=ID,
        title=title,
        confidence="high" if (holders or mounts) and not running else "medium",
        evidence=evidence,
        fixes=fixes,
        links=(_links.WINDOWS_PYTHON,) if _fixes.is_windows(situation) else (
            _links.FUSER_MANUAL,),
        warnings=("Do not delete the file by force or reboot in the middle of an install: "
                  "stop what holds it, then let pip finish.",),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="the file is held by a running process (EBUSY/ETXTBSY; WinError 32/33)",
    families=frozenset({"in-use", "permission", "missing"}),
)
