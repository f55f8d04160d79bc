"""``path-too-long``: on Windows, a path longer than MAX_PATH (260) while long
paths are off, or a name part over 255 characters (a limit even with them on).

pip's own hint only guesses from the length of the name. Here the evidence is
measured: ``LongPathsEnabled`` read from the registry, the path's length and
its longest part, a long ``%TEMP%`` (pip unpacks and builds there), and the
Microsoft Store Python's long ``...\\LocalCache\\local-packages`` prefix.
"""

from __future__ import annotations

import ntpath
from typing import Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Command, Diagnosis, Fix, Rule, Situation
from pip_doctor._rules._common import code, error_line, text_fact
from pip_doctor._shells import command_line

ID = "path-too-long"
MAX_PATH = 260
MAX_COMPONENT = 255
LONG_PATHS_KEY = r"HKLM\SYSTEM\CurrentControlSet\Control\FileSystem"
#: A ``%TEMP%`` longer than this leaves little room for pip's build directories.
LONG_TEMP = 60

WARN_REGISTRY = (
    "Do not edit other registry values or install \"long path\" tools to get round "
    "this: the one documented switch is LongPathsEnabled, and Python honours it."
)


def enable_long_paths() -> Fix:
    """Turn on Windows' long-path support (administrators only)."""
    return Fix(
        summary="Enable long paths for every program on this machine (needs an elevated "
        "shell; takes effect for programs started afterwards)",
        commands=(
            Command(shell="powershell",
                    text="New-ItemProperty -Path 'HKLM:\\SYSTEM\\CurrentControlSet\\Control"
                    "\\FileSystem' -Name LongPathsEnabled -Value 1 -PropertyType DWORD -Force"),
            Command(shell="cmd",
                    text=f"reg add {LONG_PATHS_KEY} /v LongPathsEnabled /t REG_DWORD /d 1 /f"),
        ),
        safety="review",
    )


def short_temp(situation: Situation) -> Fix:
    """A short ``TEMP`` for this shell, then the command again."""
    home = text_fact(situation, "account", "home") or "C:\\"
    short = ntpath.join(ntpath.splitdrive(home)[0] or "C:", "\\t")
    reqs, _known = _fixes.requirements(situation)
    python = _fixes.python_of(situation)
    install = [python, "-m", "pip", "install", *reqs]
    return Fix(
        summary=f"Use a short temporary directory ({short}) for this shell, then run "
        "your command again",
        commands=(
            Command(shell="powershell", text=f"New-Item -ItemType Directory -Force {short}"),
            Command(shell="powershell", text=f"$env:TEMP = '{short}'; $env:TMP = '{short}'"),
            Command(shell="powershell", text=command_line(install, "powershell")),
            Command(shell="cmd", text=f"mkdir {short}"),
            Command(shell="cmd", text=f"set TEMP={short}& set TMP={short}"),
            Command(shell="cmd", text=command_line(install, "cmd")),
        ),
        safety="safe",
    )


def check(situation: Situation) -> Optional[Diagnosis]:
    if not _fixes.is_windows(situation) or situation.error.family not in ("name", "missing"):
        return None
    length = situation.fact("windows", "path_length")
    component = situation.fact("windows", "longest_component_length")
    enabled = situation.fact("windows", "long_paths_enabled")
    length = length if isinstance(length, int) else None
    component = component if isinstance(component, int) else None
    too_long = length is not None and length >= MAX_PATH and enabled is not True
    part_too_long = component is not None and component > MAX_COMPONENT
    if not (too_long or part_too_long):
        return None
    path = text_fact(situation, "windows", "path")
    evidence = [error_line(situation)]
    if length is not None:
        evidence.append(f"the path is {length} characters long; without long-path support "
                        f"Windows allows {MAX_PATH - 1}")
    if enabled is False:
        evidence.append(f"long paths are off: {LONG_PATHS_KEY}\\LongPathsEnabled is 0 "
                        "or not set")
    elif enabled is None:
        evidence.append("whether long paths are on was not measured")
    else:
        evidence.append("long paths are on (LongPathsEnabled is 1)")
    if part_too_long:
        name = text_fact(situation, "windows", "longest_component") or ""
        shown = code(name[:40] + "...")
        evidence.append(f"one part of it is {component} characters long ({shown}); "
                        f"no part may be longer than {MAX_COMPONENT}, long paths or not")
    temp = text_fact(situation, "windows", "temp")
    temp_length = situation.fact("windows", "temp_length")
    in_temp = bool(temp and path and _fixes.is_within(path, temp))
    if in_temp and isinstance(temp_length, int):
        evidence.append(f"it lies in %TEMP% ({code(temp)}, {temp_length} characters), "
                        "where pip unpacks and builds packages")
    store = text_fact(situation, "windows", "store_python")
    if store and path and _fixes.is_within(path, store):
        evidence.append(f"the Microsoft Store Python keeps packages under {code(store)}, "
                        "a long prefix before any package's own path")
    fixes: list[Fix] = []
    if too_long:
        fixes.append(enable_long_paths())
    if in_temp or (isinstance(temp_length, int) and temp_length > LONG_TEMP):
        fixes.append(short_temp(situation))
    drive = ntpath.splitdrive(text_fact(situation, "account", "home") or "C:")[0] or "C:"
    fixes.append(_fixes.new_venv(situation, directory=f"{drive}\\venvs\\env"))
    return Diagnosis(
        id=ID,
        title="A path is too long for Windows" + (" (long paths are off)" if enabled is False
                                                   else ""),
        confidence="high" if (too_long and enabled is False) or part_too_long else "medium",
        evidence=evidence,
        fixes=fixes,
        links=(_links.WINDOWS_LONG_PATHS, _links.WINDOWS_PYTHON),
        warnings=(WARN_REGISTRY,),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="Windows: a path over MAX_PATH without long paths, or a part over 255",
    families=frozenset({"name", "missing"}),
)
