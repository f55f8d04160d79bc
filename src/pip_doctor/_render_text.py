"""The text renderer: the diagnosis in pip's voice (note/hint), 80 columns."""

from __future__ import annotations

from typing import Optional

from pip_doctor._model import Report, Shell


def render_text(
    report: Report, *, color: Optional[bool] = None, shell: Optional[Shell] = None,
    width: int = 80,
) -> str:
    lines = []
    for d in report.diagnoses:
        lines.append(f"{d.title} [{d.id}]")
    return "\n".join(lines) + "\n"
