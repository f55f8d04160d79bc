"""The JSON renderer: exactly the contract's schema v1, stable key order, UTF-8.

Keys come in the order :meth:`Report.to_dict` builds them (the contract's
order); nothing is sorted or added. Text is written as UTF-8 characters, not
``\\u`` escapes.

File names that are not valid in the file system's encoding reach Python as
strings with surrogate escapes (U+DC80..U+DCFF), which UTF-8 cannot carry.
Such a byte is written as the four characters ``\\xNN`` (backslash, ``x``,
two hex digits), as Python's ``backslashreplace`` shows it; any other lone
surrogate as ``\\uDXXX``. The JSON is then always valid UTF-8 that any parser
reads, and a person still sees which byte it was.
"""

from __future__ import annotations

import json
import os
from typing import Any, Optional

from pip_doctor._model import Report


def render_json(report: Report, *, indent: Optional[int] = 2) -> str:
    """The report as JSON text (schema_version 1), ending with a newline."""
    return render_json_data(report.to_dict(), indent=indent)


def render_json_data(data: Any, *, indent: Optional[int] = 2) -> str:
    """Any JSON data (a report's, the preflight's, the plugin list) as UTF-8-safe text."""
    return json.dumps(json_safe(data), indent=indent, ensure_ascii=False) + "\n"


def json_safe(value: Any) -> Any:
    """``value`` with every string made encodable as UTF-8 (see module docstring)."""
    if isinstance(value, str):
        return utf8_text(value)
    if isinstance(value, dict):
        return {utf8_text(str(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def utf8_text(text: str) -> str:
    """``text`` unchanged when UTF-8 can carry it, else with escapes shown as ``\\xNN``."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        return text
    try:
        raw = os.fsencode(text)
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")
