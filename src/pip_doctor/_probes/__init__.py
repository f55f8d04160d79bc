"""Built-in probes: facts about this machine, registered like any plugin's."""

from __future__ import annotations

from pip_doctor._model import Probe
from pip_doctor._redact import hookimpl

BUILTIN_PROBES: tuple[Probe, ...] = ()


@hookimpl
def pip_doctor_probes() -> tuple[Probe, ...]:
    return BUILTIN_PROBES
