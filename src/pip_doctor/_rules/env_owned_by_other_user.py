"""``env-owned-by-other-user``: the venv or conda env belongs to another account."""

from __future__ import annotations

from typing import Any, Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Diagnosis, Rule, Situation
from pip_doctor._rules._common import (
    PERMISSION,
    ancestor,
    behind_wrong_environment,
    code,
    downgrade,
    error_line,
    euid,
    failing_place_line,
    install_options_used,
    owned_line,
    permission_strength,
    should_own,
    text_fact,
    who,
)

ID = "env-owned-by-other-user"
ENV_KINDS = ("venv", "conda")


def environment_owner(situation: Situation, root: str) -> tuple[Any, Any]:
    """``(uid, name)`` of the environment's directory, from the path's ancestors
    or, failing that, the ownership scan.
    """
    entry = ancestor(situation, root)
    if entry is not None and isinstance(entry.get("owner_uid"), int):
        return entry.get("owner_uid"), entry.get("owner_name")
    if situation.fact("foreign_files", "root") == root:
        return (situation.fact("foreign_files", "root_owner_uid"),
                situation.fact("foreign_files", "root_owner_name"))
    return None, None


def environment_root(situation: Situation) -> Optional[str]:
    """The venv or conda environment pip writes into, when that is where it failed."""
    kind = situation.fact("path", "environment_kind") or situation.fact("environment", "kind")
    if kind not in ENV_KINDS or install_options_used(situation):
        return None
    root = text_fact(situation, "path", "environment_root")
    if root is None or root == text_fact(situation, "user_site", "base"):
        return None
    return root


def check(situation: Situation) -> Optional[Diagnosis]:
    """The environment's directory is owned by an account other than this one."""
    strength = permission_strength(situation)
    root = environment_root(situation)
    me = euid(situation)
    if strength is None or root is None or me is None:
        return None
    uid, name = environment_owner(situation, root)
    if not isinstance(uid, int) or uid == me:
        return None
    confidence = strength if situation.fact("path", "writable") is False else downgrade(strength)
    confidence = behind_wrong_environment(situation, confidence)
    evidence = [error_line(situation), owned_line(root, uid, name, situation)]
    place = failing_place_line(situation)
    if place and text_fact(situation, "path", "nearest_existing") != root:
        evidence.append(place)
    fixes = _fixes.reclaim_or_new_venv(situation, root, take_back=should_own(situation, root))
    return Diagnosis(
        id=ID,
        title=f"The environment {code(root)} belongs to {who(uid, name)}, not to you",
        confidence=confidence,
        evidence=evidence,
        fixes=fixes,
        links=(_links.VENV_GUIDE, _links.VENV_DOCS),
        warnings=_fixes.with_conda_warning(situation, _fixes.permission_warnings(situation)),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="the environment (venv, conda env) belongs to another account",
    families=PERMISSION,
)
