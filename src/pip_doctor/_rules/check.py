"""The rules of ``pip-doctor check``: what stands in the way of an install that
has not run yet.

A preflight has no error. The engine runs the same probes as for a failure
(the ``path`` probe, with no file named, measures where the install would
write), then this pass of check rules over the facts. Each rule returns
:class:`Finding` records: a problem (``check`` exits 1) or a note, the paths
concerned, the cause id that ``pip-doctor explain`` knows for it, and fixes
where the facts say which one works.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, Optional

import attrs

from pip_doctor import _fixes
from pip_doctor._fs import human_bytes
from pip_doctor._model import JSON, Command, Fix, Shell, Situation, directory_options
from pip_doctor._rules._common import euid, should_own
from pip_doctor._shells import command_line

Severity = Literal["problem", "note"]

#: Less free space than this on a destination is a problem.
LOW_SPACE_BYTES = 32 * 1024 * 1024


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _fix_tuple(value: Iterable[Fix]) -> tuple[Fix, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Finding:
    """One thing the preflight found, with the paths it concerns."""

    kind: str
    severity: Severity
    message: str
    paths: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    #: The cause id that explains it (``pip-doctor explain ID``), or None.
    cause: Optional[str] = None
    fixes: tuple[Fix, ...] = attrs.field(default=(), converter=_fix_tuple)

    def to_dict(self) -> dict[str, JSON]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "paths": list(self.paths),
            "cause": self.cause,
            "fixes": [fix.to_dict() for fix in self.fixes],
        }


#: A check rule: the facts of a preflight -> findings.
CheckRule = Callable[[Situation], Iterator[Finding]]


def account_name(situation: Situation) -> str:
    name = situation.fact("account", "name")
    return str(name) if name else "this account"


def destination_state(item: Mapping[str, Any]) -> str:
    """``read-only``, ``not-writable``, ``writable`` or ``not-measured``."""
    if item.get("readonly_mount"):
        return "read-only"
    writable = item.get("writable")
    if writable is None:
        return "not-measured"
    return "writable" if writable else "not-writable"


def destinations(situation: Situation) -> list[Mapping[str, Any]]:
    items = situation.fact("destinations", "items") or []
    return [item for item in items if isinstance(item, Mapping)]


def not_writable_cause(situation: Situation) -> Optional[str]:
    """The cause id of a destination this account cannot write."""
    options = situation.context.options
    if options.user or directory_options(options):
        return "install-target-not-writable"
    kind = situation.fact("environment", "kind")
    if kind in ("venv", "conda"):
        root = _fixes.text_fact(situation, "environment", "root")
        owner = situation.fact("foreign_files", "root_owner_uid")
        me = euid(situation)
        if root and isinstance(owner, int) and me is not None and owner != me:
            return "env-owned-by-other-user"
        return None
    return "system-site-packages"


def not_writable_fixes(situation: Situation) -> tuple[Fix, ...]:
    """A virtual environment of the account's own, when no option chose the place."""
    options = situation.context.options
    if options.user or directory_options(options):
        return ()
    root = _fixes.text_fact(situation, "environment", "root")
    return (_fixes.new_venv(situation, avoid=[root]),)


def check_destinations(situation: Situation) -> Iterator[Finding]:
    """Each place the install writes to: read-only, not writable, unknown, nearly full."""
    items = situation.fact("destinations", "items")
    if not isinstance(items, list):
        yield Finding(kind="not-measured", severity="problem",
                      message="Could not measure where pip would install (see the problems "
                      "below).")
        return
    who = account_name(situation)
    fixes_given = False
    for item in destinations(situation):
        path = str(item.get("path"))
        role = item.get("role")
        nearest = item.get("nearest_existing") or path
        where = path if nearest == path else f"{path} (nearest existing: {nearest})"
        state = destination_state(item)
        if state == "read-only":
            yield Finding(kind="read-only", severity="problem",
                          message=f"{role}: {where} is on a read-only filesystem.",
                          paths=(path,), cause="read-only-filesystem")
        elif state == "not-writable":
            owner = item.get("owner_name") or item.get("owner_uid")
            fixes = () if fixes_given else not_writable_fixes(situation)
            fixes_given = fixes_given or bool(fixes)
            yield Finding(kind="not-writable", severity="problem",
                          message=f"{role}: {who} cannot write {where}, which belongs to "
                          f"{owner}.", paths=(path,), cause=not_writable_cause(situation),
                          fixes=fixes)
        elif state == "not-measured":
            yield Finding(kind="not-measured", severity="problem",
                          message=f"{role}: could not tell whether {where} is writable.",
                          paths=(path,))
        free = item.get("free_bytes")
        if isinstance(free, int) and free < LOW_SPACE_BYTES:
            yield Finding(kind="low-space", severity="problem",
                          message=f"{role}: only {human_bytes(free)} free on the filesystem "
                          f"of {nearest}.", paths=(path,), cause="disk-full")


def check_foreign_files(situation: Situation) -> Iterator[Finding]:
    """Files inside the environment that belong to another account."""
    get = situation.fact
    skipped = get("foreign_files", "skipped")
    where = get("foreign_files", "root") or "the environment"
    if skipped and not os.path.lexists(where):
        return  # nothing there yet: pip will create it
    if skipped:
        yield Finding(kind="foreign-files", severity="note",
                      message=f"Files inside {where} were not checked for other owners "
                      f"({skipped}).")
        return
    count = get("foreign_files", "count")
    if not count:
        stopped = get("foreign_files", "stopped")
        if stopped:
            yield Finding(kind="scan-incomplete", severity="note",
                          message=f"The ownership scan stopped early ({stopped}); it found "
                          "nothing foreign in the part it covered.")
        return
    owners = get("foreign_files", "owners") or []
    owner_text = ", ".join(
        f"{o.get('name') or o.get('uid')}: {o.get('count')}" for o in owners
        if isinstance(o, Mapping)
    )
    examples = tuple(str(e.get("path")) for e in get("foreign_files", "examples") or []
                     if isinstance(e, Mapping))
    at_least = "" if get("foreign_files", "complete") else "at least "
    root = str(get("foreign_files", "root"))
    if get("account", "is_root"):
        yield Finding(kind="foreign-files", severity="note",
                      message=f"{at_least}{count} entries in {root} belong to other accounts "
                      f"({owner_text}); root can write them, their owners cannot replace "
                      "what root installs.", paths=examples)
        return
    reclaim = _fixes.reclaim(situation, root) if should_own(situation, root) else None
    yield Finding(kind="foreign-files", severity="problem",
                  message=f"{at_least}{count} entries in {root} belong to other accounts "
                  f"({owner_text}): pip cannot upgrade or remove the packages they belong "
                  "to (an earlier `sudo pip install`?).", paths=examples,
                  cause="foreign-owned-files", fixes=(reclaim,) if reclaim else ())


def removal_commands(paths: Sequence[str], shell: Shell) -> list[str]:
    """Commands that delete ``paths`` (files or directories) in ``shell``."""
    if not paths:
        return []
    if shell in ("posix", "fish"):
        return [command_line(["rm", "-rf", "--", *paths], shell)]
    if shell == "powershell":
        return [command_line(["Remove-Item", "-Recurse", "-Force", "-LiteralPath", p], shell)
                for p in paths]
    return [command_line(["rmdir", "/s", "/q", p], shell) for p in paths]


def removal_fix(paths: Sequence[str]) -> Fix:
    shells: tuple[Shell, ...] = ("posix", "fish", "powershell", "cmd")
    return Fix(summary="Delete them when no pip is running",
               commands=tuple(Command(shell=s, text=t) for s in shells
                              for t in removal_commands(paths, s)),
               safety="review")


def check_leftovers(situation: Situation) -> Iterator[Finding]:
    """``~name`` directories left by interrupted installs."""
    items = situation.fact("leftovers", "items") or []
    site = situation.fact("leftovers", "site_packages")
    if not items or not site:
        return
    paths = tuple(os.path.join(str(site), str(name)) for name in items)
    yield Finding(kind="leftovers", severity="problem",
                  message=f"{len(items)} leftover(s) of interrupted installs in {site} "
                  f"({', '.join(str(i) for i in items)}): pip warns about them on every run.",
                  paths=paths, cause="leftover-stash", fixes=(removal_fix(paths),))


def check_user_site(situation: Situation) -> Iterator[Finding]:
    if situation.context.options.user and situation.fact("user_site", "allowed") is False:
        yield Finding(kind="user-not-allowed", severity="problem",
                      message="pip will refuse --user here: this virtual environment does "
                      "not see the per-user site-packages. Install without --user.")


def check_environment(situation: Situation) -> Iterator[Finding]:
    """The activated environment is not this one; a PEP 668 marker refuses pip."""
    mismatch = situation.fact("environment", "mismatch")
    if mismatch:
        weak = situation.fact("environment", "mismatch_source") == "PATH"
        yield Finding(kind="wrong-environment", severity="note" if weak else "problem",
                      message=f"Wrong environment: {mismatch}.", cause="wrong-environment")
    marker = situation.fact("environment", "externally_managed")
    if marker and not directory_options(situation.context.options):
        yield Finding(kind="externally-managed", severity="problem",
                      message="pip will refuse to install here: this Python is managed by the "
                      f"system (PEP 668 marker {marker}). Use a virtual environment.",
                      paths=(str(marker),), cause="externally-managed",
                      fixes=(_fixes.new_venv(situation),))


#: The check pass, in the order its findings are shown.
CHECK_RULES: tuple[tuple[str, CheckRule], ...] = (
    ("destinations", check_destinations),
    ("foreign-files", check_foreign_files),
    ("leftovers", check_leftovers),
    ("user-site", check_user_site),
    ("environment", check_environment),
)
