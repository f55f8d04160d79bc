"""``source-tree-not-writable``: the build backend could not write into the
local project it builds (``pip install PROJECT``, ``pip install -e
PROJECT``): a checkout that belongs to root or another account.

pip shows the backend's output (``error: could not create
'src/x.egg-info': Permission denied``) and fails with
"subprocess-exited-with-error" (pip 22.1 to 25.x), "Failed to build
'file:///x' when getting requirements to build wheel" (26.x) or "Command
errored out with exit status 1" (before 22.1). The rule fires only when the
``source_tree`` probe found the denied write in that output, inside one of
the command's project directories, and measured that place not writable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Optional

from pip_doctor import _fixes, _fs, _links
from pip_doctor._model import Diagnosis, Fix, Rule, Situation
from pip_doctor._rules._common import code, euid, text_fact, who, you
from pip_doctor._shells import shell_commands

ID = "source-tree-not-writable"


def _place(situation: Situation, key: str) -> Mapping[str, Any]:
    value = situation.fact("source_tree", key)
    return value if isinstance(value, Mapping) else {}


def _replaced(args: list[str], project: str, copy: str) -> Optional[list[str]]:
    """The command with the project directory (as the user wrote it) replaced
    by ``copy``; None when no argument names it.
    """
    out = list(args)
    found = False
    for index, arg in enumerate(out):
        value = arg.split("=", 1)[1] if arg.startswith("--editable=") else arg
        if value.startswith("-") or not value:
            continue
        if os.path.normpath(_fs.absolute(value)) == project:
            out[index] = arg[: len(arg) - len(value)] + copy
            found = True
    return out if found else None


def check(situation: Situation) -> Optional[Diagnosis]:
    """A write the backend was denied inside the project, and the place it
    tried measured not writable for this account.
    """
    project = text_fact(situation, "source_tree", "project")
    tried = text_fact(situation, "source_tree", "tried")
    line = text_fact(situation, "source_tree", "denied_line")
    place = _place(situation, "tried_place")
    me = euid(situation)
    if project is None or tried is None or line is None or me is None:
        return None
    if place.get("writable") is not False:
        return None  # measured writable (or not measured): not this cause
    nearest = str(place.get("nearest_existing") or project)
    project_place = _place(situation, "project_place")
    project_owner = who(project_place.get("owner_uid"), project_place.get("owner_name"))
    evidence = [
        f"the build backend could not write into the project: {code(line)}",
        f"it tried to create {code(tried)} in the project {code(project)}",
        f"{code(nearest)} belongs to {who(place.get('owner_uid'), place.get('owner_name'))}, "
        f"mode {place.get('mode_text') or '?'}; you may not write there",
    ]
    if nearest != project:
        evidence.append(f"the project {code(project)} belongs to {project_owner}")
    evidence.append(you(situation))
    return Diagnosis(
        id=ID,
        title=f"The build could not write into the project {code(project)}: "
        f"it belongs to {project_owner}",
        confidence="high",
        evidence=evidence,
        fixes=_fixes_for(situation, project, project_place.get("owner_uid") == me),
        links=(_links.PIP_LOCAL_PROJECTS,),
        warnings=(
            "pip's `--user` does not help here: the build failed writing into the "
            "project directory, not where packages are installed.",
            "Do not run `sudo pip install` on the project: the build files it leaves "
            "belong to root, and it installs as root, into an environment you use "
            "as yourself.",
            _fixes.WARN_CHMOD_777.replace("the environment", "the project"),
        ),
    )


def _fixes_for(situation: Situation, project: str, yours: bool) -> list[Fix]:
    python = _fixes.python_of(situation)
    same, _known = _fixes.rerun_args(situation, drop={})
    fixes: list[Fix] = []
    name = text_fact(situation, "account", "name")
    home = _fixes.own_directory(situation)
    in_home = bool(home and _fixes.is_within(project, home))
    if in_home and not yours and name is not None:
        fixes.append(Fix(
            summary=f"The project lies in your home but belongs to another account "
            f"(often a `sudo git clone` or an earlier `sudo pip`): give it back to your "
            f"account ({name}), then run your command again; this needs root, read it first",
            commands=shell_commands(["sudo", "chown", "-R", name, project],
                                    [python, "-m", "pip", *same], shells=_fixes.POSIX_SHELLS),
            safety="review",
        ))
    if home is not None:
        copy = _fixes.join(situation, home, os.path.basename(project.rstrip("/")) or "project")
        if _fixes.is_within(copy, project) or _fixes.is_within(project, copy):
            copy += "-copy"
        args = _replaced(same, project, copy)
        editable = situation.context.pip_options.get("editables")
        commands = [["cp", "-R", project, copy]]
        if args is not None:
            commands.append([python, "-m", "pip", *args])
        note = (" (an editable install then runs from the copy)" if editable else "")
        fixes.append(Fix(
            summary=("Or build" if fixes else "Build") + f" from a copy you own, {copy}{note}"
            + _fixes.directory_note(situation, copy)
            + ("" if args is not None else ", and install that copy instead"),
            commands=shell_commands(*commands, shells=_fixes.POSIX_SHELLS),
            safety="safe",
        ))
    return fixes


RULE = Rule(
    id=ID,
    check=check,
    description="the build backend could not write into the local project it builds",
    families=frozenset({"other", "permission"}),
)
