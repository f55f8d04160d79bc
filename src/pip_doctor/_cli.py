"""The ``pip-doctor`` command line (also ``python -m pip_doctor``).

Subcommands: ``install`` (pip's install with the diagnosis forced on),
``check`` (a preflight of an install), ``diagnose`` (a described error),
``explain`` (the long text of a cause), ``plugins`` (what is loaded).

Start-up is kept short: only ``argparse``, ``os`` and ``sys`` are imported
here; each subcommand imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn, Optional, TextIO

if TYPE_CHECKING:
    from pip_doctor._model import Explanation

PROG = "pip-doctor"

#: Exit statuses.
OK, PROBLEMS, USAGE = 0, 1, 2

#: Show progress when a step has taken longer than this (seconds).
PROGRESS_AFTER = 0.5

_DESCRIPTION = """\
Diagnose why `pip install` fails with an OSError such as "[Errno 13]
Permission denied": which environment pip writes to, who owns it, what is
mounted read-only or full, and the exact commands that fix it for your shell.
Installed into an environment, pip-doctor adds its diagnosis to every failing
`pip install` there; this command runs the same diagnosis on request."""

_EPILOG = """\
examples:
  pip-doctor check                  can this account install here?
  pip-doctor check --user           ... with --user?
  pip-doctor install requests       pip install, with the diagnosis on
  pip-doctor diagnose --errno EACCES --filename /usr/lib/python3/dist-packages/x
  pip-doctor explain                the causes pip-doctor knows
  pip-doctor explain system-site-packages

environment: PIP_DOCTOR_DISABLE=1 turns the pip integration off;
PIP_DOCTOR_SHELL=posix|fish|powershell|cmd picks the shell of fix commands;
NO_COLOR / FORCE_COLOR as everywhere."""


# ------------------------------------------------------------------ parser


def _install_options(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true",
                       help="an install with --user (the per-user site-packages)")
    where.add_argument("--target", metavar="DIR", help="an install with --target DIR")
    parser.add_argument("--prefix", metavar="DIR", help="an install with --prefix DIR")
    parser.add_argument("--root", metavar="DIR", help="an install with --root DIR")


def _format_option(parser: argparse.ArgumentParser) -> None:
    """``--format text|json``, and ``--json`` for ``--format json``: one spelling on
    every command that writes JSON.
    """
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text for people (default), json for tools")
    parser.add_argument("--json", dest="format", action="store_const", const="json",
                        help="the same as --format json")


def _output_options(parser: argparse.ArgumentParser) -> None:
    _format_option(parser)
    parser.add_argument("--shell", metavar="SHELL",
                        help="write fix commands for posix, fish, powershell or cmd "
                        "(default: detected)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the text (default: auto, on a terminal; NO_COLOR "
                        "and FORCE_COLOR are honoured)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list the problems met while diagnosing (checks that failed or ran "
                        "out of time, plugins refused, report files not written)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``pip-doctor`` (``install`` is passed through to pip)."""
    from pip_doctor._version import __version__

    parser = argparse.ArgumentParser(
        prog=PROG, description=_DESCRIPTION, epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version",
                        version=f"{PROG} {__version__} (Python {sys.version.split()[0]} "
                        f"at {sys.executable})")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser(
        "install", help="run `pip install ARGS...` in this Python with the diagnosis on",
        description="Run pip's install command in this Python, exactly as `python -m pip "
        "install ARGS...`, with pip-doctor's diagnosis on even where its pip integration "
        "is off. All arguments go to pip; `pip-doctor install --help` shows pip's help.",
    )

    check = commands.add_parser(
        "check", help="preflight: would `pip install` work here, and what is broken?",
        description="Measure where `pip install` (with these options) would put files, "
        "whether this account can write every one of those places, and what is "
        "already wrong: files owned by another account, leftovers of interrupted "
        "installs, the wrong environment, a read-only or full filesystem. Exit "
        "status 0 when clear, 1 when problems were found.",
    )
    _install_options(check)
    _output_options(check)

    diagnose = commands.add_parser(
        "diagnose", help="diagnose a described error (errno and path) on this machine",
        description="Diagnose an error described by its errno and path, as if `pip "
        "install` (with these options) had failed with it here. Useful for tools "
        "and for installers that do not run pip, such as `uv pip`.",
    )
    diagnose.add_argument("--errno", dest="errno_value", metavar="N",
                          help="the errno, as a number (13) or a name (EACCES); required "
                          "unless --message describes an error without one")
    diagnose.add_argument("--filename", metavar="PATH",
                          help="the path the error names (needs --errno); without it, the "
                          "error names no "
                          "file (as pip's ENOSPC may) and the place measured is where pip "
                          "would install")
    diagnose.add_argument("--filename2", metavar="PATH",
                          help="the second path, for errors of rename and link")
    diagnose.add_argument("--message", help="the error's text; alone, an error without errno")
    _install_options(diagnose)
    _output_options(diagnose)

    explain = commands.add_parser(
        "explain", help="the long explanation of a cause id; without ID, the list",
        description="What a cause is, why it happens, how to fix and prevent it. "
        "Without ID, every cause id pip-doctor knows, with its title.",
    )
    explain.add_argument("cause_id", nargs="?", metavar="ID")

    plugins = commands.add_parser(
        "plugins", help="list plugins, with the probes and rules each provides",
        description="Every plugin pip-doctor loads (built-in, entry point, "
        "PIP_DOCTOR_PLUGINS), where it comes from, whether it is loaded, blocked or "
        "failed, the hooks it implements (those refused marked), the ids of the "
        "probes, rules and explanations it provides, and its problems (an unknown "
        "hook, a hook wrapper, a hook that failed).",
    )
    _format_option(plugins)
    return parser


# ------------------------------------------------------------------- main


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``pip-doctor``; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] == "install":
            return _install(args[1:])
        parsed = build_parser().parse_args(args)
        if parsed.command is None:
            build_parser().print_help()
            return USAGE
        handler = {
            "check": _check, "diagnose": _diagnose, "explain": _explain, "plugins": _plugins,
        }[parsed.command]
        return handler(parsed)
    except BrokenPipeError:
        # The reader went away (`pip-doctor plugins | head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return PROBLEMS
    except KeyboardInterrupt:
        return 130


def _usage_error(message: str) -> NoReturn:
    """Stop with ``message`` and exit status 2, as argparse does."""
    sys.stderr.write(f"{PROG}: error: {message}\n")
    raise SystemExit(USAGE)


def _install(pip_args: list[str]) -> int:
    from pip_doctor._pip_hook import run_pip_install

    return int(run_pip_install(pip_args))


def _options(parsed: argparse.Namespace) -> Any:
    from pip_doctor._model import InstallOptions

    return InstallOptions(
        user=bool(parsed.user), target=parsed.target, prefix=parsed.prefix, root=parsed.root
    )


def _shell(parsed: argparse.Namespace) -> Any:
    from pip_doctor._shells import detect_shell, shell_named

    if parsed.shell:
        chosen = shell_named(parsed.shell)
        if chosen is None:
            _usage_error(f"unknown shell {parsed.shell!r} (choose posix, fish, powershell "
                         "or cmd)")
        return chosen
    return detect_shell()


def _color(parsed: argparse.Namespace, stream: TextIO) -> bool:
    from pip_doctor._render_text import color_enabled

    if parsed.color == "always":
        return True
    if parsed.color == "never":
        return False
    return color_enabled(stream)


def _text_options(parsed: argparse.Namespace) -> dict[str, Any]:
    from pip_doctor._render_text import unicode_ok

    return {
        "color": _color(parsed, sys.stdout),
        "shell": _shell(parsed),
        "ascii_only": not unicode_ok(sys.stdout),
    }


def _write(text: str, *, utf8: bool = False) -> None:
    """Write ``text`` to stdout: as UTF-8 when ``utf8`` (JSON), else in stdout's
    encoding, with what it cannot encode shown as escapes instead of failing."""
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text)
    else:
        stream.flush()
        encoding = "utf-8" if utf8 else (stream.encoding or "utf-8")
        buffer.write(text.encode(encoding, "backslashreplace"))
    stream.flush()


# ------------------------------------------------------------------ check


def _check(parsed: argparse.Namespace) -> int:
    from pip_doctor._preflight import preflight
    from pip_doctor._render_check import render_check
    from pip_doctor._render_json import render_json_data

    text_options = _text_options(parsed) if parsed.format == "text" else {}
    with progress("checking where pip would install"):
        result = preflight(_options(parsed), verbose=parsed.verbose)
    if parsed.format == "json":
        _write(render_json_data(result.to_dict()), utf8=True)
    else:
        _write(render_check(result, **text_options))
    return OK if result.clear else PROBLEMS


# --------------------------------------------------------------- diagnose


def _error_from(parsed: argparse.Namespace) -> OSError:
    """The OSError the arguments describe."""
    number = _errno_number(parsed.errno_value) if parsed.errno_value else None
    if number is None:  # --message alone: an error without errno, naming no file
        return OSError(parsed.message)
    text = parsed.message or os.strerror(number)
    return OSError(number, text, parsed.filename, None, parsed.filename2)


def _errno_number(value: str) -> int:
    """The errno ``value`` names: a number this system knows, or a name."""
    import errno

    text = value.strip()
    if text.lstrip("+-").isdigit():
        number = int(text)
        if number not in errno.errorcode:
            _usage_error(f"unknown errno {value!r}: not an error number of this system "
                         "(a positive number such as 13, or a name such as EACCES)")
        return number
    named = getattr(errno, text.upper(), None)
    if not isinstance(named, int):
        _usage_error(f"unknown errno {value!r} (a number or a name such as EACCES)")
    return named


def _check_diagnose_arguments(parsed: argparse.Namespace) -> None:
    """Usage errors (exit 2) for a description that does not describe an error."""
    for flag in ("filename", "filename2"):
        value = getattr(parsed, flag)
        if value is not None and not value.strip():
            _usage_error(f"diagnose: --{flag} is empty (give the path the error names)")
    if not parsed.errno_value:
        if parsed.filename or parsed.filename2:
            _usage_error("diagnose: --filename needs --errno (a number or a name such as "
                         "EACCES)")
        if not parsed.message:
            _usage_error("diagnose: give --errno and --filename (or --message)")


def _diagnose(parsed: argparse.Namespace) -> int:
    from pip_doctor._api import diagnose
    from pip_doctor._model import InstallContext
    from pip_doctor._pip_compat import pip_version
    from pip_doctor._render_text import render_text

    _check_diagnose_arguments(parsed)
    if parsed.errno_value:
        _errno_number(parsed.errno_value)  # an unknown one is a usage error, before any work
    text_options = _text_options(parsed) if parsed.format == "text" else {}
    context = InstallContext(
        options=_options(parsed), pip_version=pip_version(), verbose=parsed.verbose
    )
    with progress("diagnosing"):
        report = diagnose(_error_from(parsed), context=context)
    if parsed.format == "json":
        _write(report.to_json(), utf8=True)
    else:
        _write(render_text(report, **text_options))
    return OK


# ---------------------------------------------------------------- explain


def _explain(parsed: argparse.Namespace) -> int:
    from pip_doctor._manager import get_manager

    causes = get_manager().get_explanations()
    if parsed.cause_id is None:
        _write(_cause_list(causes))
        return OK
    cause = causes.get(parsed.cause_id)
    if cause is None:
        sys.stderr.write(f"{PROG} explain: unknown cause id {parsed.cause_id!r}. "
                         "Known ids:\n")
        sys.stderr.write(_cause_list(causes))
        return USAGE
    _write(cause.text)
    return OK


def _cause_list(causes: Mapping[str, Explanation]) -> str:
    """One line per cause: its id and title, ids aligned."""
    import textwrap

    width = max((len(cause_id) for cause_id in causes), default=0) + 2
    lines = [
        line
        for cause_id, cause in causes.items()
        for line in textwrap.wrap(cause.title, 80, initial_indent=f"  {cause_id.ljust(width)}",
                                  subsequent_indent=" " * (width + 4))
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- plugins


def _plugins(parsed: argparse.Namespace) -> int:
    from pip_doctor._manager import get_manager
    from pip_doctor._render_json import render_json_data

    manager = get_manager()
    infos = [info.to_dict() for info in manager.infos]
    problems = [problem.to_dict() for problem in manager.load_problems]
    if parsed.format == "json":
        _write(render_json_data({"plugins": infos, "problems": problems}), utf8=True)
        return OK
    _write(_plugins_text(infos, problems))
    return OK


def _plugins_text(infos: list[dict[str, Any]], problems: list[dict[str, Any]]) -> str:
    """One block per plugin: where it comes from, its hooks (those refused
    marked), its ids, and its problems; then the problems of no one plugin.
    """
    from pip_doctor._render_text import printable

    lines: list[str] = []
    shown: set[str] = set()
    for info in infos:
        dist = info.get("distribution")
        where = f"{dist} {info.get('version') or ''}".strip() if dist else info["module"]
        lines.append(f"{info['name']}  [{info['status']}, {info['origin']}: {where}]")
        refused = set(info.get("refused_hooks") or ())
        hooks = [f"{hook} (refused)" if hook in refused else hook
                 for hook in info.get("hooks") or ()]
        for label, ids in (("hooks", hooks), ("probes", info.get("probes")),
                           ("rules", info.get("rules")),
                           ("explanations", info.get("explanations"))):
            if ids:
                lines.extend(_listed(ids, f"    {label}: ", " " * 6))
        blocked = info.get("blocked_ids") or []
        if blocked:
            lines.append(f"    blocked by PIP_DOCTOR_BLOCK: {', '.join(blocked)}")
        own = list(info.get("problems") or ())
        if info.get("error") and info["error"] not in own:
            lines.extend(_wrapped(info["error"], "    error: ", " " * 6))
        if own:
            lines.append("    problems:")
            for message in own:
                lines.extend(_wrapped(message, "      - ", " " * 8))
        # A problem is shown here as its message, or as "SOURCE: message" when a
        # plugin returned one in another name.
        shown.update(f"{info['name']}: {message}" for message in (*own, info.get("error")))
        shown.update(own)
    others = [p for p in problems if f"{p['source']}: {p['message']}" not in shown]
    if others:
        lines.append("")
        lines.append("Other problems while loading:" if len(others) < len(problems)
                     else "Problems while loading:")
        for problem in others:
            lines.extend(_wrapped(f"{problem['source']}: {problem['message']}", "  - ",
                                  " " * 4))
    return "\n".join(printable(line) for line in lines) + "\n"


def _listed(items: Sequence[str], first: str, rest: str) -> list[str]:
    """``items`` separated by commas, in lines of at most 80 columns (unless
    one item is longer), never broken inside an item.
    """
    lines = [first]
    for number, item in enumerate(items):
        word = item + ("," if number < len(items) - 1 else "")
        line = lines[-1]
        if line not in (first, rest) and len(line) + 1 + len(word) > 80:
            lines.append(rest + word)
        else:
            lines[-1] = line + ("" if line in (first, rest) else " ") + word
    return lines


def _wrapped(text: str, first: str, rest: str) -> list[str]:
    """``text`` wrapped to 80 columns between words, never inside an id."""
    import textwrap

    return textwrap.wrap(text, 80, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first.rstrip()]


# --------------------------------------------------------------- progress


@contextmanager
def progress(what: str, stream: Optional[TextIO] = None,
             after: float = PROGRESS_AFTER) -> Iterator[None]:
    """Show a spinner on ``stream`` (stderr) when the block takes longer than ``after``.

    Only on a terminal; the line is erased when the block ends.
    """
    out = sys.stderr if stream is None else stream
    try:
        interactive = out.isatty()
    except (AttributeError, ValueError):
        interactive = False
    if not interactive:
        yield
        return
    done = threading.Event()
    shown = threading.Event()

    def spin() -> None:
        if done.wait(after):
            return
        start = time.monotonic() - after
        frames = "|/-\\"
        index = 0
        while not done.is_set():
            shown.set()
            elapsed = time.monotonic() - start
            out.write(f"\r{PROG}: {what}... {frames[index % 4]} {elapsed:.0f}s ")
            out.flush()
            index += 1
            done.wait(0.1)

    thread = threading.Thread(target=spin, name="pip-doctor-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        if shown.is_set():
            out.write("\r\x1b[K")
            out.flush()
