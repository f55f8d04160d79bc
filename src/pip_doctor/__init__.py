"""pip-doctor: turns pip's "Permission denied" OSError into a diagnosis.

The public API, importable without running pip:

- :func:`diagnose` -- an exception (and what the install was asked to do) in,
  a ranked, evidence-backed :class:`Report` out. Never raises.
- :func:`format_os_error` -- a drop-in for pip's ``create_os_error_message``:
  pip's own text first, byte for byte, then the diagnosis.
- :class:`Report` -- ``.diagnoses`` (best first), ``.to_dict()`` (JSON,
  schema_version 1), ``.to_json()``, ``.to_text()``.
- For plugins: :data:`hookimpl`, :class:`Probe`, :class:`Rule`,
  :class:`Diagnosis`, :class:`Fix`, :class:`Link`, :class:`Explanation`,
  :class:`Config`, :func:`shell_commands`, :func:`home_path`; the hooks
  are documented in :mod:`pip_doctor.hookspecs`, and
  :mod:`pip_doctor.testing` helps test a plugin. Every record takes keyword
  arguments only.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pip_doctor._version import __version__

if TYPE_CHECKING:
    from pip_doctor._api import diagnose, format_os_error
    from pip_doctor._model import (
        Command,
        Config,
        Diagnosis,
        ErrorInfo,
        Explanation,
        Facts,
        Fix,
        InstallContext,
        InstallOptions,
        Link,
        Probe,
        Problem,
        Report,
        Rule,
        Situation,
    )
    from pip_doctor._shells import home_path, quote, shell_commands
    from pip_doctor.hookspecs import hookimpl

#: Where each public name lives. They are imported on first use (PEP 562), so
#: ``import pip_doctor`` -- and pip's install command, which imports
#: ``pip_doctor._pip_hook`` -- does not pay for the engine, attrs and pluggy
#: until a name is asked for.
_HOMES = {
    "diagnose": "pip_doctor._api",
    "format_os_error": "pip_doctor._api",
    **dict.fromkeys(
        (
            "Command", "Config", "Diagnosis", "ErrorInfo", "Explanation", "Facts", "Fix",
            "InstallContext",
            "InstallOptions", "Link", "Probe", "Problem", "Report", "Rule", "Situation",
        ),
        "pip_doctor._model",
    ),
    "home_path": "pip_doctor._shells",
    "quote": "pip_doctor._shells",
    "shell_commands": "pip_doctor._shells",
    "hookimpl": "pip_doctor.hookspecs",
}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use and then kept here."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "Command",
    "Config",
    "Diagnosis",
    "ErrorInfo",
    "Explanation",
    "Facts",
    "Fix",
    "InstallContext",
    "InstallOptions",
    "Link",
    "Probe",
    "Problem",
    "Report",
    "Rule",
    "Situation",
    "__version__",
    "diagnose",
    "format_os_error",
    "home_path",
    "hookimpl",
    "quote",
    "shell_commands",
]
