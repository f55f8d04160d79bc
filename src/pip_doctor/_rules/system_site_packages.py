"""``system-site-packages``: installing into an interpreter's global
site-packages that this account cannot write, with no virtual environment.
"""

from __future__ import annotations

from typing import Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Confidence, Diagnosis, Fix, Link, Rule, Situation
from pip_doctor._rules._common import (
    PERMISSION,
    behind_wrong_environment,
    code,
    downgrade,
    error_line,
    euid,
    failing_place_line,
    install_options_used,
    permission_strength,
    text_fact,
    who,
)

ID = "system-site-packages"
NOT_GLOBAL = ("venv", "conda")


def other_pythons_root(situation: Situation) -> Optional[str]:
    """The prefix of another Python (not a venv) whose site-packages hold the
    failing path, when it is not the environment of the Python that runs the
    diagnosis (``pip-doctor diagnose`` about a ``uv pip`` failure); else None.
    """
    if (situation.fact("path", "environment_kind") == "system"
            and situation.fact("path", "in_this_environment") is False):
        return text_fact(situation, "path", "environment_root")
    return None


def check(situation: Situation) -> Optional[Diagnosis]:
    """A permission error in the site-packages of a non-venv interpreter that
    another account owns.
    """
    strength = permission_strength(situation)
    other = other_pythons_root(situation)
    root = other or text_fact(situation, "environment", "root")
    if (
        strength is None
        or _fixes.is_windows(situation)  # needs-admin: Windows' own account of this case
        or root is None
        or install_options_used(situation)
    ):
        return None
    if other is None:
        if (situation.fact("environment", "in_venv") is True
                or situation.fact("environment", "kind") in NOT_GLOBAL):
            return None
        env_root = text_fact(situation, "path", "environment_root")
        if env_root is None:
            if situation.fact("path", "source") != "scheme":
                return None  # the failing path lies in no environment, let alone this one
        elif not _fixes.is_within(env_root, root) and not _fixes.is_within(root, env_root):
            return None
    owner = situation.fact("path", "owner_uid")
    me = euid(situation)
    if isinstance(owner, int) and owner == me:
        return None
    writable = situation.fact("path", "writable")
    confidence: Confidence = strength if writable is False else downgrade(strength)
    confidence = behind_wrong_environment(situation, confidence)
    kind = "system" if other else text_fact(situation, "environment", "kind") or "unknown"
    evidence = [error_line(situation)]
    place = failing_place_line(situation)
    if place:
        evidence.append(place)
    if other:
        evidence.append(
            f"the path lies in the site-packages of the Python at {code(other)}, not in the "
            "environment of the Python that measured it "
            f"({code(text_fact(situation, 'environment', 'root'))})"
        )
    else:
        evidence.append(
            f"no virtual environment is active: pip runs the {kind} Python at {code(root)}"
        )
    marker = text_fact(situation, "environment", "externally_managed")
    if marker:
        evidence.append(
            f"{code(marker)} marks this Python as managed by the operating system (PEP 668)"
        )
    fixes: list[Fix] = [_fixes.new_venv(situation)]
    links: list[Link] = [_links.VENV_GUIDE, _links.INSTALLING_TUTORIAL, _links.VENV_DOCS]
    if _fixes.user_install_allowed(situation):
        fixes.append(_fixes.user_install(situation))
        links.append(_links.PIP_USER_INSTALLS)
    warnings = list(_fixes.permission_warnings(situation))
    if marker:
        warnings.append(_fixes.WARN_BREAK_SYSTEM_PACKAGES)
        links.append(_links.PEP_668)
    owner_text = who(owner, situation.fact("path", "owner_name"))
    return Diagnosis(
        id=ID,
        title=f"pip is installing into the {kind} Python at {code(root)}, "
        f"whose site-packages belong to {owner_text}",
        confidence=confidence,
        evidence=evidence,
        fixes=fixes,
        links=links,
        warnings=_fixes.with_conda_warning(situation, warnings),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="installing into a global site-packages this account cannot write",
    families=PERMISSION,
)
