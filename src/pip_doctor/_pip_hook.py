"""The hook inside pip: the install and uninstall commands, with the diagnosis.

``_pip_doctor_boot``'s finder asks :func:`hooked_spec` for pip's install and
uninstall command modules; once such a module has run, it goes to
:func:`patch_install_module` or :func:`patch_uninstall_module`. They wrap the
existing ``run`` of the command class (pip decorates it; it is wrapped, never
redefined). While a wrapped command runs:

- everything the error path needs is imported (:func:`prepare`) when the
  command starts on a pip that watches imports (26.1+; 26.3 blocks every
  import once installation starts), else only when there is an error;
- pip's ``create_os_error_message`` is replaced by pip-doctor's formatter:
  pip's own text, byte for byte, then the diagnosis; pip still logs it and
  still returns ERROR (1);
- an ``OSError`` that pip does not handle itself (``--target``'s final move,
  uninstalling files of another account) gets the diagnosis too, in the shape
  of pip's crash report, with pip's exit status UNKNOWN_ERROR (2)::

      ERROR: Exception:
      PermissionError: [Errno 13] Permission denied: '/srv/t/pkg'
      note: pip's traceback is shown with -v.

      pip-doctor: 1 likely cause; ...

  With ``-v`` the two lines after ``Exception:`` are pip's traceback instead
  (from the command's ``run`` down; the two frames of pip's dispatcher above
  it are not part of it). The ``pip.original_message`` of the JSON report is
  ``Exception:`` and that traceback.

On a pip whose internals differ from what pip-doctor knows, nothing is
patched and pip runs as without pip-doctor (a note on stderr under ``-v``).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import os
import pkgutil
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import TYPE_CHECKING, Any, Optional

import pip_doctor
from pip_doctor import _pip_compat

if TYPE_CHECKING:
    import attrs

    from pip_doctor import _api, _manager, _model, _timebox
    from pip_doctor._model import InstallContext, Report

#: pip's exit status for an error it did not handle (the same 20.0-26.3).
UNKNOWN_ERROR = 2

#: Set on everything pip-doctor puts into pip, so it is never wrapped twice.
MARK = "__pip_doctor__"

#: Modules of pip-doctor that the error path never needs: the command line
#: (which must not run), ``explain`` and ``check``, the opt-in plugin (loaded by
#: the manager when it is asked for) and the rules-file parser (imported by the
#: declarative plugin when plugins load, if there is a rules file).
NOT_PRELOADED = frozenset({
    "pip_doctor.__main__",
    "pip_doctor._cli",
    "pip_doctor._explain",
    "pip_doctor._preflight",
    "pip_doctor._rules_file",
    "pip_doctor.redact_identity",
})

#: Time limits (seconds) for a plugin's pip_doctor_report_paths and one file write.
REPORT_PATHS_TIMEOUT = 0.5
REPORT_WRITE_TIMEOUT = 2.0

#: Present in pip's install module from pip 26.1, which watches imports once
#: installation starts (26.1-26.2 warn, 26.3 blocks).
WATCHED_IMPORTS_MARKER = "_prevent_further_imports"

#: The environment variable naming a file for the JSON report.
REPORT_VARIABLE = "PIP_DOCTOR_REPORT"

#: pip's logger for "ERROR: Exception:" (the same record shape, the same handler).
_crash_logger = logging.getLogger("pip._internal.cli.base_command")

RunFunction = Callable[[Any, Any, list[str]], int]
MessageFunction = Callable[[OSError, bool, bool], str]


# ------------------------------------------------------------------ lazy modules


class _Lazy:
    """A module imported on first use: pip's install command patched, run and
    finished without an error never loads the engine, attrs or pluggy. On a
    pip that blocks imports, :func:`prepare` has imported them all before.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, attribute: str) -> Any:
        module = sys.modules.get(self.name) or importlib.import_module(self.name)
        return getattr(module, attribute)


if not TYPE_CHECKING:
    attrs = _Lazy("attrs")
    _api = _Lazy("pip_doctor._api")
    _manager = _Lazy("pip_doctor._manager")
    _model = _Lazy("pip_doctor._model")
    _timebox = _Lazy("pip_doctor._timebox")


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
        with contextlib.suppress(Exception):
            self.patch(module)


# ------------------------------------------------------------------ patching


def patch_install_module(module: ModuleType) -> None:
    """Wrap ``InstallCommand.run`` of pip's ``commands.install`` module."""
    name = _message_function_name(module)
    if name is None:
        _note_if_verbose_argv(
            "pip's install module has no create_os_error_message with the known "
            "arguments; pip-doctor stays out of this pip"
        )
        return
    _patch_command(module, "InstallCommand", "install", name)


def patch_uninstall_module(module: ModuleType) -> None:
    """Wrap ``UninstallCommand.run`` of pip's ``commands.uninstall`` module."""
    _patch_command(module, "UninstallCommand", "uninstall", None)


#: What to do with each hooked pip module once it has run.
PATCHERS: dict[str, Callable[[ModuleType], None]] = {
    "pip._internal.commands.install": patch_install_module,
    "pip._internal.commands.uninstall": patch_uninstall_module,
}


def _patch_command(
    module: ModuleType, class_name: str, command: str, message_name: Optional[str]
) -> None:
    command_class = getattr(module, class_name, None)
    run = getattr(command_class, "run", None)
    if getattr(run, MARK, False):
        return
    if not isinstance(command_class, type) or not callable(run) or _argument_count(run) != 3:
        _note_if_verbose_argv(
            f"pip's {class_name}.run is not what pip-doctor knows; "
            "pip-doctor stays out of this pip"
        )
        return
    command_class.run = _wrap_run(run, command, module, message_name)  # type: ignore[attr-defined]


def _message_function_name(module: ModuleType) -> Optional[str]:
    for name in _pip_compat.MESSAGE_FUNCTION_NAMES:
        if _argument_count(getattr(module, name, None)) == 3:
            return name
    return None


def _argument_count(function: object) -> Optional[int]:
    code = getattr(function, "__code__", None)
    count = getattr(code, "co_argcount", None)
    return count if isinstance(count, int) else None


def _wrap_run(
    run: RunFunction, command: str, module: ModuleType, message_name: Optional[str]
) -> RunFunction:
    @functools.wraps(run)
    def run_with_diagnosis(self: Any, options: Any, args: list[str]) -> int:
        session = Session.start(self, options, args, command, module, message_name)
        if session is None:
            return run(self, options, args)
        try:
            return run(self, options, args)
        except OSError as error:
            if getattr(options, "debug_mode", False):
                raise  # pip --debug lets every exception through: so do we
            status = session.crashed(error)
            if status is None:
                raise
            return status
        finally:
            session.finish()

    setattr(run_with_diagnosis, MARK, True)
    return run_with_diagnosis


# ------------------------------------------------------------------ the run


def prepare() -> None:
    """Import everything the error path needs, before pip blocks imports.

    That is every module of pip-doctor but those in :data:`NOT_PRELOADED`
    (probes, rules, renderers, ...) and every plugin the manager loads, with
    what their hooks import while they load. On pip 26.3 their names also go
    into ``pip._EAGER_IMPORTS``, the set pip imports before it blocks imports.
    """
    for info in pkgutil.walk_packages(pip_doctor.__path__, "pip_doctor."):
        if info.name not in NOT_PRELOADED:
            importlib.import_module(info.name)
    for name in pip_doctor.__all__:  # the package's names are imported on first use
        getattr(pip_doctor, name)
    manager = _manager.get_manager()
    names = {name for name in sys.modules if name.partition(".")[0] == "pip_doctor"}
    names.update(module.__name__ for module in manager.plugin_modules())
    eager = getattr(sys.modules.get("pip"), "_EAGER_IMPORTS", None)
    if isinstance(eager, set):
        eager.update(names)


class Session:
    """One run of a wrapped pip command: its options, and what was patched."""

    def __init__(
        self,
        options: Any,
        args: list[str],
        command: str,
        verbosity: int,
        module: ModuleType,
        message_name: Optional[str],
    ) -> None:
        self.options = options
        self.args = list(args)
        self.command = command
        self.verbosity = verbosity
        self.module = module
        self.message_name = message_name
        self.pip_version = _pip_compat.pip_version()
        self.original: Optional[MessageFunction] = None
        self.prepared: Optional[bool] = None

    @classmethod
    def start(
        cls,
        pip_command: Any,
        options: Any,
        args: list[str],
        command: str,
        module: ModuleType,
        message_name: Optional[str],
    ) -> Optional[Session]:
        """Prepare and patch; None (pip runs untouched) when anything fails."""
        verbosity = getattr(pip_command, "verbosity", 0)
        verbosity = verbosity if isinstance(verbosity, int) else 0
        try:
            session = cls(options, args, command, verbosity, module, message_name)
            if session.imports_watched and not session.ready():
                return None
            session.replace_message_function()
        except Exception as error:
            note(verbosity, f"not active for this command: {_describe(error)}")
            return None
        return session

    @property
    def imports_watched(self) -> bool:
        """pip 26.1+ warns about (26.3: blocks) imports once installation starts."""
        return hasattr(self.module, WATCHED_IMPORTS_MARKER)

    def ready(self) -> bool:
        """Run :func:`prepare` once: when the command starts if pip watches
        imports, else only when there is an error to diagnose (a successful
        install on an older pip pays nothing for it). False when it failed.
        """
        if self.prepared is None:
            try:
                prepare()
                self.prepared = True
            except Exception as error:
                note(self.verbosity, f"not active for this command: {_describe(error)}")
                self.prepared = False
        return self.prepared

    def context(self, using_user_site: Optional[bool] = None) -> InstallContext:
        """What the command was asked to do, read from pip's (live) options."""
        options = self.options
        if using_user_site is None:
            using_user_site = getattr(options, "use_user_site", False)
        return _model.InstallContext(
            command=self.command,
            options=_model.InstallOptions(
                user=bool(using_user_site),
                target=getattr(options, "target_dir", None),
                prefix=getattr(options, "prefix_path", None),
                root=getattr(options, "root_path", None),
                isolated=bool(getattr(options, "isolated_mode", False)),
            ),
            requirements=self.requested(),
            pip_version=self.pip_version,
            verbose=self.verbosity >= 1,
        )

    def requested(self) -> list[str]:
        """What the command was asked for: the arguments, then ``-r`` files and
        ``-e`` projects (pip keeps those in its options, not in the arguments).
        """
        requested = list(self.args)
        for flag, name in (("-r", "requirements"), ("-e", "editables")):
            values = getattr(self.options, name, None)
            if isinstance(values, (list, tuple)):
                for value in values:
                    requested += [flag, str(value)]
        return requested

    def replace_message_function(self) -> None:
        if self.message_name is None:
            return
        original = getattr(self.module, self.message_name)
        _pip_compat.remember_original(self.message_name, original)
        self.original = original

        def format_os_error(error: OSError, show_traceback: bool, using_user_site: bool) -> str:
            if not self.ready():
                return original(error, show_traceback, using_user_site)  # type: ignore[no-any-return]
            _api.set_current_context(self.context(using_user_site))
            text = pip_doctor.format_os_error(error, show_traceback, using_user_site)
            report = _api.last_report()
            if report is not None:
                write_reports(report, self.verbosity)
            return text

        setattr(format_os_error, MARK, True)
        setattr(self.module, self.message_name, format_os_error)

    def crashed(self, error: OSError) -> Optional[int]:
        """Report an OSError pip would crash on; pip's status, or None to let pip crash."""
        if not self.ready():
            return None
        try:
            pip_text = "Exception:\n" + _traceback_text(error)
            context = attrs.evolve(self.context(), original_message=pip_text)
            report = _api.diagnose(error, context=context)
            if self.verbosity >= 1 or report.best is None:
                head = pip_text  # nothing to say instead of pip's traceback: keep it
            else:
                head = "Exception:\n" + "".join(
                    traceback.format_exception_only(type(error), error)
                ).rstrip("\n") + "\nnote: pip's traceback is shown with -v."
            message = head + "\n\n" + report.to_text()
        except Exception:
            return None
        _crash_logger.critical(message)
        write_reports(report, self.verbosity)
        return UNKNOWN_ERROR

    def finish(self) -> None:
        """Put pip's own message function back and forget the context."""
        if self.original is not None and self.message_name is not None:
            setattr(self.module, self.message_name, self.original)
        if "pip_doctor._api" in sys.modules:  # else nothing set a context
            _api.set_current_context(None)


def _describe(error: BaseException) -> str:
    """``_timebox.describe``, or what it would say if pip-doctor cannot be imported."""
    try:
        return _timebox.describe(error)
    except Exception:
        return f"{type(error).__name__}: {error}"


def _traceback_text(error: BaseException) -> str:
    """The traceback as pip's logging shows it, without pip-doctor's own frame."""
    tb = error.__traceback__
    if tb is not None and tb.tb_frame.f_code.co_name == "run_with_diagnosis" and (
        tb.tb_frame.f_globals.get("__name__") == __name__
    ):
        tb = tb.tb_next
    lines = traceback.format_exception(type(error), error, tb)
    return "".join(lines).rstrip("\n")


# ------------------------------------------------------------------ reports


def write_reports(report: Report, verbosity: int) -> None:
    """Write the JSON to ``PIP_DOCTOR_REPORT`` and every plugin-named path; never raises."""
    try:
        text = report.to_json()
        targets = list(_report_paths(report, verbosity))
    except Exception as error:
        note(verbosity, f"no JSON report written: {_timebox.describe(error)}")
        return
    for source, path in targets:
        outcome = _timebox.call(functools.partial(_write_text, path, text), REPORT_WRITE_TIMEOUT)
        if not outcome.ok:
            note(verbosity, f"could not write the report to {path!r} ({source}): {outcome.error}")


def _report_paths(report: Report, verbosity: int) -> Iterable[tuple[str, str]]:
    path = os.environ.get(REPORT_VARIABLE, "")
    if path:
        yield REPORT_VARIABLE, path
    for source, function in _manager.get_manager().each_impl("pip_doctor_report_paths"):
        outcome = _timebox.call(
            functools.partial(_listed_paths, function, report), REPORT_PATHS_TIMEOUT
        )
        if not outcome.ok:
            note(verbosity, f"{source}: pip_doctor_report_paths failed: {outcome.error}")
            continue
        for item in outcome.value or ():
            yield source, item


def _listed_paths(function: Any, report: Report) -> list[str]:
    return [os.fspath(item) for item in function(report=report) or ()]


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


# ------------------------------------------------------------------ notes


def note(verbosity: int, message: str) -> None:
    """One line on stderr, only under ``-v``; never raises."""
    if verbosity < 1:
        return
    try:
        sys.stderr.write(f"pip-doctor: note: {message}\n")
        sys.stderr.flush()
    except Exception:
        pass


def _note_if_verbose_argv(message: str) -> None:
    """A note when pip's command line asks for ``-v`` (pip's options are not parsed yet)."""
    note(1 if any(_is_verbose_flag(arg) for arg in sys.argv[1:]) else 0, message)


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
    an editable install without the ``.pth``). Like pip's own script it uses
    pip's ``cli`` entry (pip 26.3+), so on 26.3 imports stay blocked once
    installation has started: the caller should only return the status.
    """
    # pip is imported here, when the caller asks to run it, not at start-up.
    from pip._internal.cli import main as pip_main
    from pip._internal.commands import install, uninstall

    patch_install_module(install)
    patch_uninstall_module(uninstall)
    entry = getattr(pip_main, "cli", None) or pip_main.main
    status = entry(["install", *argv])
    return int(status or 0)


__all__ = [
    "hooked_spec",
    "patch_install_module",
    "patch_uninstall_module",
    "prepare",
    "run_pip_install",
    "write_reports",
]
