"""The public functions: :func:`diagnose` and :func:`format_os_error`."""

from __future__ import annotations

import os
import sys
from typing import Optional

from pip_doctor import _engine, _manager, _pip_compat
from pip_doctor._model import ErrorInfo, InstallContext, InstallOptions, Problem, Report


def diagnose(error: BaseException, *, context: Optional[InstallContext] = None) -> Report:
    """Diagnose ``error`` on this machine and return the ranked :class:`Report`.

    ``context`` describes the install that failed; None means "this
    interpreter, a plain ``pip install``". The probes measure the Python
    running this call (``sys.executable``), never ``context.interpreter``: to
    diagnose another interpreter, call this from it (``pip-doctor`` run with
    that Python). When the two differ, the report says so in ``problems``
    (and the ``interpreter`` facts hold both). Never raises, except
    ``KeyboardInterrupt`` (Ctrl-C still stops pip): any other failure of
    pip-doctor, a plugin or the error object itself (``SystemExit`` included)
    comes back as a report with no diagnoses and a ``problems`` entry.
    """
    return run_diagnosis(error, context, _engine.DEFAULT_BUDGET)


def run_diagnosis(
    error: BaseException | ErrorInfo,
    context: Optional[InstallContext],
    budget: _engine.Budget,
) -> Report:
    """:func:`diagnose` within ``budget``, of an exception or of its data
    (the child process inside pip gets only the data). Never raises, but for
    ``KeyboardInterrupt``.
    """
    try:
        if context is None:
            context = InstallContext(pip_version=_pip_compat.pip_version())
        report = _engine.diagnose(error, context, _manager.get_manager(), budget)
        other = _other_interpreter(context)
        if other is not None:
            report = report.with_problem(Problem(source="pip_doctor", message=other))
        return report
    except KeyboardInterrupt:
        raise
    except BaseException as failure:  # the promise is: never raises
        return _failed_report(error, context, failure)


def _other_interpreter(context: InstallContext) -> Optional[str]:
    """What to say when ``context`` names another Python than the one measured."""
    named, measured = context.interpreter, sys.executable
    if not named or not measured or os.path.abspath(named) == os.path.abspath(measured):
        return None
    return (f"the install context names {named}, but the facts are of the Python running "
            f"pip-doctor, {measured}: run pip-doctor with {named} to diagnose that one")


def _failed_report(
    error: BaseException | ErrorInfo, context: Optional[InstallContext], failure: BaseException
) -> Report:
    """The report of a diagnosis that failed, built so that it cannot fail: when
    the error object (which may be what broke) cannot be read, only its type
    is kept.
    """
    if isinstance(error, ErrorInfo):
        return Report(
            error=error,
            context=context if isinstance(context, InstallContext) else InstallContext(),
            problems=(Problem(source="pip_doctor", message=f"diagnosis failed: {failure!r:.200}"),),
        )
    name = type(error).__name__
    try:
        info = ErrorInfo.from_exception(error)
    except BaseException:  # not even KeyboardInterrupt: this is its own failure
        info = ErrorInfo(type=name, message=name)
    try:
        what = repr(failure)
    except BaseException:
        what = type(failure).__name__
    return Report(
        error=info,
        context=context if isinstance(context, InstallContext) else InstallContext(),
        problems=(Problem(source="pip_doctor", message=f"diagnosis failed: {what}"),),
    )


def format_os_error(error: OSError, show_traceback: bool, using_user_site: bool) -> str:
    """pip's ``create_os_error_message``, followed by pip-doctor's diagnosis.

    Same signature as pip's function, usable in its place. The text starts with
    exactly what the installed pip's own function returns for the same
    arguments; whatever goes wrong in the diagnosis, that text still comes back.
    Inside pip, pip-doctor does not use this function: pip prints its own
    message and the diagnosis follows it.
    """
    original = _pip_compat.pip_message(error, show_traceback, using_user_site)
    try:
        context = InstallContext(
            options=InstallOptions(user=bool(using_user_site)),
            pip_version=_pip_compat.pip_version(),
            original_message=original,
            verbose=bool(show_traceback),
        )
        report = diagnose(error, context=context)
        return original + "\n" + report.to_text()
    except BaseException:  # Ctrl-C or a bug: pip's own message still comes out
        return original
