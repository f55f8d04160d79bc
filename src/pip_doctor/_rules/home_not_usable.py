"""``home-not-usable``: the account has no usable home (containers): a uid
with no entry in the account database, ``HOME`` unset or ``/``. pip then
writes its cache and ``--user`` installs to ``/.cache`` and ``/.local``, or
to a literal ``~`` directory.
"""

from __future__ import annotations

from typing import Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Diagnosis, Fix, Rule, Situation
from pip_doctor._rules._common import code, error_line, euid, text_fact
from pip_doctor._shells import shell_commands

ID = "home-not-usable"


def _problem(situation: Situation) -> Optional[str]:
    home_env = situation.fact("account", "home_env")
    in_passwd = situation.fact("account", "in_passwd")
    uid = euid(situation)
    if home_env is None and in_passwd is False:
        return f"uid {uid} has no entry in the account database and HOME is not set"
    if home_env is None:
        return "HOME is not set"
    if home_env in ("/", ""):
        return f"HOME is {code(home_env or '(empty)')}"
    if situation.fact("account", "home_writable") is False and in_passwd is False:
        return f"uid {uid} has no entry in the account database and HOME ({code(home_env)}) " \
               "is not a directory you own"
    return None


def _writes_in_home(situation: Situation) -> bool:
    """The failing path is where a missing home sends pip: ``/.local``,
    ``/.cache``, or a relative ``~/...``.
    """
    for error in situation.error.errors:
        for name in (error.filename, error.filename2):
            if not name:
                continue
            if name.startswith(("~", "/.local", "/.cache", "/.config")):
                return True
    base = text_fact(situation, "user_site", "base")
    failing = text_fact(situation, "path", "absolute")
    return bool(situation.context.options.user and base and failing
                and _fixes.is_within(failing, base) and not base.startswith("/home"))


def check(situation: Situation) -> Optional[Diagnosis]:
    problem = _problem(situation)
    if problem is None or not _writes_in_home(situation):
        return None
    uid = euid(situation)
    evidence = [error_line(situation), problem]
    base = text_fact(situation, "user_site", "base")
    if base:
        evidence.append(f"so Python's user base is {code(base)} and pip's cache "
                        f"{code(text_fact(situation, 'cache', 'dir') or '?')}")
    args, _known = _fixes.rerun_args(situation, drop={})
    home = "/tmp/home" if uid != 0 else "/root"
    python = _fixes.python_of(situation)
    fixes = [
        Fix(
            summary=f"Give this uid a home it owns for the command: a directory such as "
            f"{home}, with HOME, PIP_CACHE_DIR and PYTHONUSERBASE pointing into it",
            commands=shell_commands(
                ["mkdir", "-p", home],
                ["env", f"HOME={home}", f"PIP_CACHE_DIR={home}/.cache/pip",
                 f"PYTHONUSERBASE={home}/.local", python, "-m", "pip", *args],
                shells=_fixes.POSIX_SHELLS,
            ),
            safety="safe",
        ),
        _fixes.new_venv(situation, directory="/tmp/venv" if uid != 0 else None),
        Fix(
            summary="In a container image: install at build time (a RUN line, as the "
            "account that owns the environment), or set HOME and the uid in the image "
            "(ENV HOME=..., USER ...)",
            commands=(),
            safety="review",
        ),
    ]
    return Diagnosis(
        id=ID,
        title="No usable home directory: pip writes to "
        + (code(base) if base else "the root directory"),
        confidence="high" if situation.error.family == "permission" else "medium",
        evidence=evidence,
        fixes=fixes,
        links=(_links.PYTHON_ENV_VARS, _links.PIP_CACHING),
        warnings=("Do not make / writable, or run the container as root to get around it: "
                  "give the runtime account a home or an environment it owns.",),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="no usable home: a uid without a passwd entry, HOME unset or /",
    families=frozenset({"permission", "missing", "read-only", "other"}),
)
