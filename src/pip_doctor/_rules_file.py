"""Rules files: reading them (:func:`load`, :func:`parse_file`).

The format, where files are read from and what a mistake becomes are
described in :mod:`pip_doctor._declarative`, the plugin that uses them. A
file is parsed (tomllib, or pip's tomli before Python 3.11), each table is
checked by :mod:`pip_doctor._rules_file_schema` into the records of
:mod:`pip_doctor._rules_file_records`, and each mistake becomes a problem
``FILE:LINE: key 'KEY': what is wrong``. Imported only when there is a rules
file to read.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Callable, Optional, TypeVar

from pip_doctor import _rules_file_schema as schema
from pip_doctor._model import Problem
from pip_doctor._rules_file_records import SOURCE, DeclaredProbe, DeclaredRule, Ruleset, Secret
from pip_doctor._rules_file_templates import RulesError

if sys.version_info >= (3, 11):
    import tomllib as _toml
else:  # pragma: no cover - Python 3.9 and 3.10: pip's own copy, no new dependency
    try:
        from pip._vendor import tomli as _toml
    except ImportError:
        _toml = None

_TOML_LINE = re.compile(r"at line (\d+)")


def _header_lines(lines: Sequence[str], section: str) -> list[int]:
    """1-based line numbers of the ``[[section]]`` headers."""
    header = re.compile(r"^\s*\[\[\s*" + re.escape(section) + r"\s*\]\]")
    return [number for number, line in enumerate(lines, 1) if header.match(line)]


def _find_line(lines: Sequence[str], section: str, index: int, key: str) -> Optional[int]:
    """The line of ``key`` in the ``index``-th ``[[section]]`` table, as far as findable."""
    headers = _header_lines(lines, section)
    if index >= len(headers):
        return None
    start = headers[index]
    end = headers[index + 1] - 1 if index + 1 < len(headers) else len(lines)
    parts = [p for p in re.split(r"[.\[\]]+", key) if p and not p.isdigit()]
    leaf = parts[-1].strip('"') if parts else ""
    if leaf:
        word = re.compile(r'(^|[\s.{,\[])"?' + re.escape(leaf) + r'"?\s*(=|\])')
        for number in range(start, end + 1):
            if word.search(lines[number - 1]):
                return number
    return start


# -------------------------------------------------------------------- loading


def _problem(path: str, line: Optional[int], key: Optional[str], message: str) -> Problem:
    where = f"{path}:{line}" if line else path
    what = f"key {key!r}: " if key else ""
    return Problem(source=SOURCE, message=f"{where}: {what}{message}")


def parse_file(path: str, text: str) -> Ruleset:
    """Check one rules file; what is wrong becomes problems, what is right is kept."""
    if _toml is None:  # pragma: no cover - a pip without tomli on Python < 3.11
        return Ruleset(problems=(_problem(path, None, None, "no TOML parser available"),))
    try:
        data = _toml.loads(text)
    except Exception as error:  # TOMLDecodeError: the parser knows the line
        found = _TOML_LINE.search(str(error))
        line = int(found.group(1)) if found else None
        return Ruleset(problems=(_problem(path, line, None, f"not valid TOML: {error}"),))
    lines = text.splitlines()
    problems: list[Problem] = []
    for name in data:
        if name not in schema.TOP_KEYS:
            line = _find_line(["[[top]]", *lines], "top", 0, name)
            problems.append(_problem(
                path, line - 1 if line else None, name,
                f"unknown key (expected one of: {', '.join(schema.TOP_KEYS)})"))
    parsed: dict[str, list[Any]] = {"rule": [], "probe": [], "redact": []}
    builders: dict[str, Callable[[dict[str, Any], str], Any]] = {
        "rule": schema.rule,
        "probe": schema.probe,
        "redact": lambda table, origin: schema.redaction(table),
    }
    for section, build in builders.items():
        if section not in data:
            continue
        if not isinstance(data[section], list):
            problems.append(_problem(path, None, section, f"must be [[{section}]] tables"))
            continue
        for index, table in enumerate(data[section]):
            origin = f"{path}:{(_header_lines(lines, section) + [0] * (index + 1))[index]}"
            try:
                parsed[section].append(build(schema.table_of(table, section), origin))
            except RulesError as error:
                line = _find_line(lines, section, index, error.key)
                label = f"{section}.{error.key}" if error.key else section
                ident = table.get("id") if isinstance(table, dict) else None
                suffix = f"; {section} {ident!r} skipped" if isinstance(ident, str) else (
                    f"; {section} skipped")
                problems.append(_problem(path, line, label, error.message + suffix))
    return Ruleset(
        probes=tuple(parsed["probe"]),
        rules=tuple(parsed["rule"]),
        redactions=tuple(parsed["redact"]),
        problems=tuple(problems),
        files=(path,),
    )


_Declared = TypeVar("_Declared", DeclaredProbe, DeclaredRule)


def _first_definitions(
    items: Iterable[_Declared], defined: dict[str, str], problems: list[Problem]
) -> Iterator[_Declared]:
    """The items whose id no earlier file or table defined; a problem for the others."""
    for item in items:
        if item.id in defined:
            path, _colon, line = item.origin.rpartition(":")
            problems.append(_problem(path, int(line) or None, "id",
                                     f"{item.id!r} is already defined at "
                                     f"{defined[item.id]}; this one is skipped"))
            continue
        defined[item.id] = item.origin
        yield item


def load(files: Iterable[tuple[str, bool]]) -> Ruleset:
    """Read and check the rules files, (path, must exist) in order (see
    ``pip_doctor._declarative.rules_files``); later duplicates of an id are problems.
    """
    probes: list[DeclaredProbe] = []
    rules: list[DeclaredRule] = []
    redactions: list[tuple[Secret, str]] = []
    problems: list[Problem] = []
    read: list[str] = []
    defined: dict[str, str] = {}
    for path, required in files:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except FileNotFoundError:
            if required:
                message = "no such file (from PIP_DOCTOR_RULES)"
                problems.append(_problem(path, None, None, message))
            continue
        except (OSError, UnicodeDecodeError) as error:
            problems.append(_problem(path, None, None, f"cannot be read: {error}"))
            continue
        ruleset = parse_file(path, text)
        read.append(path)
        problems.extend(ruleset.problems)
        redactions.extend(ruleset.redactions)
        probes.extend(_first_definitions(ruleset.probes, defined, problems))
        rules.extend(_first_definitions(ruleset.rules, defined, problems))
    return Ruleset(probes=tuple(probes), rules=tuple(rules), redactions=tuple(redactions),
                   problems=tuple(problems), files=tuple(read))


__all__ = ["SOURCE", "Ruleset", "Secret", "load", "parse_file"]
