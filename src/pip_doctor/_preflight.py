"""``pip-doctor check``: would a ``pip install`` work here, before running one?

The preflight runs the same probes and rules as a real failure, on a
synthetic situation: an ``OSError`` of the permission family with no errno
and no file name, so the
``path`` probe measures the purelib directory of the install the options
describe. From the facts it lists what is already wrong (:class:`Finding`):
destinations this account cannot write, a read-only or nearly full
filesystem, files inside the environment that belong to another account,
``~`` leftovers of interrupted installs, a mismatch between the activated
environment and this interpreter, and a PEP 668 marker that makes pip refuse.
Any rule's diagnosis (with its fixes) is shown as well.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal, Optional

import attrs

from pip_doctor import _engine, _manager, _redact
from pip_doctor._fs import human_bytes
from pip_doctor._model import (
    JSON,
    ErrorInfo,
    InstallContext,
    InstallOptions,
    Report,
    Shell,
    directory_options,
)
from pip_doctor._pip_compat import pip_version
from pip_doctor._probes import foreign_files
from pip_doctor._render_json import json_safe
from pip_doctor._render_text import (
    Pen,
    make_pen,
    printable,
    render_text,
    unbreakable,
)
from pip_doctor._shells import command_line
from pip_doctor._version import __version__

Severity = Literal["problem", "note"]

#: Less free space than this on a destination is a problem.
LOW_SPACE_BYTES = 32 * 1024 * 1024

#: When the diagnosis's bounded ownership scan ran out of time, the preflight
#: scans again for up to this long (seconds) and this many findings.
DEEP_SCAN_SECONDS = 10.0
DEEP_SCAN_LIMIT = 1000

#: The message of the synthetic error the preflight diagnoses.
PREFLIGHT_MESSAGE = "pip-doctor check: preflight of an install, nothing has failed"


@attrs.frozen
class Finding:
    """One thing the preflight found, with the paths it concerns."""

    kind: str
    severity: Severity
    message: str
    paths: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, JSON]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "paths": list(self.paths),
        }


@attrs.frozen
class Preflight:
    """The outcome of ``pip-doctor check``: the report and what it found."""

    report: Report
    findings: tuple[Finding, ...]

    @property
    def problems(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "problem")

    @property
    def clear(self) -> bool:
        """Nothing stands in the way: no problem found, no cause diagnosed."""
        return not self.problems and not self.report.diagnoses

    @property
    def destinations(self) -> list[Mapping[str, Any]]:
        items = self.report.facts.get_fact("destinations", "items") or []
        return [item for item in items if isinstance(item, Mapping)]

    def to_dict(self) -> dict[str, JSON]:
        """JSON data: the verdict, the findings, and the full report (schema 1)."""
        data: dict[str, JSON] = {
            "schema_version": 1,
            "tool": {"name": "pip-doctor", "version": __version__},
            "clear": self.clear,
            "options": self.report.context.options.to_dict(),
            "destinations": [dict(item) for item in self.destinations],
            "findings": [f.to_dict() for f in self.findings],
            "report": self.report.to_dict(),
        }
        return json_safe(data)  # type: ignore[no-any-return]


def preflight(options: InstallOptions, *, verbose: bool = False) -> Preflight:
    """Probe and diagnose the install ``options`` describe, for this interpreter."""
    context = InstallContext(
        command="install", options=options, pip_version=pip_version(), verbose=verbose
    )
    # A write that would fail for want of permission: the family the rules
    # of a check serve, with no errno (nothing failed yet).
    error = ErrorInfo(type="OSError", message=PREFLIGHT_MESSAGE, family="permission")
    report, secrets = _engine.diagnose_unredacted(error, context, _manager.get_manager())
    report = _without_the_synthetic_error(_redact.redact_report(report, secrets))
    report = _scan_deeper(report, secrets)
    return Preflight(report=report, findings=tuple(findings(report)))


def _without_the_synthetic_error(report: Report) -> Report:
    """The report without evidence lines that quote the preflight's made-up error."""
    return attrs.evolve(report, diagnoses=tuple(
        attrs.evolve(d, evidence=tuple(e for e in d.evidence if PREFLIGHT_MESSAGE not in e))
        for d in report.diagnoses
    ))


def _scan_deeper(report: Report, secrets: Sequence[_redact.Pair]) -> Report:
    """The report with a complete ownership scan where the quick one ran out of time.

    A failing pip must answer in well under a second; a preflight may take
    longer to look at every file of a large environment. What the scan finds
    is redacted with the diagnosis's ``secrets``, like the rest of the report.
    """
    get = report.facts.get_fact
    root = get("foreign_files", "root")
    if get("foreign_files", "stopped") != "time" or not isinstance(root, str):
        return report
    first = get("path", "nearest_existing")
    deep = foreign_files.scan(
        root, first if isinstance(first, str) else root,
        budget=DEEP_SCAN_SECONDS, limit=DEEP_SCAN_LIMIT,
    )
    deep = _redact.redact_value(deep, secrets)
    return attrs.evolve(report, facts=report.facts.with_section("foreign_files", deep))


# ------------------------------------------------------------------ findings


def findings(report: Report) -> Iterator[Finding]:
    """What the facts of ``report`` say is wrong, or worth knowing."""
    facts = report.facts
    yield from _destination_findings(report)
    yield from _foreign_findings(facts.get_fact, bool(facts.get_fact("account", "is_root")))
    yield from _leftover_findings(facts.get_fact)
    if report.context.options.user and facts.get_fact("user_site", "allowed") is False:
        yield Finding(
            "user-not-allowed", "problem",
            "pip will refuse --user here: this virtual environment does not see the "
            "per-user site-packages. Install without --user.",
        )
    mismatch = facts.get_fact("environment", "mismatch")
    if mismatch:
        yield Finding("wrong-environment", "problem", f"Wrong environment: {mismatch}.")
    marker = facts.get_fact("environment", "externally_managed")
    options = report.context.options
    if marker and not directory_options(options):
        yield Finding(
            "externally-managed", "problem",
            "pip will refuse to install here: this Python is managed by the system "
            f"(PEP 668 marker {marker}). Use a virtual environment.",
            (str(marker),),
        )


def _account(report: Report) -> str:
    name = report.facts.get_fact("account", "name")
    return str(name) if name else "this account"


def _destination_state(item: Mapping[str, Any]) -> str:
    """``read-only``, ``not-writable``, ``writable`` or ``not-measured``."""
    if item.get("readonly_mount"):
        return "read-only"
    writable = item.get("writable")
    if writable is None:
        return "not-measured"
    return "writable" if writable else "not-writable"


def _destination_findings(report: Report) -> Iterator[Finding]:
    items = report.facts.get_fact("destinations", "items")
    if not isinstance(items, list):
        yield Finding(
            "not-measured", "problem",
            "Could not measure where pip would install (see the problems below).",
        )
        return
    who = _account(report)
    for item in items:
        if not isinstance(item, Mapping):
            continue
        path = str(item.get("path"))
        role = item.get("role")
        nearest = item.get("nearest_existing") or path
        where = path if nearest == path else f"{path} (nearest existing: {nearest})"
        state = _destination_state(item)
        if state == "read-only":
            yield Finding(
                "read-only", "problem",
                f"{role}: {where} is on a read-only filesystem.", (path,),
            )
        elif state == "not-writable":
            owner = item.get("owner_name") or item.get("owner_uid")
            yield Finding(
                "not-writable", "problem",
                f"{role}: {who} cannot write {where}, which belongs to {owner}.", (path,),
            )
        elif state == "not-measured":
            yield Finding(
                "not-measured", "problem", f"{role}: could not tell whether {where} is writable.",
                (path,),
            )
        free = item.get("free_bytes")
        if isinstance(free, int) and free < LOW_SPACE_BYTES:
            yield Finding(
                "low-space", "problem",
                f"{role}: only {human_bytes(free)} free on the filesystem of {nearest}.",
                (path,),
            )


def _foreign_findings(get: Any, is_root: bool) -> Iterator[Finding]:
    skipped = get("foreign_files", "skipped")
    where = get("foreign_files", "root") or "the environment"
    if skipped and not os.path.lexists(where):
        return  # nothing there yet: pip will create it
    if skipped:
        yield Finding("foreign-files", "note",
                      f"Files inside {where} were not checked for other owners ({skipped}).")
        return
    count = get("foreign_files", "count")
    if not count:
        stopped = get("foreign_files", "stopped")
        if stopped:
            yield Finding("scan-incomplete", "note",
                          f"The ownership scan stopped early ({stopped}); it found nothing "
                          "foreign in the part it covered.")
        return
    owners = get("foreign_files", "owners") or []
    owner_text = ", ".join(
        f"{o.get('name') or o.get('uid')}: {o.get('count')}" for o in owners if isinstance(o, dict)
    )
    examples = [str(e.get("path")) for e in get("foreign_files", "examples") or []
                if isinstance(e, dict)]
    more = "" if get("foreign_files", "complete") else " at least"
    root = get("foreign_files", "root")
    if is_root:
        yield Finding(
            "foreign-files", "note",
            f"{more.strip() + ' ' if more else ''}{count} entries in {root} belong to other "
            f"accounts ({owner_text}); root can write them, their owners cannot "
            "replace what root installs.",
            tuple(examples),
        )
        return
    yield Finding(
        "foreign-files", "problem",
        f"{more.strip() + ' ' if more else ''}{count} entries in {root} belong to other "
        f"accounts ({owner_text}): pip cannot upgrade or remove the packages they belong "
        "to (an earlier `sudo pip install`?).",
        tuple(examples),
    )


def _leftover_findings(get: Any) -> Iterator[Finding]:
    items = get("leftovers", "items") or []
    site = get("leftovers", "site_packages")
    if not items or not site:
        return
    paths = tuple(os.path.join(str(site), str(name)) for name in items)
    yield Finding(
        "leftovers", "problem",
        f"{len(items)} leftover(s) of interrupted installs in {site} "
        f"({', '.join(str(i) for i in items)}): pip warns about them on every run; "
        "delete them when no pip is running.",
        paths,
    )


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


# ------------------------------------------------------------------- showing


def render_preflight(
    result: Preflight,
    *,
    color: Optional[bool] = None,
    shell: Shell = "posix",
    width: int = 80,
    ascii_only: Optional[bool] = None,
) -> str:
    """The preflight as text: destinations, findings, diagnoses, verdict."""
    report = result.report
    pen = attrs.evolve(make_pen(color, width, ascii_only), keep=unbreakable(report))
    lines = [*_title(report, shell, pen), ""]
    lines.extend(_destination_lines(result, pen))
    if result.findings:
        lines.append("")
        lines.append("Findings:")
        for finding in result.findings:
            lines.extend(_finding_lines(finding, shell, pen))
    if report.diagnoses or report.problems:
        lines.append("")
        lines.extend(render_text(report, color=color, shell=shell, width=width,
                                 ascii_only=ascii_only).rstrip("\n").splitlines())
    lines.append("")
    lines.append(_verdict(result, pen))
    return "\n".join(lines) + "\n"


def _title(report: Report, shell: Shell, pen: Pen) -> list[str]:
    options = report.context.options
    argv = ["pip", "install"]
    if options.user:
        argv.append("--user")
    for flag, directory in directory_options(options):
        argv += [flag, directory]
    what = command_line(argv, shell)
    python = report.facts.get_fact("interpreter", "executable") or report.context.interpreter
    return pen.block(f"{what} with {python}", "pip-doctor check: ", "  ", "title",
                     keep=(what,))


def _destination_lines(result: Preflight, pen: Pen) -> list[str]:
    items = result.destinations
    if not items:
        return ["Where pip would put files: not measured."]
    lines = ["Where pip would put files:"]
    width = max(len(str(item.get("role"))) for item in items) + 2
    for item in items:
        owner = item.get("owner_name") or item.get("owner_uid")
        state = {
            "read-only": "READ-ONLY filesystem",
            "writable": "writable",
            "not-writable": f"NOT writable (owner {owner})",
            "not-measured": "unknown",
        }[_destination_state(item)]
        if not item.get("exists"):
            state += ", will be created"
        lines.extend(pen.block(f"{item.get('path')}  [{state}]",
                               f"  {str(item.get('role')).ljust(width)}", " " * (width + 4),
                               keep=(f"[{state}]",)))
    return lines


def _finding_lines(finding: Finding, shell: Shell, pen: Pen) -> list[str]:
    problem = finding.severity == "problem"
    mark = pen.glyphs.cross if problem else "i"
    lines = pen.block(finding.message, f"  {mark} ", "    ", "cross" if problem else "note")
    if finding.kind == "foreign-files":
        for path in finding.paths[:5]:
            lines.extend(pen.block(path, "      ", "        "))
    elif finding.kind == "leftovers":
        lines.extend(f"      {printable(c)}" for c in removal_commands(finding.paths, shell))
    return lines


def _verdict(result: Preflight, pen: Pen) -> str:
    if result.clear:
        who = _account(result.report)
        return f"{pen.paint('Verdict:', 'title')} clear: {who} can install here."
    found = [_count(len(result.problems), "problem"),
             _count(len(result.report.diagnoses), "likely cause")]
    listed = ", ".join(part for part in found if part)
    return f"{pen.paint('Verdict:', 'cross')} not clear: {listed}; see above."


def _count(number: int, noun: str) -> str:
    if not number:
        return ""
    return f"1 {noun}" if number == 1 else f"{number} {noun}s"


__all__ = ["Finding", "Preflight", "findings", "preflight", "render_preflight"]
