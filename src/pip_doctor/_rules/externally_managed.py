"""``externally-managed``: PEP 668. The interpreter belongs to the operating
system, which marked it ``EXTERNALLY-MANAGED``; pip refuses to install into it
(``error: externally-managed-environment``, pip 23.0+). Most people who meet
it had made a virtual environment: pip ran for another Python.
"""

from __future__ import annotations

from typing import Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Diagnosis, Fix, Rule, Situation
from pip_doctor._rules._common import code, reference, text_fact
from pip_doctor._shells import shell_commands

ID = "externally-managed"
REFERENCE = "externally-managed-environment"


def _is_pep_668(situation: Situation) -> bool:
    return reference(situation) == REFERENCE or any(
        error.type == "ExternallyManagedEnvironment" for error in situation.error.errors)


def check(situation: Situation) -> Optional[Diagnosis]:
    if not _is_pep_668(situation):
        return None
    python = _fixes.python_of(situation)
    marker = text_fact(situation, "environment", "externally_managed")
    evidence = [f"pip runs for {code(python)}, which the operating system manages"
                + (f" (marker {code(marker)})" if marker else "")]
    virtual_env = text_fact(situation, "environment", "virtual_env")
    mismatch = text_fact(situation, "environment", "mismatch")
    path_prefix = text_fact(situation, "environment", "path_python_prefix")
    pip_root = text_fact(situation, "environment", "root")
    meant: Optional[str] = None
    if virtual_env and virtual_env != pip_root:
        meant = virtual_env
        evidence.append(f"a virtual environment is active ({code(virtual_env)}), but the "
                        f"`pip` you ran is not its own: it belongs to {code(python)}")
    elif path_prefix and path_prefix != pip_root:
        meant = path_prefix
        evidence.append(f"`python3` on your PATH is in {code(path_prefix)}, but pip ran for "
                        f"{code(python)}")
    elif mismatch:
        evidence.append(mismatch)
    else:
        evidence.append("no virtual environment is active")
    fixes: list[Fix] = []
    if meant:
        fixes.append(_fixes.pip_install(
            situation, _fixes.env_python(situation, meant),
            f"Run pip with the Python of the environment you made, {meant}"))
    else:
        fixes.append(_fixes.new_venv(situation))
    reqs = [r for r in situation.context.requirements if r and not r.startswith("-")]
    if situation.context.command == "install" and len(reqs) == 1:
        fixes.append(Fix(
            summary=f"If {reqs[0]} is an application you run (a command), let pipx give it "
            "an environment of its own",
            commands=shell_commands(["pipx", "install", reqs[0]]),
            safety="safe",
        ))
    if marker and marker.startswith("/usr/lib/python3"):
        fixes.append(Fix(
            summary="Or install the operating system's package of it (Debian and Ubuntu "
            "name them python3-NAME)",
            commands=shell_commands(["apt", "search", "python3-" + (reqs[0] if reqs else "NAME")],
                                    shells=_fixes.POSIX_SHELLS),
            safety="safe",
        ))
    return Diagnosis(
        id=ID,
        title="This Python is managed by the operating system (PEP 668): use a virtual "
        "environment" + (", the one you made" if meant else ""),
        confidence="high",
        evidence=evidence,
        fixes=fixes,
        links=(_links.PEP_668, _links.EXTERNALLY_MANAGED_SPEC, _links.PIPX),
        warnings=(_fixes.WARN_BREAK_SYSTEM_PACKAGES, _fixes.WARN_SUDO_PIP),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="PEP 668: the interpreter is managed by the OS; often a venv that was not used",
    families=frozenset({"other"}),
)
