"""Contoso's pip-doctor plugin: team environments, with Contoso's own advice
first, its explanation, and a copy of every report for the help desk.
"""

from __future__ import annotations

import errno
import os
import time
from typing import Optional

from pip_doctor import (
    Config,
    Diagnosis,
    Explanation,
    Fix,
    Link,
    Problem,
    Report,
    Rule,
    Situation,
    home_path,
    hookimpl,
    shell_commands,
)

GUIDE = "https://wiki.contoso.example/python#team-environments"
TEAM_ENV = "contoso/team-env"

#: Read by pip_doctor_configure from the environment pip-doctor runs with.
SETTINGS: dict[str, Optional[str]] = {"report_dir": None}


@hookimpl
def pip_doctor_configure(config: Config) -> Optional[list[Problem]]:
    report_dir = config.environ.get("CONTOSO_REPORT_DIR") or None
    SETTINGS["report_dir"] = report_dir
    if report_dir is not None and not os.path.isabs(report_dir):
        SETTINGS["report_dir"] = None
        message = f"CONTOSO_REPORT_DIR must be an absolute path, not {report_dir!r}"
        return [Problem(source="contoso", message=message)]
    return None


def team_environment(situation: Situation) -> Optional[Diagnosis]:
    """Permission denied in an environment another account owns."""
    if situation.error.errno not in (errno.EACCES, errno.EPERM):
        return None
    if situation.fact("account", "is_root") or situation.fact("path", "writable") is not False:
        return None
    owner, me = situation.fact("path", "owner_uid"), situation.fact("account", "euid")
    if owner is None or me is None or owner == me:
        return None
    return Diagnosis(
        id=TEAM_ENV,
        title="This environment belongs to another team: use one of your own",
        confidence="high",
        evidence=[f"{situation.fact('path', 'nearest_existing')} belongs to "
                  f"{situation.fact('path', 'owner_name')}; you are "
                  f"{situation.fact('account', 'name')}"],
        fixes=[Fix(summary="Make your own environment in your home directory",
                   commands=shell_commands(["python3", "-m", "venv", home_path(".venvs", "work")]),
                   safety="safe")],
        links=[Link(title="Python at Contoso: team environments", url=GUIDE)],
    )


@hookimpl(tryfirst=True)
def pip_doctor_rules() -> list[Rule]:
    return [Rule(id=TEAM_ENV, check=team_environment, description="team environments")]


@hookimpl
def pip_doctor_explanations() -> list[Explanation]:
    return [Explanation(
        id=TEAM_ENV,
        title="an environment that belongs to another team",
        what="Contoso's build teams share environments that only their service "
             "account may change.",
        fix="Make an environment of your own (python3 -m venv ~/.venvs/work) and "
            "install there.",
        links=[Link(title="Python at Contoso: team environments", url=GUIDE)],
    )]


@hookimpl
def pip_doctor_report_paths(report: Report) -> list[str]:
    report_dir = SETTINGS["report_dir"]
    if report_dir is None:
        return []
    return [os.path.join(report_dir, "pip-failures", str(os.getuid()),
                         f"{time.time_ns()}.json")]
