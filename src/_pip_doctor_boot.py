"""Start-up hook of pip-doctor: what a Python process that runs pip loads.

``pip_doctor.pth`` calls :func:`install` when the interpreter starts, if the
command line mentions pip (:func:`runs_pip`; any other process imports
nothing of pip-doctor's); ``pip_doctor.start`` (PEP 829, which replaces the
``.pth`` import line where Python supports it) calls it always, and
:func:`install` makes the same test. It puts this module at the front of
``sys.meta_path``: the module itself is the finder (its :func:`find_spec`),
which answers None at once for every import except pip's
``pip._internal.cli.base_command`` (the base of every pip command). For that
one it hands over to ``pip_doctor._pip_hook.hooked_spec``, which lets the
real loader run and then hooks the commands. Nothing of pip-doctor is
imported by a process that never runs pip.

This module must stay cheap, since every process that mentions pip (and,
where the ``.start`` file is used, every process) pays for importing it: it
uses only ``sys`` and ``os`` (already loaded at start-up), defines no class,
and does not even import ``__future__`` or ``typing`` (the annotations are
strings; ``TYPE_CHECKING`` is a plain constant). Whatever goes wrong here or
in the hook is swallowed: pip must work exactly as it does without pip-doctor.
"""

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

#: pip's modules to hook (``pip_doctor._pip_hook.PATCHERS`` says how).
HOOKED = ("pip._internal.cli.base_command",)

#: Set this to 1 (or true/yes/on) and pip-doctor does nothing at all.
DISABLE_VARIABLE = "PIP_DOCTOR_DISABLE"


def disabled() -> bool:
    """True when ``PIP_DOCTOR_DISABLE`` asks pip-doctor to stay out of the way."""
    value = os.environ.get(DISABLE_VARIABLE, "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


def find_spec(
    fullname: str,
    path: "Sequence[str] | None" = None,
    target: "ModuleType | None" = None,
) -> "ModuleSpec | None":
    """The meta-path finder: None for every name but the hooked pip module."""
    if fullname not in HOOKED:
        return None
    try:
        from pip_doctor._pip_hook import hooked_spec

        return hooked_spec(sys.modules[__name__], fullname, path, target)
    except BaseException:  # pip must work exactly as without pip-doctor
        return None  # the finders after this one find pip's module unchanged


def runs_pip() -> bool:
    """Whether this process's command line mentions pip at all.

    ``sys.orig_argv`` (Python 3.10+) holds the whole command line: ``python -m
    pip ...``, the ``pip``, ``pip3`` or ``pip3.11`` script, ``python -c`` code
    that runs pip through ``runpy``. A false "yes" (a path with "pip" in it)
    only costs the finder; on 3.9, which has no ``orig_argv``, the answer is
    always yes. ``pip_doctor.pth`` makes the same test before it imports this
    module, so that a process that never runs pip imports nothing of
    pip-doctor's.
    """
    return "pip" in str(getattr(sys, "orig_argv", None) or ["pip"])


def install() -> None:
    """Put this module on ``sys.meta_path`` once; a no-op when disabled,
    repeated, or in a process whose command line does not mention pip
    (:func:`runs_pip`).

    Python runs a virtual environment's ``.pth`` files twice on 3.11-3.13 and
    both the ``.pth`` and the ``.start`` may be processed: calling this again
    changes nothing.
    """
    try:
        if disabled() or not runs_pip():
            return
        me = sys.modules[__name__]
        if me not in sys.meta_path:
            sys.meta_path.insert(0, me)
    except BaseException:
        pass
