"""``pip-doctor check`` as text: where pip would put files, what was found, the
verdict. The preflight's counterpart of :mod:`pip_doctor._render_text`, whose
pen, fixes and escaping it shares.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Optional

import attrs

from pip_doctor._model import Shell, directory_options
from pip_doctor._preflight import Preflight
from pip_doctor._render_text import WIDTH, Pen, fix_lines, make_pen, printable, problem_lines
from pip_doctor._rules.check import Finding, destination_state
from pip_doctor._shells import command_line


def render_check(
    result: Preflight,
    *,
    color: Optional[bool] = None,
    shell: Shell = "posix",
    width: int = WIDTH,
    ascii_only: Optional[bool] = None,
) -> str:
    """The preflight as text: destinations, findings with their fixes, verdict."""
    pen = attrs.evolve(make_pen(color, width, ascii_only), keep=_spaced(result))
    lines = [*_title(result, shell, pen), ""]
    lines.extend(_destination_lines(result, pen))
    if result.findings:
        lines.append("")
        lines.append("Findings:")
        for finding in result.findings:
            lines.extend(_finding_lines(finding, shell, pen))
    lines.extend(problem_lines(result.problems, result.context.verbose, pen))
    lines.append("")
    lines.append(_verdict(result, pen))
    return "\n".join(lines) + "\n"


def _spaced(result: Preflight) -> tuple[str, ...]:
    """Paths with spaces the text names: a line break must not split them."""
    paths: Iterable[str] = [str(item.get("path")) for item in result.destinations]
    paths = [*paths, *(p for f in result.findings for p in f.paths)]
    return tuple(sorted({printable(p) for p in paths if " " in p}, key=lambda p: -len(p)))


def _title(result: Preflight, shell: Shell, pen: Pen) -> list[str]:
    options = result.context.options
    argv = ["pip", "install"]
    if options.user:
        argv.append("--user")
    for flag, directory in directory_options(options):
        argv += [flag, directory]
    what = command_line(argv, shell)
    python = result.facts.get_fact("interpreter", "executable") or result.context.interpreter
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
        }[destination_state(item)]
        if not item.get("exists"):
            state += ", will be created"
        lines.extend(pen.block(f"{item.get('path')}  [{state}]",
                               f"  {str(item.get('role')).ljust(width)}", " " * (width + 4),
                               keep=(f"[{state}]",)))
    return lines


def _finding_lines(finding: Finding, shell: Shell, pen: Pen) -> list[str]:
    from pip_doctor._explain import explain

    problem = finding.severity == "problem"
    mark = pen.glyphs.cross if problem else "i"
    lines = pen.block(finding.message, f"  {mark} ", "    ", "cross" if problem else "note")
    if finding.kind == "foreign-files":
        for path in finding.paths[:5]:
            lines.extend(pen.block(path, "      ", "        "))
    narrower = attrs.evolve(pen, width=pen.width - 4)
    for fix in finding.fixes:
        lines.extend("    " + line for line in fix_lines(fix, shell, narrower))
    if finding.cause and explain(finding.cause) is not None:
        lines.append(f"    more: pip-doctor explain {printable(finding.cause)}")
    return lines


def _verdict(result: Preflight, pen: Pen) -> str:
    if result.clear:
        who = account_name_of(result)
        return f"{pen.paint('Verdict:', 'title')} clear: {who} can install here."
    count = len(result.problem_findings)
    listed = "1 problem" if count == 1 else f"{count} problems"
    return f"{pen.paint('Verdict:', 'cross')} not clear: {listed}; see above."


def account_name_of(result: Preflight) -> str:
    name = result.facts.get_fact("account", "name")
    return str(name) if name else "this account"


__all__ = ["render_check"]
