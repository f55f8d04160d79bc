"""The shim inside pip: it watches a pip command and, when it fails, asks a child.

This is the only module of pip-doctor (with ``pip_doctor._error_data``) that
ever runs inside pip's process. It uses the standard library only, and all of
it is imported when pip imports ``pip._internal.cli.base_command``, long
before pip 26.3 blocks imports.

How it hooks in: ``_pip_doctor_boot``'s finder hands pip's ``base_command``
module to :func:`hooked_spec`; once the module has run,
:func:`patch_base_command` replaces ``Command.main_context`` (the context
every command's ``main`` runs in) with a function that pushes a
:class:`Watch` onto the command's exit stack and returns pip's own context
unchanged. pip-doctor is therefore never a frame between pip's frames: pip's
tracebacks (``-v``, ``--debug``, "ERROR: Exception:") are exactly pip's.

While the command runs, the :class:`Watch` is a logging handler on the ``pip``
logger: it keeps pip's WARNING-and-above lines (a failed build's with the
output pip shows in its box), its "Could not fetch URL" lines (the last
:data:`LOG_LINES`) and, under ``-v``, the last lines a build streamed; and it
notes the record that reports the command's failure, with the exception
being handled (see :func:`failure_of`). That is all it does on success.

When the command's context closes -- pip has printed everything, cleaned up
and decided its exit status -- a failure is turned into plain data
(:func:`capture`) and handed to a child, ``sys.executable`` running
``pip_doctor._child`` (same environment, account and working directory), on
stdin. The child diagnoses it, writes the JSON report files and answers with
the text on stdout. pip waits at most ``PIP_DOCTOR_TIMEOUT`` seconds (0.5 by
default) from the moment the command ended, then kills the child (its whole
process group on POSIX); the text, if any, is written to stderr after pip's
own lines. pip's exit status is never changed. No thread is started in pip's
process: the exchange with the child is a ``select`` loop.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack, suppress
from importlib.machinery import ModuleSpec
from types import ModuleType, TracebackType
from typing import Any, Literal, Optional

from pip_doctor._error_data import exception_data

if os.name == "posix":  # subprocess imports these itself on POSIX: no extra cost
    import selectors
    import signal

#: Set on everything pip-doctor puts into pip, so it is never patched twice.
MARK = "__pip_doctor__"

#: The commands whose failures are diagnosed.
COMMANDS = frozenset({"install", "uninstall", "download", "wheel"})

#: The limit (seconds) on the whole diagnosis, child start included.
DEFAULT_TIMEOUT = 0.5
TIMEOUT_VARIABLE = "PIP_DOCTOR_TIMEOUT"

#: How many of pip's log lines are kept, and how long each may be.
LOG_LINES = 50
LOG_LINE_CHARS = 2000

#: The module the child runs, and the protocol version of what it is fed.
CHILD_MODULE = "pip_doctor._child"
PROTOCOL = 1

#: The logger of pip's ``base_command``: it reports every error pip handles
#: for a whole command (``_run_wrapper``) and the cache-directory warning.
BASE_COMMAND_LOGGER = "pip._internal.cli.base_command"
#: The logger every pip logger propagates through (pip's own handlers sit on root).
PIP_LOGGER = "pip"
#: The logger of pip's subprocesses (builds): its ERROR record of a failed
#: build is the box with the build's output ("[3 lines of output]").
SUBPROCESS_LOGGER = "pip.subprocessor"
#: pip's VERBOSE level (``-v``), at which it streams a build's output; and how
#: many of those lines are kept, and how long each may be.
VERBOSE = 15
OUTPUT_LINES = 40
OUTPUT_LINE_CHARS = 400

#: pip's warnings that are diagnosed although the command went on: a part of
#: the warning's format string -> the ``reference`` the captured data carries.
WARNINGS = {
    "is not owned or is not writable by the current user": "cache-dir-disabled",
}

#: pip's INFO lines kept with the warnings: an index page that failed ("Could
#: not fetch URL https://...: There was a problem confirming the ssl
#: certificate: ... - skipping"), the only line that names its URL.
KEPT_INFO = ("Could not fetch URL",)

#: The exception class names pip's "No matching distribution found" ends in.
NO_MATCH_CLASSES = frozenset({"DistributionNotFound"})

#: At this verbosity (``-qqq``) pip shows only critical errors, and pip-doctor
#: no text (the report files are still written).
QUIETEST = -3

#: The answer a child may give is cut at this size (bytes).
MAX_ANSWER = 1_000_000


# ------------------------------------------------------------------ finding


def hooked_spec(
    finder: object, fullname: str, path: Optional[Sequence[str]], target: Optional[ModuleType]
) -> Optional[ModuleSpec]:
    """The spec of a hooked pip module, from the finders after ``finder``, with
    a loader that patches the module once it has run. Called by
    ``_pip_doctor_boot.find_spec``; None when no later finder knows the name.
    """
    patch = PATCHERS.get(fullname)
    finders = list(sys.meta_path)
    if patch is None or finder not in finders:
        return None
    for later in finders[finders.index(finder) + 1:]:
        find_spec = getattr(later, "find_spec", None)
        spec = find_spec(fullname, path, target) if find_spec is not None else None
        if spec is None:
            continue
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = HookedLoader(spec.loader, patch)
        return spec  # type: ignore[no-any-return]
    return None


class HookedLoader:
    """The real loader of a hooked pip module; runs ``patch`` after the module.

    Every other attribute (``get_code``, ``get_filename``, ...) is the real
    loader's. A failing patch is swallowed: pip works as without pip-doctor.
    """

    def __init__(self, loader: Any, patch: Callable[[ModuleType], None]) -> None:
        self.loader = loader
        self.patch = patch

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)

    def create_module(self, spec: ModuleSpec) -> Optional[ModuleType]:
        create = getattr(self.loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        with suppress(Exception):
            self.patch(module)


# ------------------------------------------------------------------ patching


def patch_base_command(module: ModuleType) -> None:
    """Make every pip command's ``main_context`` push a :class:`Watch`."""
    command_class = getattr(module, "Command", None)
    original = getattr(command_class, "main_context", None)
    if getattr(original, MARK, False):
        return
    if not isinstance(command_class, type) or not callable(original):
        _note_if_verbose_argv(
            "pip's Command has no main_context; pip-doctor stays out of this pip"
        )
        return

    def main_context(self: Any) -> Any:
        context = original(self)  # pip's own context manager, not entered yet
        try:
            stack = getattr(self, "_main_context", None)
            if getattr(self, "name", None) in COMMANDS and isinstance(stack, ExitStack):
                stack.push(Watch(self))  # type: ignore[type-var]  # runs after pip's cleanup
        except Exception:
            pass
        return context

    setattr(main_context, MARK, True)
    main_context.__doc__ = original.__doc__
    command_class.main_context = main_context  # type: ignore[attr-defined]


#: What to do with each hooked pip module once it has run.
PATCHERS: dict[str, Callable[[ModuleType], None]] = {
    BASE_COMMAND_LOGGER: patch_base_command,
}


# ------------------------------------------------------------------ watching


class Failure:
    """The record that reported a command's failure, and the exception behind it."""

    def __init__(self, kind: str, error: BaseException, record: logging.LogRecord) -> None:
        self.kind = kind
        self.error = error
        self.record = record


class Watch(logging.Handler):
    """One pip command: its warnings and errors while it runs, its failure at the end.

    Pushed onto the command's exit stack before ``main`` runs, so its
    :meth:`__exit__` runs when that stack closes, after everything pip pushed
    (temporary directories) has been cleaned up, and before ``main`` returns
    the exit status. It never raises and never swallows an exception.
    """

    def __init__(self, command: Any) -> None:
        # below WARNING only for KEPT_INFO and, with -v, a build's streamed output
        super().__init__(VERBOSE)
        self.command = command
        self.log: list[str] = []
        self.output: list[str] = []
        self.failure: Optional[Failure] = None
        self.warning: Optional[tuple[str, logging.LogRecord, str]] = None
        logging.getLogger(PIP_LOGGER).addHandler(self)

    # logging.Handler
    def emit(self, record: logging.LogRecord) -> None:
        try:
            if record.levelno < logging.WARNING:
                if record.name == SUBPROCESS_LOGGER:  # -v: a build's output, line by line
                    self.output.append(_record_text(record)[:OUTPUT_LINE_CHARS])
                    del self.output[:-OUTPUT_LINES]
                    return
                if record.levelno < logging.INFO or not str(record.msg).startswith(KEPT_INFO):
                    return
            text = _record_text(record)
            if record.name == SUBPROCESS_LOGGER and record.levelno >= logging.ERROR:
                self.log.append(_shortened(_with_output(record, text)))
            else:
                self.log.append(text[:LOG_LINE_CHARS])
            del self.log[:-LOG_LINES]
            if record.levelno >= logging.ERROR:
                failure = failure_of(record)
                if failure is not None:
                    self.failure = failure
            elif self.warning is None:
                reference = warning_reference(record)
                if reference is not None:
                    self.warning = (reference, record, text)
        except Exception:
            pass

    def handleError(self, record: logging.LogRecord) -> None:
        pass  # never a word from logging about pip-doctor

    # the command's exit stack
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> Literal[False]:
        try:
            logging.getLogger(PIP_LOGGER).removeHandler(self)
            if exc_type is None:  # else pip lets it through (--debug, Ctrl-C): so do we
                self.finish()
        except BaseException:
            pass
        return False

    def finish(self) -> None:
        """Diagnose the failure (if any) in a child and print the text after pip's."""
        data = capture(self)
        if data is None:
            return
        verbosity = _verbosity(self.command)
        text, why = run_child(data, timeout())
        if text and verbosity > QUIETEST:
            _write_stderr(text)
        if why and verbosity >= 1:
            note(why)


def _record_text(record: logging.LogRecord) -> str:
    try:
        return str(record.getMessage())
    except Exception:
        return str(record.msg)


def _with_output(record: logging.LogRecord, text: str) -> str:
    """A failed build's record with the output pip shows in its box: pip 22.1
    and later log the error object, whose ``context`` (rich text) holds the
    output when pip did not stream it (no ``-v``); older pips log the output
    in the message itself.
    """
    args = record.args
    error = args[0] if isinstance(args, tuple) and args else None
    context = getattr(error, "context", None)
    if context is None:
        return text
    try:
        return f"{text}\n{context}"
    except Exception:
        return text


def _streamed(watch: Watch) -> list[str]:
    """The last lines of a build's output that pip streamed (``-v``), as one
    log entry, when the command failed; else nothing.
    """
    if watch.failure is None or not watch.output:
        return []
    return [_shortened("\n".join(watch.output))]


def _shortened(text: str) -> str:
    """``text`` within :data:`LOG_LINE_CHARS`: its start and its end (a build's
    error is at the end of its output, the command and its directory at the start).
    """
    if len(text) <= LOG_LINE_CHARS:
        return text
    head = LOG_LINE_CHARS // 4
    return text[:head] + "\n...\n" + text[-(LOG_LINE_CHARS - head - 5):]


def failure_of(record: logging.LogRecord) -> Optional[Failure]:
    """The failure an ERROR-or-above record reports, or None.

    - pip's install command logging its ``OSError`` ("Could not install
      packages due to an OSError"): ``os-error``;
    - ``base_command`` reporting an ``OSError`` it did not expect
      ("ERROR: Exception:" and a traceback), or requests' ``TypeError`` on a
      proxy URL without a host (:func:`is_proxy_url_crash`): ``unhandled``;
    - ``base_command`` reporting "No matching distribution found":
      ``no-matching-distribution``;
    - ``base_command`` reporting any other of pip's errors (``PipError``,
      ``DiagnosticPipError``): ``pip-error``.

    The exception is the record's ``exc_info`` or the one being handled.
    Anything else (another bug of pip's, Ctrl-C) is not diagnosed.
    """
    error = record.exc_info[1] if record.exc_info else sys.exc_info()[1]
    if not isinstance(error, Exception):
        return None
    names = {cls.__name__ for cls in type(error).__mro__}
    if record.name == BASE_COMMAND_LOGGER:
        if record.exc_info and (isinstance(error, OSError) or is_proxy_url_crash(error)):
            return Failure("unhandled", error, record)
        if names & NO_MATCH_CLASSES:
            return Failure("no-matching-distribution", error, record)
        if "PipError" in names:
            return Failure("pip-error", error, record)
        return None
    if isinstance(error, OSError) and record.name.startswith("pip._internal.commands."):
        return Failure("os-error", error, record)
    return None


def is_proxy_url_crash(error: BaseException) -> bool:
    """The ``TypeError`` requests raises, and pip crashes on, for a proxy URL
    with a user but no host (``http://alice:pw@``): "sequence item 1: expected
    str instance, NoneType found" in ``prepend_scheme_if_needed``.
    """
    if not isinstance(error, TypeError):
        return False
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_name == "prepend_scheme_if_needed"


def warning_reference(record: logging.LogRecord) -> Optional[str]:
    """The reference of a warning of pip's that is diagnosed (:data:`WARNINGS`), or None."""
    if record.levelno != logging.WARNING or record.name != BASE_COMMAND_LOGGER:
        return None
    pattern = str(record.msg)
    for part, reference in WARNINGS.items():
        if part in pattern:
            return reference
    return None


# ------------------------------------------------------------------ capture


def capture(watch: Watch) -> Optional[dict[str, Any]]:
    """What the child is fed: ``{"error": ..., "context": ...}``, plain JSON data.

    None when the command did not fail and warned of nothing diagnosed.
    """
    failure = watch.failure
    if failure is not None:
        error = exception_data(failure.error)
        kind = failure.kind
        message = _record_text(failure.record)
        if kind == "unhandled" and failure.record.exc_info:
            message += "\n" + _traceback_text(failure.record.exc_info)
    elif watch.warning is not None:
        reference, record, message = watch.warning
        error = warning_data(reference, record, message)
        kind = "warning"
    else:
        return None
    command = watch.command
    parser = getattr(command, "parser", None)
    options = getattr(parser, "values", None)
    positional = [*getattr(parser, "largs", ()), *getattr(parser, "rargs", ())]
    verbosity = _verbosity(command)
    pip = sys.modules.get("pip")
    return {
        "protocol": PROTOCOL,
        "error": error,
        "context": {
            "command": str(getattr(command, "name", "")),
            "argv": _argv(str(getattr(command, "name", ""))),
            "args": [str(arg) for arg in positional],
            "pip_options": json_options(options),
            "pip_version": getattr(pip, "__version__", None),
            "original_message": message,
            "verbose": verbosity >= 1,
            "verbosity": verbosity,
            "log": [*watch.log, *_streamed(watch)],
            "failure": kind,
            "interpreter": sys.executable,
        },
        "output": _output_data(options),
    }


def warning_data(reference: str, record: logging.LogRecord, message: str) -> dict[str, Any]:
    """A warning in the shape of ``exception_data``: type ``PipWarning``, the
    warning's text, its ``reference`` (:data:`WARNINGS`) and the path it names.
    """
    path = record.args[0] if isinstance(record.args, tuple) and record.args else None
    return {
        "type": "PipWarning",
        "module": record.name,
        "mro": [],
        "errno": None,
        "strerror": None,
        "filename": path if isinstance(path, str) else None,
        "filename2": None,
        "winerror": None,
        "message": message,
        "reference": reference,
        "cause": None,
    }


def json_options(options: object) -> dict[str, Any]:
    """Every option whose value JSON can carry, by pip's ``dest`` name."""
    try:
        values = vars(options)
    except TypeError:
        return {}
    return {str(key): value for key, value in values.items() if _is_json(value)}


def _is_json(value: object, depth: int = 0) -> bool:
    if value is None or isinstance(value, (bool, int, str)):
        return True
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    if depth > 8:
        return False
    if isinstance(value, (list, tuple)):
        return all(_is_json(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return all(
            isinstance(key, str) and _is_json(item, depth + 1) for key, item in value.items()
        )
    return False


def _argv(command: str) -> list[str]:
    """pip's command line after the program name: ``sys.argv[1:]`` when it
    names this command (pip run as a program), else just the command.
    """
    arguments = [str(arg) for arg in sys.argv[1:]]
    return arguments if command in arguments else [command]


def _verbosity(command: Any) -> int:
    verbosity = getattr(command, "verbosity", 0)
    return verbosity if isinstance(verbosity, int) else 0


def _output_data(options: object) -> dict[str, Any]:
    """How the text should look on pip's stderr (the child writes into a pipe)."""
    stream = sys.stderr
    try:
        terminal = bool(stream is not None and stream.isatty())
    except Exception:
        terminal = False
    return {
        "terminal": terminal,
        "encoding": str(getattr(stream, "encoding", None) or ""),
        "no_color": bool(getattr(options, "no_color", False)),
    }


def _traceback_text(exc_info: Any) -> str:
    """The traceback as pip's logging printed it (pip formats it the same way)."""
    return logging.Formatter().formatException(exc_info)


# ------------------------------------------------------------------ the child


def timeout() -> float:
    """``PIP_DOCTOR_TIMEOUT`` in seconds, or the default (0.5)."""
    raw = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        return DEFAULT_TIMEOUT
    return value if 0 <= value < 3600 else DEFAULT_TIMEOUT


def child_command() -> list[str]:
    """The child's command line: this interpreter, without the working
    directory on ``sys.path`` (a stray ``attrs.py`` there must not be imported).
    """
    code = (
        "import sys\n"
        "if sys.path and sys.path[0] == '': del sys.path[0]\n"
        f"from {CHILD_MODULE} import main\n"
        "main()\n"
    )
    return [sys.executable, "-c", code]


def run_child(data: Mapping[str, Any], seconds: float) -> tuple[str, str]:
    """Run the child on ``data`` for at most ``seconds``: (its text, why not).

    The text is empty when the child found nothing to say, failed or ran out
    of time; the second item then says why (shown under ``-v``).
    """
    if not sys.executable:
        return "", "no diagnosis: the interpreter's path is unknown"
    deadline = time.monotonic() + seconds
    payload = json.dumps({**data, "deadline": deadline, "timeout": seconds}).encode()
    try:
        child = subprocess.Popen(
            child_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            close_fds=True,
            start_new_session=os.name == "posix",
        )
    except OSError as error:  # the interpreter moved or cannot run: pip's message stands
        return "", f"no diagnosis: could not start {sys.executable}: {error}"
    complete = False
    try:
        if os.name == "posix":
            answer, errors, complete = _exchange(child, payload, deadline)
        else:
            answer, errors, complete = _exchange_windows(child, payload, deadline)
    finally:
        _end(child, answered=complete)
    if not complete:
        return "", (
            f"no diagnosis: it took longer than {seconds:g}s "
            f"(set {TIMEOUT_VARIABLE} to allow more)"
        )
    text = answer.decode("utf-8", "replace")
    if child.returncode not in (0, None) or (not text and errors.strip()):
        last = errors.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        return text, f"no diagnosis: the diagnosis failed (status {child.returncode}): {last[0]}"
    return text, ""


def _exchange(
    child: subprocess.Popen[bytes], payload: bytes, deadline: float
) -> tuple[bytes, bytes, bool]:
    """Feed ``payload`` and read both pipes until stdout closes or the deadline;
    one thread, one ``select`` loop. True as third item when stdout closed.
    """
    answer, errors = bytearray(), bytearray()
    sent = 0
    stdin, stdout, stderr = child.stdin, child.stdout, child.stderr
    assert stdin is not None
    assert stdout is not None
    assert stderr is not None
    with selectors.DefaultSelector() as selector:
        if payload:
            selector.register(stdin, selectors.EVENT_WRITE)
        else:
            stdin.close()
        selector.register(stdout, selectors.EVENT_READ)
        selector.register(stderr, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return bytes(answer), bytes(errors), False
            for key, _events in selector.select(left):
                if key.fileobj is stdin:
                    try:
                        sent += os.write(stdin.fileno(), payload[sent:sent + 512])
                    except OSError:  # the child stopped reading (it failed)
                        sent = len(payload)
                    if sent >= len(payload):
                        selector.unregister(stdin)
                        stdin.close()
                    continue
                chunk = os.read(key.fd, 65536)
                target = answer if key.fileobj is stdout else errors
                if not chunk:
                    selector.unregister(key.fileobj)
                    if key.fileobj is stdout:
                        return bytes(answer), bytes(errors), True
                    continue
                if len(target) < MAX_ANSWER:
                    target += chunk


def _exchange_windows(
    child: subprocess.Popen[bytes], payload: bytes, deadline: float
) -> tuple[bytes, bytes, bool]:
    """Windows has no ``select`` on pipes: ``communicate`` reads with helper
    threads that end when the child is killed (:func:`_end`).
    """
    try:
        answer, errors = child.communicate(payload, max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return b"", b"", False
    return answer or b"", errors or b"", True


def _end(child: subprocess.Popen[bytes], answered: bool) -> None:
    """Close the pipes; a child (or what it started) still running is killed,
    never waited for beyond a moment: a probe stuck in a system call cannot
    hold pip. A child that ``answered`` is given that moment to exit by
    itself first; one that overran pip's deadline is killed at once.
    """
    for stream in (child.stdin, child.stdout, child.stderr):
        try:
            if stream is not None:
                stream.close()
        except Exception:
            pass
    try:
        if answered and child.poll() is None:
            child.wait(0.02)
    except Exception:
        pass
    try:
        if os.name == "posix":
            os.killpg(child.pid, signal.SIGKILL)  # the child leads its own group
        elif child.poll() is None:
            child.kill()
    except Exception:
        pass
    with suppress(Exception):
        child.wait(0.02)


# ------------------------------------------------------------------ output


def _write_stderr(text: str) -> None:
    """``text`` on stderr after everything pip wrote; never raises."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except Exception:
        pass
    try:
        sys.stderr.write(text if text.endswith("\n") else text + "\n")
        sys.stderr.flush()
    except Exception:
        pass


def note(message: str) -> None:
    """One line on stderr: ``pip-doctor: note: ...``; never raises."""
    _write_stderr(f"pip-doctor: note: {message}\n")


def _note_if_verbose_argv(message: str) -> None:
    """A note when pip's command line asks for ``-v`` (pip's options are not parsed yet)."""
    if any(_is_verbose_flag(arg) for arg in sys.argv[1:]):
        note(message)


def _is_verbose_flag(arg: str) -> bool:
    if arg == "--verbose":
        return True
    flags = arg[1:]
    return arg.startswith("-") and not arg.startswith("--") and "v" in flags and (
        set(flags) <= {"v", "q"}
    )


# ------------------------------------------------------------------ pip-doctor install


def run_pip_install(argv: list[str]) -> int:
    """Run ``pip install ARGV`` in this interpreter with the diagnosis on; pip's status.

    Works whether or not the start-up hook is active (``PIP_DOCTOR_DISABLE``,
    an editable install without the ``.pth``). Like pip's own script it
    uses pip's ``cli`` entry (pip 26.3+), so on 26.3 imports stay blocked once
    installation has started: the caller should only return the status.
    """
    # pip is imported here, when the caller asks to run it, not at start-up.
    from pip._internal.cli import base_command
    from pip._internal.cli import main as pip_main

    patch_base_command(base_command)
    entry = getattr(pip_main, "cli", None) or pip_main.main
    status = entry(["install", *argv])
    return int(status or 0)


__all__ = [
    "capture",
    "failure_of",
    "hooked_spec",
    "patch_base_command",
    "run_child",
    "run_pip_install",
]
