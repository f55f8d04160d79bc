"""``leftover-stash``: ``~name`` directories that an interrupted or failed
uninstall or upgrade left in site-packages (pip then warns "Ignoring invalid
distribution ~..."), or the failing path is one of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Confidence, Diagnosis, Fix, Rule, Situation
from pip_doctor._rules._common import code, error_line, euid, messages, text_fact, who
from pip_doctor._shells import shell_commands

ID = "leftover-stash"

#: pip's warnings about a stash (older and newer wording).
PIP_WARNINGS = ("Ignoring invalid distribution ~", "Ignoring incompletely removed distribution ~")


def _details(situation: Situation) -> list[Mapping[str, Any]]:
    return [d for d in situation.fact("leftovers", "details") or () if isinstance(d, Mapping)]


def _failing_in_stash(situation: Situation, details: list[Mapping[str, Any]]) -> bool:
    """The error names a path inside a stash (a bare ``RECORD`` counts where the
    path probe located it there).
    """
    names = [n for e in situation.error.errors for n in (e.filename, e.filename2) if n]
    names += [n for n in (text_fact(situation, "path", "located"),
                          text_fact(situation, "path", "resolved")) if n]
    return any(_fixes.is_within(name, str(d.get("path"))) for name in names for d in details)


def check(situation: Situation) -> Optional[Diagnosis]:
    details = _details(situation)
    if not details:
        return None
    warned = any(w in messages(situation) for w in PIP_WARNINGS)
    failing = _failing_in_stash(situation, details)
    me = euid(situation)
    foreign = any(d.get("owner_uid") != me for d in details)
    confidence: Confidence
    if failing and not foreign:
        confidence = "high" if situation.error.family in ("permission", "other") else "medium"
    elif failing:
        confidence = "medium"  # another account's files: foreign-owned-files is the cause
    elif foreign and situation.error.family == "permission":
        confidence = "medium"  # pip could move them aside but not delete them
    elif warned:
        confidence = "low"
    else:
        return None
    evidence = [error_line(situation)] if failing else []
    if warned:
        evidence.append("pip warned about a half-removed distribution (`~` name)")
    removable: list[str] = []
    others: list[str] = []
    for item in details:
        path = str(item.get("path"))
        real = item.get("real")
        owner = who(item.get("owner_uid"), item.get("owner_name"))
        line = f"{code(path)} (owner {owner})"
        line += (f": the stash of {code(real)}, which is installed beside it" if real
                 else ": no installed package matches it")
        evidence.append(line)
        if real:
            (removable if item.get("owner_uid") == me else others).append(path)
    fixes: list[Fix] = []
    if removable:
        fixes.append(Fix(
            summary="Remove the leftovers whose package is installed beside them (they are "
            "pip's copies of an old version)",
            commands=shell_commands(["rm", "-rf", "--", *removable], shells=_fixes.POSIX_SHELLS),
            safety="review",
        ))
    if others:
        fixes.append(Fix(
            summary="These belong to another account (an earlier `sudo pip`): remove them as "
            "root, after reading the list",
            commands=shell_commands(["sudo", "rm", "-rf", "--", *others],
                                    shells=_fixes.POSIX_SHELLS),
            safety="review",
        ))
    fixes.append(_fixes.pip_install(situation, _fixes.python_of(situation),
                                    "Then run your command again"))
    return Diagnosis(
        id=ID,
        title="Leftovers of an interrupted uninstall or upgrade (`~` directories) in "
        + code(situation.fact("leftovers", "site_packages") or "site-packages"),
        confidence=confidence,
        evidence=evidence,
        fixes=fixes,
        links=(_links.PIP_UNINSTALL,),
        warnings=("Remove only `~` directories whose real package is installed: a `~` "
                  "directory without one may be the only copy left of that package; "
                  "reinstall it instead.",),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="`~name` directories left by an interrupted uninstall or upgrade",
    families=frozenset({"permission", "other", "missing", "in-use", "cross-device"}),
)
