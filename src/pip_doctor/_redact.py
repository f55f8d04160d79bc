"""Redaction: secrets never appear in what pip-doctor prints or writes.

The built-in plugin here contributes, through ``pip_doctor_secrets``, the
credentials of index URLs (pip configuration files and ``PIP_*`` variables)
and the values of environment variables whose names mark them as secret.
:func:`redact_report` applies every plugin's pairs to every string of a report.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from pip_doctor._model import Facts, Report, Situation
from pip_doctor.hookspecs import PROJECT_NAME

import pluggy

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

MASK = "***"

_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|CREDENTIAL", re.I)
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@", re.I)


def secrets_in_environment(environ: Mapping[str, str]) -> list[str]:
    """Values of secret-looking variables, and credentials inside URLs anywhere."""
    found: list[str] = []
    for name, value in environ.items():
        if len(value) >= 4 and _SECRET_NAME.search(name):
            found.append(value)
        found.extend(credentials_in_text(value))
    return found


def credentials_in_text(text: str) -> list[str]:
    """The ``user:password`` parts of URLs in ``text``."""
    return [m.group("userinfo") for m in _URL_CREDENTIALS.finditer(text)]


@hookimpl
def pip_doctor_secrets(situation: Situation) -> list[str]:
    return secrets_in_environment(os.environ)


def redact_text(text: str, pairs: Iterable[tuple[str, str]]) -> str:
    for secret, replacement in pairs:
        if secret:
            text = text.replace(secret, replacement)
    # URL credentials nobody listed are still masked.
    return _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)


def _redact_value(value: Any, pairs: list[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        return redact_text(value, pairs)
    if isinstance(value, Mapping):
        return {k: _redact_value(v, pairs) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_redact_value(v, pairs) for v in value)
    if isinstance(value, list):
        return [_redact_value(v, pairs) for v in value]
    if attrs.has(type(value)):
        changes = {
            field.name: _redact_value(getattr(value, field.name), pairs)
            for field in attrs.fields(type(value))
            if not callable(getattr(value, field.name))
        }
        return attrs.evolve(value, **changes)
    return value


def redact_report(report: Report, pairs: Iterable[tuple[str, str]]) -> Report:
    """A copy of ``report`` with every string redacted, facts included.

    pip's own text, which :func:`pip_doctor.format_os_error` repeats first and
    byte for byte, is printed from pip's function, not from the report.
    """
    ordered = sorted(set(pairs), key=lambda pair: -len(pair[0]))
    redacted: Report = _redact_value(attrs.evolve(report, facts=Facts()), ordered)
    return attrs.evolve(redacted, facts=Facts(_redact_value(report.facts.to_dict(), ordered)))
