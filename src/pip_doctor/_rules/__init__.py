"""Built-in rules: one per cause id of the contract, registered like any plugin's."""

from __future__ import annotations

from pip_doctor._model import Rule
from pip_doctor._redact import hookimpl

BUILTIN_RULES: tuple[Rule, ...] = ()


@hookimpl
def pip_doctor_rules() -> tuple[Rule, ...]:
    return BUILTIN_RULES
