"""Start-up hook of pip-doctor: the only code that runs in every Python process.

``pip_doctor.pth`` (and ``pip_doctor.start``, PEP 829) call :func:`install`
when the interpreter starts. It adds one meta-path finder and nothing else;
the finder ignores every import except pip's install and uninstall command
modules. When pip imports one of those, the finder lets the real loader run
and then hands the module to :mod:`pip_doctor._pip_hook`, which wraps the
command. Nothing of pip-doctor is imported by a process that never runs pip.

This module must stay cheap: it uses only ``sys`` and ``os`` (already loaded
at start-up) and does not even import ``__future__`` or ``typing``; the
annotations are strings and ``TYPE_CHECKING`` is a plain constant.
Whatever goes wrong here or in the hook is swallowed: pip must work exactly
as it does without pip-doctor.
"""

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

#: pip's modules to hook -> the name of the function in ``pip_doctor._pip_hook``.
HOOKED = {
    "pip._internal.commands.install": "patch_install_module",
    "pip._internal.commands.uninstall": "patch_uninstall_module",
}

#: Set this to 1 (or true/yes/on) and pip-doctor does nothing at all.
DISABLE_VARIABLE = "PIP_DOCTOR_DISABLE"


def disabled() -> bool:
    """True when ``PIP_DOCTOR_DISABLE`` asks pip-doctor to stay out of the way."""
    value = os.environ.get(DISABLE_VARIABLE, "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


def after_load(module: "ModuleType") -> None:
    """Give a freshly executed pip module to pip-doctor's hook; never raises."""
    try:
        from pip_doctor import _pip_hook

        getattr(_pip_hook, HOOKED[module.__name__])(module)
    except BaseException:  # pip must work exactly as without pip-doctor
        pass


class HookedLoader:
    """The real loader of a hooked pip module, plus :func:`after_load`."""

    def __init__(self, loader: "object") -> None:
        self.loader = loader

    def __getattr__(self, name: str) -> "object":
        # get_code, get_source, get_filename, get_resource_reader, ...
        return getattr(self.loader, name)

    def create_module(self, spec: "ModuleSpec") -> "ModuleType | None":
        create = getattr(self.loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: "ModuleType") -> None:
        self.loader.exec_module(module)  # type: ignore[attr-defined]
        after_load(module)


class PipHookFinder:
    """A meta-path finder that answers only for pip's install/uninstall modules.

    For every other name it returns None at once. For a hooked name it asks
    the finders after it for the real spec and wraps that spec's loader.
    """

    def find_spec(
        self,
        fullname: str,
        path: "Sequence[str] | None" = None,
        target: "ModuleType | None" = None,
    ) -> "ModuleSpec | None":
        if fullname not in HOOKED:
            return None
        try:
            return self._hooked_spec(fullname, path, target)
        except BaseException:
            return None  # let the normal machinery find it unchanged

    def _hooked_spec(
        self, fullname: str, path: "Sequence[str] | None", target: "ModuleType | None"
    ) -> "ModuleSpec | None":
        found = False
        for finder in list(sys.meta_path):
            if not found:
                found = finder is self
                continue
            find_spec = getattr(finder, "find_spec", None)
            if find_spec is None:
                continue
            spec: ModuleSpec | None = find_spec(fullname, path, target)
            if spec is None:
                continue
            if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = HookedLoader(spec.loader)  # type: ignore[assignment]
            return spec
        return None


_finder = PipHookFinder()


def install() -> None:
    """Add the finder to ``sys.meta_path`` once; a no-op when disabled or repeated.

    Python runs a virtual environment's ``.pth`` files twice on 3.11-3.13 and
    both ``.pth`` and ``.start`` may be processed: calling this again changes
    nothing.
    """
    try:
        if disabled():
            return
        if any(finder is _finder for finder in sys.meta_path):
            return
        sys.meta_path.insert(0, _finder)
    except BaseException:
        pass
