"""``cache-dir-not-writable``: pip's cache directory, or a part of it, belongs
to another account (a ``sudo pip`` without ``-H``). pip then warns and
disables the cache, or a build fails when it stores its wheel there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Confidence, Diagnosis, Fix, Rule, Situation
from pip_doctor._rules._common import (
    code,
    error_line,
    euid,
    messages,
    reference,
    text_fact,
    who,
)

ID = "cache-dir-not-writable"

#: The start of pip's own warning (every pip since 20.0).
PIP_WARNING = "or its parent directory is not owned or is not writable by the current user"
#: The reference pip-doctor's capture gives that warning.
WARNING_REFERENCE = "cache-dir-disabled"


def _foreign(situation: Situation) -> list[Mapping[str, Any]]:
    items = situation.fact("cache", "foreign") or []
    return [item for item in items if isinstance(item, Mapping)]


def _cache_root_foreign(situation: Situation) -> bool:
    me = euid(situation)
    uid = situation.fact("cache", "owner_uid")
    return isinstance(uid, int) and me is not None and uid != me


def check(situation: Situation) -> Optional[Diagnosis]:
    """The cache (or a part of it) measured as another account's, and either
    pip's warning, or a failure inside the cache.
    """
    directory = text_fact(situation, "cache", "dir")
    if directory is None or situation.fact("cache", "disabled"):
        return None
    foreign = _foreign(situation)
    root_foreign = _cache_root_foreign(situation)
    not_writable = situation.fact("cache", "writable") is False
    if not (foreign or root_foreign or not_writable):
        return None
    text = messages(situation)
    only_warned = situation.context.failure == "warning" or situation.error.type == "PipWarning"
    warned = PIP_WARNING in text or reference(situation) == WARNING_REFERENCE or only_warned
    failing = text_fact(situation, "path", "resolved") or text_fact(situation, "path", "absolute")
    errors = "\n".join(error.message for error in situation.error.errors)
    inside = not only_warned and (bool(failing and _fixes.is_within(failing, directory)) or (
        directory in errors and PIP_WARNING not in errors))
    confidence: Confidence
    if inside and situation.error.family in ("permission", "other"):
        confidence = "high"
    elif warned:
        confidence = "low"  # pip went on without its cache: a note
    else:
        return None
    evidence = [error_line(situation)] if inside else []
    if warned:
        evidence.append("pip warned that the cache directory is not owned or not writable "
                        "by you, and disabled its cache")
    nearest = text_fact(situation, "cache", "nearest_existing") or directory
    if root_foreign or not_writable:
        evidence.append(
            f"{code(nearest)} belongs to "
            f"{who(situation.fact('cache', 'owner_uid'), situation.fact('cache', 'owner_name'))}"
            + ("; you may not write there" if not_writable else ""))
    for item in foreign:
        evidence.append(f"{code(item.get('path'))} belongs to "
                        f"{who(item.get('owner_uid'), item.get('owner_name'))}")
    count = situation.fact("cache", "foreign_count")
    if isinstance(count, int) and count > len(foreign):
        evidence.append(f"{count} entries of the cache belong to other accounts in all")
    fixes: list[Fix] = []
    home = text_fact(situation, "account", "home")
    own = bool(home and _fixes.is_within(directory, home))
    chown_fix = _fixes.reclaim(situation, directory) if own else None
    if chown_fix is not None:
        fixes.append(chown_fix)
    fixes.append(_fixes.without_cache(situation, "Or run your command without the cache"))
    title = (f"pip's cache {code(directory)} belongs partly to another account"
             if not root_foreign else
             f"pip's cache {code(directory)} belongs to another account")
    if warned and not inside:  # one line after pip's (pip went on): the why
        owner = who(situation.fact("cache", "owner_uid"), situation.fact("cache", "owner_name"))
        title = f"pip went on without its cache: {code(nearest)} belongs to {owner}"
        if not root_foreign:
            title = (f"pip went on without its cache: you may not write to {code(nearest)}"
                     if not_writable else
                     f"pip went on without its cache: parts of {code(directory)} belong to "
                     "another account")
    return Diagnosis(
        id=ID,
        title=title,
        confidence=confidence,
        evidence=evidence,
        fixes=fixes,
        links=(_links.PIP_CACHING,),
        warnings=(
            "Change the owner of your own cache only (under your home): never of "
            "another account's or the system's files.",
            "Use `sudo -H` if you must run pip with sudo, so that root's cache is root's "
            "and not yours.",
        ),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="pip's cache (or a part of it) belongs to another account",
    families=frozenset({"permission", "other"}),
)
