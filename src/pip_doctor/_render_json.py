"""The JSON renderer: exactly the contract's schema, stable key order."""

from __future__ import annotations

import json
from typing import Optional

from pip_doctor._model import Report


def render_json(report: Report, *, indent: Optional[int] = 2) -> str:
    return json.dumps(report.to_dict(), indent=indent, ensure_ascii=False) + "\n"
