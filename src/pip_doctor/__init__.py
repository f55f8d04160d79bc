"""pip-doctor: turns pip's "Permission denied" OSError into a diagnosis.

The public API, importable without running pip:

- :func:`diagnose` -- an exception (and what the install was asked to do) in,
  a ranked, evidence-backed :class:`Report` out. Never raises.
- :func:`format_os_error` -- a drop-in for pip's ``create_os_error_message``:
  pip's own text first, byte for byte, then the diagnosis.
- :class:`Report` -- ``.diagnoses`` (best first), ``.to_dict()`` (JSON,
  schema_version 1), ``.to_json()``, ``.to_text()``.
- For plugins: :data:`hookimpl`, :class:`Probe`, :class:`Rule`,
  :class:`Diagnosis`, :class:`Fix`, :class:`Link`, :func:`shell_commands`;
  the hooks are documented in :mod:`pip_doctor.hookspecs`.
"""

from __future__ import annotations

from pip_doctor._api import diagnose, format_os_error
from pip_doctor._model import (
    Command,
    Diagnosis,
    ErrorInfo,
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
from pip_doctor._shells import quote, shell_commands
from pip_doctor._version import __version__
from pip_doctor.hookspecs import hookimpl

__all__ = [
    "Command",
    "Diagnosis",
    "ErrorInfo",
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
    "hookimpl",
    "quote",
    "shell_commands",
]
