"""Rules files: the placeholders of their texts (``{probe.key}``, ``{error.KEY}``,
``{context.KEY}``), checked when a file is read and filled in when a rule matches.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Optional

import attrs

from pip_doctor._model import ErrorInfo, Situation


class RulesError(ValueError):
    """A mistake in a rules file and the key it concerns (the line is found from the key)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_CONTEXT_KEYS = ("interpreter", "command", "pip_version", "requirements", "failure")
_ERROR_KEYS = tuple(field.name for field in attrs.fields(ErrorInfo))


def template_names(text: str, key: str) -> tuple[str, ...]:
    """The placeholder names of ``text``; raises RulesError for a malformed one."""
    names = []
    for match in _PLACEHOLDER.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        name = match.group(1)
        if name is None:
            raise RulesError(key, f"unbalanced brace in {text!r} (write {{{{ or }}}})")
        probe, dot, fact = name.strip().rpartition(".")
        if not (dot and probe and fact):
            raise RulesError(key, f"placeholder {{{name}}} must be {{probe.key}}")
        known = {"error": _ERROR_KEYS, "context": _CONTEXT_KEYS}.get(probe)
        if known is not None and fact not in known:
            raise RulesError(key, f"{{{name}}}: {probe} has {', '.join(known)}")
        names.append(name.strip())
    return tuple(names)


def words(text: str, situation: Situation) -> Optional[list[str]]:
    """One word of an ``argv`` filled in: a word that is one placeholder whose
    value is a list (``{context.requirements}``) becomes one word per item;
    None when a placeholder has no value.
    """
    match = _PLACEHOLDER.fullmatch(text)
    if match is not None and match.group(1) is not None:
        value = lookup(situation, match.group(1).strip())
        if isinstance(value, (list, tuple)):
            return [as_text(item) for item in value] if value else None
    shown = render(text, situation)
    return None if shown is None else [shown]


def lookup(situation: Situation, name: str) -> Any:
    """The value a placeholder or fact test ``name`` stands for, or None."""
    section, _dot, key = name.rpartition(".")
    if section == "error":
        return getattr(situation.error, key, None) if key in _ERROR_KEYS else None
    if section == "context":
        return getattr(situation.context, key, None) if key in _CONTEXT_KEYS else None
    return situation.fact(section, key)


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(as_text(item) for item in value)
    return str(value)


def render(
    text: str, situation: Situation, quote_value: Optional[Callable[[str], str]] = None
) -> Optional[str]:
    """``text`` with its placeholders filled in, or None when one has no value.

    ``quote_value`` turns each filled-in value into what ``text`` needs: a
    command line passes its shell's quoting, so a path with a space stays one
    word. Evidence, titles and links are filled in plainly.
    """
    missing = False

    def fill(match: re.Match[str]) -> str:
        nonlocal missing
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        value = lookup(situation, (match.group(1) or "").strip())
        if value is None or value == "":
            missing = True
            return ""
        if quote_value is not None and isinstance(value, (list, tuple)):
            return " ".join(quote_value(as_text(item)) for item in value)
        shown = as_text(value)
        return quote_value(shown) if quote_value is not None else shown

    result = _PLACEHOLDER.sub(fill, text)
    return None if missing else result
