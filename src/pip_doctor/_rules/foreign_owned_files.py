"""``foreign-owned-files``: in an environment this account owns, some files
belong to another account (usually left by an earlier ``sudo pip``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Confidence, Diagnosis, Rule, Situation
from pip_doctor._rules._common import (
    PERMISSION,
    ancestor,
    behind_wrong_environment,
    code,
    downgrade,
    error_line,
    euid,
    failing_place_line,
    in_base_python,
    permission_strength,
    text_fact,
    who,
    your_place,
)

ID = "foreign-owned-files"


def _root_and_owner(situation: Situation) -> tuple[Optional[str], Any]:
    root = text_fact(situation, "foreign_files", "root")
    if root is not None:
        return root, situation.fact("foreign_files", "root_owner_uid")
    root = text_fact(situation, "path", "environment_root")
    entry = ancestor(situation, root)
    return root, entry.get("owner_uid") if entry is not None else None


def _scan_lines(situation: Situation, root: str, shown: Optional[str]) -> list[str]:
    """What the ownership scan found; ``shown`` is a path already quoted."""
    count = situation.fact("foreign_files", "count")
    if not isinstance(count, int) or count <= 0:
        return []
    owners = [
        f"{who(o.get('uid'), o.get('name'))}: {o.get('count')}"
        for o in situation.fact("foreign_files", "owners") or ()
        if isinstance(o, Mapping)
    ]
    lines = [f"{count} entries in {code(root)} belong to other accounts"
             + (f" ({', '.join(owners)})" if owners else "")]
    for example in list(situation.fact("foreign_files", "examples") or ())[:3]:
        if isinstance(example, Mapping) and example.get("path") != shown:
            lines.append(
                f"for example {code(example.get('path'))} is owned by "
                f"{who(example.get('owner_uid'), example.get('owner_name'))}"
            )
    stopped = situation.fact("foreign_files", "stopped")
    if stopped:
        scanned = situation.fact("foreign_files", "scanned")
        lines.append(
            f"the scan stopped early ({stopped}) after {scanned} entries; there may be more"
        )
    return lines


def check(situation: Situation) -> Optional[Diagnosis]:
    """The environment is this account's, but the failing path (high) or other
    entries found by the scan (medium) belong to someone else.
    """
    strength = permission_strength(situation)
    me = euid(situation)
    root, root_owner = _root_and_owner(situation)
    if strength is None or me is None or root is None or root_owner != me:
        return None
    nearest = text_fact(situation, "path", "nearest_existing")
    failing_owner = situation.fact("path", "owner_uid")
    failing_foreign = (
        isinstance(failing_owner, int) and failing_owner != me and _fixes.is_within(nearest, root)
    )
    scan = _scan_lines(situation, root, nearest if failing_foreign else None)
    if not failing_foreign and not scan:
        return None
    confidence: Confidence = strength if failing_foreign else downgrade(strength)
    confidence = behind_wrong_environment(situation, confidence)
    evidence = [
        error_line(situation),
        f"{code(root)} is owned by you, {who(me, situation.fact('account', 'name'))}",
    ]
    place = failing_place_line(situation)
    if failing_foreign and place:
        evidence.append(place)
    evidence += scan
    # The account owns ``root`` already: give the rest back, unless it is a
    # base or system Python's.
    take_back = not in_base_python(situation, root)
    fixes = _fixes.reclaim_or_new_venv(situation, root, take_back=take_back)
    return Diagnosis(
        id=ID,
        title=f"Files inside {your_place(situation, root)} {code(root)} belong to another "
        "account",
        confidence=confidence,
        evidence=evidence,
        fixes=fixes,
        links=(_links.VENV_GUIDE, _links.PIP_USER_INSTALLS),
        warnings=_fixes.with_conda_warning(situation, (
            _fixes.WARN_SUDO_PIP + " An earlier `sudo pip` is the usual source of such files.",
            _fixes.WARN_CHMOD_777,
        )),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="files in an environment this account owns belong to another account",
    families=PERMISSION,
)
