"""The text renderer: the diagnosis in pip's own diagnostic shape, 80 columns.

pip prints its own message first; this text follows it. It reads like pip's
``DiagnosticPipError``: ``× cause`` with its evidence under ``╰─>``, then
``hint:`` lines with the fix commands for the user's shell, ``warning:`` lines
for the shortcuts not to take, ``Link:`` lines and the ``pip-doctor explain``
pointer (for the ids ``explain`` knows: :attr:`Report.explained`).
Lower-ranked causes follow in short form. With no cause found, an honest
summary of what was measured. A warning pip went on after gets one line
(:func:`render_note`).

Colour: ``color=None`` means none. The command line decides with
:func:`color_enabled` (terminal, ``NO_COLOR``, ``FORCE_COLOR``); inside pip
the child process that diagnoses a failed command (``pip_doctor._child``)
decides the same way for pip's stderr, as pip's process measured it, and
pip's ``--no-color`` turns it off. The text is written after pip's own lines,
not through pip's logging handler.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Optional, TextIO

import attrs

from pip_doctor._fs import human_bytes
from pip_doctor._model import Command, Diagnosis, Fix, Problem, Report, Shell
from pip_doctor._shells import detect_shell

#: The width the text is wrapped to (commands and links are never broken).
WIDTH = 80


@attrs.frozen
class Glyphs:
    """The drawing characters: pip's box-drawing ones, or plain ASCII."""

    cross: str
    bar: str
    arrow: str
    bullet: str


UNICODE = Glyphs(cross="×", bar="│", arrow="╰─>", bullet="•")
ASCII = Glyphs(cross="x", bar="|", arrow="`->", bullet="-")

_STYLE = {
    "cross": "1;31", "context": "31", "hint": "1;36", "note": "1;35",
    "warning": "1;33", "title": "1", "link": "1", "dim": "2",
}

_SIZE = re.compile(r"\d+(?:\.\d+)? (?:bytes|KiB|MiB|GiB|TiB)\b")

_SAFETY_LABEL = {"safe": "[safe]", "review": "[review before running]"}
_SHELL_NAME = {"posix": "sh/bash/zsh", "fish": "fish", "powershell": "PowerShell", "cmd": "cmd"}


# ---------------------------------------------------------------- decisions


def color_enabled(
    stream: Optional[TextIO] = None, environ: Optional[Mapping[str, str]] = None
) -> bool:
    """Whether to colour text written to ``stream`` (default: stderr).

    ``NO_COLOR`` (any non-empty value) turns colour off and wins; then
    ``FORCE_COLOR`` (non-empty, not ``0``) turns it on; otherwise colour only
    on a terminal whose ``TERM`` is not ``dumb``.
    """
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    force = env.get("FORCE_COLOR")
    if force:
        return force.strip().lower() not in ("0", "false", "no")
    if env.get("TERM") == "dumb":
        return False
    target = sys.stderr if stream is None else stream
    try:
        return bool(target is not None and target.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def unicode_ok(stream: Optional[TextIO] = None) -> bool:
    """Whether ``stream``'s encoding can show pip's box-drawing characters."""
    target = sys.stderr if stream is None else stream
    encoding = str(getattr(target, "encoding", None) or "").lower().replace("-", "")
    return encoding.startswith(("utf", "cp65001"))


def printable(text: str) -> str:
    """``text`` safe to show on a terminal, on one line.

    Control characters (including ESC, so a file name cannot drive the
    terminal) become ``\\xNN``/``\\n``; bytes that were not valid in a file
    name (Python's surrogate escapes) become ``\\xNN`` of the original byte.
    """
    if text.isprintable():
        return text
    out: list[str] = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the original byte
            out.append(f"\\x{code - 0xDC00:02x}")
        elif char.isprintable() or char == " ":
            out.append(char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out)


# ------------------------------------------------------------------ painting


@attrs.frozen
class Pen:
    """Colour and glyph choices for one rendering."""

    color: bool
    glyphs: Glyphs
    width: int
    #: Phrases (paths with spaces) that a line break must not split.
    keep: tuple[str, ...] = ()

    def paint(self, text: str, style: str) -> str:
        if not self.color or not text.strip():
            return text
        return f"\x1b[{_STYLE[style]}m{text}\x1b[0m"

    def block(
        self, text: str, first: str, rest: str, style: Optional[str] = None,
        keep: tuple[str, ...] = (),
    ) -> list[str]:
        """``text`` wrapped to the width after ``first`` (then ``rest``) prefixes.

        Words are never broken, so paths and URLs stay whole even when a line
        runs past the width; the phrases in ``keep`` stay on one line. Only the
        prefix is coloured.
        """
        shown = printable(text)  # no NUL survives this: it is free as glue
        for phrase in (*keep, *self.keep):
            shown = shown.replace(phrase, phrase.replace(" ", "\0"))
        wrapped = textwrap.wrap(
            shown,
            width=self.width,
            initial_indent=first,
            subsequent_indent=rest,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [first.rstrip()]
        lines = []
        for index, line in enumerate(wrapped):
            prefix = first if index == 0 else rest
            body = line[len(prefix):].replace("\0", " ")
            lines.append((self.paint(prefix, style) if style else prefix) + body)
        return lines


def make_pen(color: Optional[bool], width: int, ascii_only: Optional[bool]) -> Pen:
    plain = (not unicode_ok()) if ascii_only is None else ascii_only
    return Pen(color=bool(color), glyphs=ASCII if plain else UNICODE, width=max(width, 40))


# ----------------------------------------------------------------- rendering


def render_text(
    report: Report,
    *,
    color: Optional[bool] = None,
    shell: Optional[Shell] = None,
    width: int = WIDTH,
    ascii_only: Optional[bool] = None,
) -> str:
    """The diagnosis of ``report`` as text, ending with a newline.

    ``color=None`` means no colour (see the module docstring); ``shell=None``
    means :func:`detect_shell`; ``ascii_only=None`` decides from stderr's
    encoding. ``report.context.verbose`` lists the problems instead of
    counting them.
    """
    pen = attrs.evolve(make_pen(color, width, ascii_only), keep=unbreakable(report))
    chosen = detect_shell() if shell is None else shell
    lines: list[str] = []
    if report.diagnoses:
        best, *others = report.diagnoses
        lines.extend(_headline(report, pen))
        lines.append("")
        lines.extend(_full(best, chosen, pen, best.id in report.explained))
        if others:
            lines.append("")
            lines.append("Other possible causes, less likely:")
            for diagnosis in others:
                lines.extend(_short(diagnosis, chosen, pen, diagnosis.id in report.explained))
    else:
        lines.extend(_fallback(report, pen))
    lines.extend(_problems(report, pen))
    return "\n".join(lines) + "\n"


def render_note(report: Report, *, color: Optional[bool] = None) -> str:
    """One line, ending with a newline, for a warning pip went on after: why
    (the best diagnosis' title) and where to read more; "" with no diagnosis.

    pip did not fail, so this is a note, not a diagnosis: its evidence and
    fixes are in the JSON report and in ``pip-doctor explain ID``.
    """
    if not report.diagnoses:
        return ""
    best = report.diagnoses[0]
    pen = make_pen(color, WIDTH, ascii_only=True)
    more = f" (more: pip-doctor explain {best.id})" if best.id in report.explained else ""
    return f"{pen.paint('pip-doctor note:', 'note')} {printable(best.title + more)}\n"


def unbreakable(report: Report) -> tuple[str, ...]:
    """The paths with spaces the report names, longest first: kept on one line."""
    found: set[str] = {p for p in (report.error.filename, report.error.filename2) if p}
    pending: list[Any] = list(report.facts.values())
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if " " in value and (value.startswith(("/", "~")) or value[1:3] == ":\\"):
                found.add(value)
        elif isinstance(value, Mapping):
            pending.extend(value.values())
        elif isinstance(value, (list, tuple)):
            pending.extend(value)
    spaced = {printable(p) for p in found if " " in p}
    return tuple(sorted(spaced, key=lambda p: (-len(p), p)))


def _headline(report: Report, pen: Pen) -> list[str]:
    count = len(report.diagnoses)
    best = report.diagnoses[0]
    found = "1 likely cause" if count == 1 else f"{count} likely causes"
    return pen.block(
        f"pip-doctor: {found}; most likely ({best.confidence} confidence):", "", "", None
    )


def _full(diagnosis: Diagnosis, shell: Shell, pen: Pen, explained: bool) -> list[str]:
    g = pen.glyphs
    lines = pen.block(diagnosis.title, f"{g.cross} ", f"{g.bar} ", "cross")
    evidence = [line for item in diagnosis.evidence for line in item.splitlines() if line]
    arrow = f"{g.arrow} "
    pad = " " * len(arrow)
    for index, item in enumerate(evidence):
        lines.extend(pen.block(item, arrow if index == 0 else pad, pad + "  ", "context"))
    if diagnosis.fixes or diagnosis.warnings:
        lines.append("")
    for fix in diagnosis.fixes:
        lines.extend(fix_lines(fix, shell, pen))
    for warning in diagnosis.warnings:
        lines.extend(pen.block(warning, "warning: ", " " * 9, "warning"))
    lines.append("")
    for link in diagnosis.links:
        lines.extend(_link(link.title, link.url, pen))
    if explained:
        lines.append(f"{pen.paint('More:', 'link')} pip-doctor explain {printable(diagnosis.id)}")
    return lines


def fix_lines(fix: Fix, shell: Shell, pen: Pen) -> list[str]:
    """A fix as shown: its summary and safety, then its commands for ``shell``."""
    label = _SAFETY_LABEL.get(fix.safety, f"[{fix.safety}]")
    lines = pen.block(f"{fix.summary} {label}", "hint: ", " " * 6, "hint", keep=(label,))
    commands, used = _commands_for(fix, shell)
    if used != shell and commands:
        lines.append(f"      (no {_SHELL_NAME[shell]} version; for {_SHELL_NAME[used]}:)")
    lines.extend(f"        {shown_command(command)}" for command in commands)
    return lines


def shown_command(command: Command) -> str:
    """The command exactly as the user should type it.

    Quoting makes every posix and fish command printable already (unprintable
    and undecodable characters become ``\\xHH`` escapes the shell reads
    back), so it is shown unchanged: escaping it again would name another
    path. Only text no quoting made printable (PowerShell or cmd, for names no
    Windows path can hold) is escaped, so that it cannot drive the terminal.
    """
    return command.text if command.text.isprintable() else printable(command.text)


def _commands_for(fix: Fix, shell: Shell) -> tuple[tuple[Command, ...], Shell]:
    """The fix's commands for ``shell``, else for the first shell it has."""
    mine = fix.for_shell(shell)
    if mine or not fix.commands:
        return mine, shell
    other = fix.commands[0].shell
    return fix.for_shell(other), other


def _link(title: str, url: str, pen: Pen) -> list[str]:
    head = pen.paint("Link:", "link")
    one_line = f"Link: {url} ({title})"
    if len(one_line) <= pen.width:
        return [f"{head} {printable(url)} ({printable(title)})"]
    return [f"{head} {printable(url)}", *pen.block(title, "      ", "      ")]


def _short(diagnosis: Diagnosis, shell: Shell, pen: Pen, explained: bool) -> list[str]:
    g = pen.glyphs
    head = f"{diagnosis.title} ({diagnosis.confidence} confidence)"
    lines = pen.block(head, f"  {g.bullet} ", "    ", "hint")
    for item in diagnosis.evidence[:2]:
        lines.extend(pen.block(item, "    ", "      "))
    first = next((f for f in diagnosis.fixes if f.safety == "safe"), None) or next(
        iter(diagnosis.fixes), None
    )
    if first is not None:
        lines.extend(pen.block(f"fix: {first.summary}", "    ", "      "))
        commands, _used = _commands_for(first, shell)
        lines.extend(f"        {shown_command(command)}" for command in commands)
    if explained:
        lines.append(f"    more: pip-doctor explain {printable(diagnosis.id)}")
    return lines


def _problems(report: Report, pen: Pen) -> list[str]:
    return problem_lines(report.problems, report.context.verbose, pen)


def problem_lines(problems: Sequence[Problem], verbose: bool, pen: Pen) -> list[str]:
    """The probes, rules or plugins that failed: counted, or listed when ``verbose``."""
    if not problems:
        return []
    count = len(problems)
    # A problem is a probe or rule that failed or ran out of time, a plugin or
    # hook refused at load, a report file not written: "check" would be wrong.
    what = "1 problem" if count == 1 else f"{count} problems"
    if not verbose:
        text = f"{what} while diagnosing; run with -v to see {'it' if count == 1 else 'them'}."
        return ["", *pen.block(text, "note: ", " " * 6, "note")]
    lines = ["", *pen.block(f"{what} while diagnosing:", "note: ", " " * 6, "note")]
    for problem in problems:
        lines.extend(pen.block(f"{problem.source}: {problem.message}", "  - ", "    "))
    return lines


# ------------------------------------------------------------------ fallback


#: What the fallback says of an error of a family no rule diagnosed.
_FAMILY_LINES = {
    "network": "not a permission problem: a network error (pip could not talk to a "
               "server; pip's own lines above say which)",
    "in-use": "not a permission problem: the file is in use by a running process",
    "space": "not a permission problem: no space left",
    "read-only": "not a permission problem: a read-only filesystem",
    "name": "not a permission problem: a file name or path too long",
    "missing": "not a permission problem: a file or directory that does not exist",
    "cross-device": "not a permission problem: a move between two filesystems",
}


def _fallback(report: Report, pen: Pen) -> list[str]:
    said = _FAMILY_LINES.get(report.error.family)
    if said is None:
        lines = [
            f"{pen.paint('pip-doctor', 'title')}: no known cause matched this error. "
            "What was measured:",
            "",
        ]
    else:
        lines = [*pen.block(f"{said}; no known cause matched it. What was measured:",
                            f"{pen.paint('pip-doctor', 'title')}: ", "  "), ""]
    rows = list(fact_rows(report))
    label_width = max((len(label) for label, _value in rows), default=0) + 2
    for label, value in rows:
        sizes = tuple(_SIZE.findall(value))
        lines.extend(pen.block(value, f"  {label.ljust(label_width)}", " " * (label_width + 4),
                               keep=sizes))
    lines.append("")
    lines.extend(pen.block(
        "`pip-doctor check` tests every place this install writes to.",
        "hint: ", " " * 6, "hint",
    ))
    lines.extend(pen.block(
        "`pip-doctor explain` lists the causes pip-doctor knows.", "hint: ", " " * 6, "hint",
    ))
    return lines


def fact_rows(report: Report) -> Iterator[tuple[str, str]]:
    """(label, value) lines summarising the error and the key measured facts."""
    facts = report.facts
    get = facts.get_fact
    error = report.error
    described = error.message or error.type
    if error.errno_name:
        described += f" ({error.errno_name})"
    yield "error", described
    if error.family != "other":
        yield "kind", error.family
    executable = get("interpreter", "executable")
    if executable:
        version = get("interpreter", "version")
        yield "python", f"{executable}" + (f" ({version})" if version else "")
    kind = get("environment", "kind")
    if kind:
        root = get("environment", "root")
        active = "active" if get("environment", "active") else "not activated"
        yield "environment", f"{kind} at {root}, {active}"
    mismatch = get("environment", "mismatch")
    if mismatch:
        yield "mismatch", str(mismatch)
    purelib = get("scheme", "target") or get("scheme", "purelib")
    if purelib:
        yield "installs to", str(purelib)
    path_line = _path_summary(facts)
    if path_line:
        yield "path", path_line
    name = get("account", "name")
    if name is not None:
        yield "account", f"{name} (uid {get('account', 'euid')})"
    foreign = get("foreign_files", "count")
    if foreign:
        root = get("foreign_files", "root")
        yield "foreign files", f"{foreign} in {root} owned by other accounts"
    leftovers = get("leftovers", "items")
    if leftovers:
        yield "leftovers", ", ".join(str(item) for item in leftovers)


def _path_summary(facts: Any) -> Optional[str]:
    get = facts.get_fact
    nearest = get("path", "nearest_existing")
    if not nearest:
        return None
    parts = [str(nearest)]
    owner = get("path", "owner_name") or get("path", "owner_uid")
    if owner is not None:
        parts.append(f"owner {owner}")
    mode = get("path", "mode_text") or get("path", "mode")
    if mode:
        parts.append(str(mode))
    writable = get("path", "writable")
    if writable is not None:
        parts.append("writable" if writable else "not writable by you")
    if get("path", "readonly_mount"):
        parts.append("read-only mount")
    free = get("path", "free_bytes")
    if isinstance(free, int):
        parts.append(f"{human_bytes(free)} free")
    return ", ".join(parts)
