"""Rules files: reading and checking the TOML format of declarative rules.

The format, where files are read from and what a mistake becomes are
described in :mod:`pip_doctor._declarative`, the plugin that uses them. This
module only parses and checks (:func:`load`, :func:`parse_file`) and holds the
checked records, which fill in their templates from a :class:`Situation`. It
is imported only when there is a rules file to read.
"""

from __future__ import annotations

import errno as _errno
import fnmatch
import functools
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Callable, Optional, TypeVar, Union

import attrs

from pip_doctor import _fs, _redact
from pip_doctor._manager import is_namespaced
from pip_doctor._model import (
    CONFIDENCES,
    SAFETIES,
    SHELLS,
    Command,
    Diagnosis,
    ErrorInfo,
    Fix,
    Link,
    Probe,
    Problem,
    Report,
    Rule,
    Shell,
    Situation,
)
from pip_doctor._shells import quote, shell_commands

if sys.version_info >= (3, 11):
    import tomllib as _toml
else:  # pragma: no cover - Python 3.9 and 3.10: pip's own copy, no new dependency
    try:
        from pip._vendor import tomli as _toml
    except ImportError:
        _toml = None

#: The plugin name that problems of rule files are reported under.
SOURCE = "pip_doctor.declarative"
#: How much of a file a ``file`` probe reads.
FILE_PROBE_BYTES = 4096
ENVIRONMENT_KINDS = ("venv", "conda", "system", "pyenv", "other")
NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "afs", "9p", "ceph", "glusterfs",
     "lustre", "gpfs", "beegfs", "fuse.sshfs", "davfs", "fuse.gcsfuse"}
)

Secret = Union[str, "re.Pattern[str]"]


class RulesError(ValueError):
    """A mistake in a rules file and the key it concerns (the line is found from the key)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


# ------------------------------------------------------------------ templates

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_CONTEXT_KEYS = ("interpreter", "command", "pip_version")
_ERROR_KEYS = tuple(field.name for field in attrs.fields(ErrorInfo))


def _template_names(text: str, key: str) -> tuple[str, ...]:
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


def lookup(situation: Situation, name: str) -> Any:
    """The value a placeholder or fact test ``name`` stands for, or None."""
    section, _dot, key = name.rpartition(".")
    if section == "error":
        return getattr(situation.error, key, None) if key in _ERROR_KEYS else None
    if section == "context":
        return getattr(situation.context, key, None) if key in _CONTEXT_KEYS else None
    return situation.fact(section, key)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(_as_text(item) for item in value)
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
        shown = _as_text(value)
        return quote_value(shown) if quote_value is not None else shown

    result = _PLACEHOLDER.sub(fill, text)
    return None if missing else result


# ---------------------------------------------------------------- the records


@attrs.frozen
class FactTest:
    """One ``facts."probe.key"`` condition: equals one of, or matches a regex."""

    name: str
    values: tuple[Any, ...] = ()
    regex: Optional[re.Pattern[str]] = None

    def holds(self, situation: Situation) -> bool:
        value = lookup(situation, self.name)
        if self.regex is not None:
            return value is not None and self.regex.search(_as_text(value)) is not None
        return any(_same(value, wanted) for wanted in self.values)


def _same(value: Any, wanted: Any) -> bool:
    if isinstance(value, bool) or isinstance(wanted, bool):
        return isinstance(value, bool) and isinstance(wanted, bool) and value is wanted
    return bool(value == wanted)


@attrs.frozen
class Match:
    """When a declared rule applies: every condition given must hold."""

    errnos: frozenset[int] = frozenset()
    paths: tuple[re.Pattern[str], ...] = ()
    environment_roots: tuple[re.Pattern[str], ...] = ()
    environment_kinds: frozenset[str] = frozenset()
    account_names: frozenset[str] = frozenset()
    is_root: Optional[bool] = None
    facts: tuple[FactTest, ...] = ()

    def holds(self, situation: Situation) -> bool:
        error = situation.error
        if self.errnos and error.errno not in self.errnos:
            return False
        if self.paths and not _any_glob(self.paths, _failing_paths(situation)):
            return False
        if self.environment_roots and not _any_glob(
            self.environment_roots,
            (situation.fact("path", "environment_root"), situation.fact("environment", "root")),
        ):
            return False
        if self.environment_kinds and situation.fact("environment", "kind") not in (
            self.environment_kinds
        ):
            return False
        if self.account_names and situation.fact("account", "name") not in self.account_names:
            return False
        if self.is_root is not None and situation.fact("account", "is_root") is not self.is_root:
            return False
        return all(test.holds(situation) for test in self.facts)


def _failing_paths(situation: Situation) -> Iterator[Optional[str]]:
    yield situation.error.filename
    yield situation.error.filename2
    for key in ("given", "absolute", "resolved"):
        yield situation.fact("path", key)


def _any_glob(patterns: Sequence[re.Pattern[str]], values: Iterable[Any]) -> bool:
    texts = [value for value in values if isinstance(value, str) and value]
    return any(pattern.match(text) for pattern in patterns for text in texts)


def _quote_for(shell: Shell, value: str) -> str:
    return quote(value, shell)


@attrs.frozen
class FixTemplate:
    """A fix whose commands are filled in from the facts when the rule matches."""

    summary: str
    safety: str = "review"
    argvs: tuple[tuple[str, ...], ...] = ()
    commands: tuple[tuple[Shell, str], ...] = ()

    def build(self, situation: Situation) -> Optional[Fix]:
        summary = render(self.summary, situation)
        if summary is None:
            return None
        commands: list[Command] = []
        for argv in self.argvs:
            words = [render(word, situation) for word in argv]
            if any(word is None for word in words):
                return None
            commands.extend(shell_commands([w for w in words if w is not None]))
        for shell, text in self.commands:
            line = render(text, situation, functools.partial(_quote_for, shell))
            if line is None:
                return None
            commands.append(Command(shell=shell, text=line))
        order = {shell: index for index, shell in enumerate(SHELLS)}
        commands.sort(key=lambda command: order[command.shell])
        return Fix(summary=summary, commands=commands, safety=self.safety)  # type: ignore[arg-type]


@attrs.frozen
class DeclaredRule:
    """One ``[[rule]]`` of a rules file, checked and ready to run."""

    id: str
    origin: str
    match: Match = attrs.field(factory=Match)
    title: Optional[str] = None
    confidence: str = "medium"
    evidence: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    fixes: tuple[FixTemplate, ...] = ()
    links: tuple[tuple[str, str], ...] = ()
    suppress: tuple[str, ...] = ()
    links_on: tuple[str, ...] = ()
    confidence_of: tuple[tuple[str, str], ...] = ()
    description: str = ""

    @property
    def adjusts(self) -> bool:
        """True when, matching, it changes other diagnoses (pip_doctor_adjust_report)."""
        return bool(self.suppress or self.links_on or self.confidence_of)

    def rendered_links(self, situation: Situation) -> list[Link]:
        links = []
        for link_title, url in self.links:
            shown_title, shown_url = render(link_title, situation), render(url, situation)
            if shown_title is not None and shown_url is not None:
                links.append(Link(title=shown_title, url=shown_url))
        return links

    def adjust(self, report: Report, situation: Situation) -> Report:
        """``report`` with this rule's suppressions, links and confidences applied."""
        report = report.without(*self.suppress)
        for diagnosis_id in self.links_on:
            for link in self.rendered_links(situation) if report.get(diagnosis_id) else ():
                report = report.with_link(diagnosis_id, link)
        for diagnosis_id, confidence in self.confidence_of:
            if report.get(diagnosis_id):
                report = report.with_confidence(diagnosis_id, confidence)  # type: ignore[arg-type]
        return report

    def check(self, situation: Situation) -> Optional[Diagnosis]:
        """The diagnosis of this rule when it matches (None for a rule that only adjusts)."""
        if self.title is None or not self.match.holds(situation):
            return None
        title = render(self.title, situation) or self.title
        return Diagnosis(
            id=self.id,
            title=title,
            confidence=self.confidence,  # type: ignore[arg-type]
            evidence=_rendered(self.evidence, situation),
            fixes=[fix for fix in (f.build(situation) for f in self.fixes) if fix is not None],
            links=self.rendered_links(situation),
            warnings=_rendered(self.warnings, situation),
            source=f"{SOURCE} ({self.origin})",
        )

    def as_rule(self) -> Rule:
        return Rule(id=self.id, check=self.check, description=self.description or self.origin)


def _rendered(templates: Iterable[str], situation: Situation) -> list[str]:
    lines = (render(template, situation) for template in templates)
    return [line for line in lines if line is not None]


@attrs.frozen
class DeclaredProbe:
    """One ``[[probe]]``: a mount, file or environment variable, measured at failure time."""

    id: str
    kind: str
    target: str
    origin: str
    timeout: float = 0.1

    def run(self, situation: Situation) -> dict[str, Any]:
        if self.kind == "env":
            value = os.environ.get(self.target)
            return {"name": self.target, "set": value is not None, "value": value}
        path = render(self.target, situation)
        if path is None:
            return {"path": None}
        if self.kind == "file":
            return _read_file(path)
        return mount_of(path)

    def as_probe(self) -> Probe:
        return Probe(id=self.id, run=self.run, description=self.origin, timeout=self.timeout)


def _read_file(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            data = handle.read(FILE_PROBE_BYTES)
    except OSError:
        return {"path": path, "exists": os.path.lexists(path), "text": None}
    return {"path": path, "exists": True, "text": data.decode("utf-8", "replace").strip()}


def mount_of(path: str) -> dict[str, Any]:
    """The mount that ``path`` lies on (the built-in probes' reading of the mount table)."""
    real = os.path.realpath(path)
    mount = _fs.mount_of(real)
    if mount is None:
        return {"path": real, "mount_point": None, "fs_type": None, "readonly": None,
                "network": None}
    return {
        "path": real,
        "mount_point": mount.point,
        "fs_type": mount.fs_type,
        "readonly": mount.readonly,
        "network": mount.fs_type in NETWORK_FILESYSTEMS,
    }


@attrs.frozen
class Ruleset:
    """Everything read from the rules files: probes, rules, redactions, mistakes."""

    probes: tuple[DeclaredProbe, ...] = ()
    rules: tuple[DeclaredRule, ...] = ()
    redactions: tuple[tuple[Secret, str], ...] = ()
    problems: tuple[Problem, ...] = ()
    files: tuple[str, ...] = ()


# ------------------------------------------------------------------- parsing

_TOP_KEYS = ("rule", "probe", "redact")
_RULE_KEYS = ("id", "title", "confidence", "description", "evidence", "warnings",
              "fix", "link", "suppress", "links_on", "confidence_of", "match")
_MATCH_KEYS = ("errno", "path", "environment_root", "environment_kind", "account", "facts")
_FIX_KEYS = ("summary", "safety", "argv", "commands")
_PROBE_KINDS = ("mount", "file", "env")


def _namespaced(value: Any, key: str) -> str:
    text = _string(value, key)
    if not is_namespaced(text) or any(c.isspace() for c in text):
        name = text.partition("/")[2]
        raise RulesError(key, f"id {text!r} must be namespaced, like 'acme/{name or text}'")
    return text


def _string(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RulesError(key, f"must be a non-empty string, not {value!r}")
    return value


def _template(value: Any, key: str) -> str:
    text = _string(value, key)
    _template_names(text, key)
    return text


def _strings(value: Any, key: str) -> tuple[str, ...]:
    """A string or a list of strings (a single value means a list of one)."""
    items = value if isinstance(value, list) else [value]
    return tuple(_string(item, key) for item in items)


def _table(value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RulesError(key, f"must be a table, not {type(value).__name__}")
    return value


def _tables(value: Any, key: str) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [_table(item, key) for item in items]


def _only(table: Mapping[str, Any], allowed: Sequence[str], key: str) -> None:
    for name in table:
        if name not in allowed:
            where = f"{key}.{name}" if key else name
            raise RulesError(where, f"unknown key (expected one of: {', '.join(allowed)})")


def _errno_number(value: Any, key: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        number = getattr(_errno, value.strip().upper(), None)
        if isinstance(number, int):
            return number
        raise RulesError(key, f"{value!r} is not an errno name (like 'EACCES')")
    raise RulesError(key, f"must be an errno number or name, not {value!r}")


def _glob(pattern: str) -> re.Pattern[str]:
    expanded = os.path.expanduser(pattern) if pattern.startswith("~") else pattern
    return re.compile(fnmatch.translate(expanded))


def _fact_test(name: str, spec: Any, key: str) -> FactTest:
    _template_names("{" + name + "}", key)
    if isinstance(spec, dict):
        _only(spec, ("equals", "in", "regex"), key)
        if len(spec) != 1:
            raise RulesError(key, "give exactly one of equals, in, regex")
        if "regex" in spec:
            try:
                return FactTest(name, regex=re.compile(_string(spec["regex"], f"{key}.regex")))
            except re.error as error:
                raise RulesError(f"{key}.regex", f"not a regular expression: {error}") from None
        if "in" in spec:
            if not isinstance(spec["in"], list) or not spec["in"]:
                raise RulesError(f"{key}.in", "must be a non-empty list")
            return FactTest(name, values=tuple(spec["in"]))
        return FactTest(name, values=(spec["equals"],))
    if isinstance(spec, list):
        raise RulesError(key, "a list is ambiguous here: write { in = [...] }")
    return FactTest(name, values=(spec,))


def _match(table: dict[str, Any]) -> Match:
    _only(table, _MATCH_KEYS, "match")
    fields: dict[str, Any] = {}
    if "errno" in table:
        items = table["errno"] if isinstance(table["errno"], list) else [table["errno"]]
        fields["errnos"] = frozenset(_errno_number(item, "match.errno") for item in items)
    for name, field in (("path", "paths"), ("environment_root", "environment_roots")):
        if name in table:
            fields[field] = tuple(_glob(p) for p in _strings(table[name], f"match.{name}"))
    if "environment_kind" in table:
        kinds = _strings(table["environment_kind"], "match.environment_kind")
        for kind in kinds:
            if kind not in ENVIRONMENT_KINDS:
                raise RulesError(
                    "match.environment_kind",
                    f"{kind!r} is not one of {', '.join(ENVIRONMENT_KINDS)}",
                )
        fields["environment_kinds"] = frozenset(kinds)
    if "account" in table:
        account = _table(table["account"], "match.account")
        _only(account, ("name", "is_root"), "match.account")
        if "name" in account:
            fields["account_names"] = frozenset(_strings(account["name"], "match.account.name"))
        if "is_root" in account:
            if not isinstance(account["is_root"], bool):
                raise RulesError("match.account.is_root", "must be true or false")
            fields["is_root"] = account["is_root"]
    if "facts" in table:
        facts = _table(table["facts"], "match.facts")
        fields["facts"] = tuple(
            _fact_test(name, spec, f'match.facts."{name}"') for name, spec in facts.items()
        )
    return Match(**fields)


def _fix(table: dict[str, Any], index: int) -> FixTemplate:
    key = f"fix[{index}]"
    _only(table, _FIX_KEYS, key)
    if "summary" not in table:
        raise RulesError(key, "a fix needs a summary")
    safety = table.get("safety", "review")
    if safety not in SAFETIES:
        raise RulesError(f"{key}.safety", f"must be one of {', '.join(SAFETIES)}")
    argvs: tuple[tuple[str, ...], ...] = ()
    if "argv" in table:
        raw = table["argv"]
        if not isinstance(raw, list) or not raw:
            raise RulesError(f"{key}.argv", "must be a list of words, or a list of such lists")
        lines = raw if all(isinstance(item, list) for item in raw) else [raw]
        argvs = tuple(
            tuple(_template(word, f"{key}.argv") for word in line) for line in lines if line
        )
    commands: list[tuple[Shell, str]] = []
    if "commands" in table:
        per_shell = _table(table["commands"], f"{key}.commands")
        _only(per_shell, SHELLS, f"{key}.commands")
        for shell in SHELLS:
            for line in _strings(per_shell.get(shell, []), f"{key}.commands.{shell}"):
                commands.append((shell, _template(line, f"{key}.commands.{shell}")))
    if not argvs and not commands:
        raise RulesError(key, "a fix needs argv or commands")
    return FixTemplate(
        summary=_template(table["summary"], f"{key}.summary"),
        safety=safety,
        argvs=argvs,
        commands=tuple(commands),
    )


def _rule(table: dict[str, Any], origin: str) -> DeclaredRule:
    _only(table, _RULE_KEYS, "")
    if "id" not in table:
        raise RulesError("id", "every rule needs an id")
    rule_id = _namespaced(table["id"], "id")
    confidence = table.get("confidence", "medium")
    if confidence not in CONFIDENCES:
        raise RulesError("confidence", f"must be one of {', '.join(CONFIDENCES)}")
    title = _template(table["title"], "title") if "title" in table else None
    suppress = _strings(table["suppress"], "suppress") if "suppress" in table else ()
    links_on = _strings(table["links_on"], "links_on") if "links_on" in table else ()
    confidence_of = []
    for diagnosis_id, level in _table(table.get("confidence_of", {}), "confidence_of").items():
        if level not in CONFIDENCES:
            raise RulesError(f'confidence_of."{diagnosis_id}"',
                             f"must be one of {', '.join(CONFIDENCES)}")
        confidence_of.append((diagnosis_id, level))
    says: list[str] = [name for name in ("evidence", "warnings", "fix") if name in table]
    if "link" in table and not links_on:
        says.append("link")
    if title is None and says:
        raise RulesError(says[0], "a rule that says something needs a title")
    if title is None and not (suppress or links_on or confidence_of):
        raise RulesError("title", "a rule needs a title, or only adjusts others "
                                  "(suppress, links_on, confidence_of)")
    if links_on and "link" not in table:
        raise RulesError("links_on", "links_on needs [[rule.link]] tables to add")
    links = []
    for index, link in enumerate(_tables(table.get("link", []), "link")):
        _only(link, ("title", "url"), f"link[{index}]")
        for name in ("title", "url"):
            if name not in link:
                raise RulesError(f"link[{index}]", f"a link needs a {name}")
        links.append((_template(link["title"], f"link[{index}].title"),
                      _template(link["url"], f"link[{index}].url")))
    return DeclaredRule(
        id=rule_id,
        origin=origin,
        match=_match(_table(table.get("match", {}), "match")),
        title=title,
        confidence=confidence,
        evidence=tuple(_template(t, "evidence") for t in _strings(table.get("evidence", []),
                                                                     "evidence"))
        if "evidence" in table else (),
        warnings=tuple(_template(t, "warnings") for t in _strings(table["warnings"], "warnings"))
        if "warnings" in table else (),
        fixes=tuple(_fix(fix, i) for i, fix in enumerate(_tables(table.get("fix", []), "fix"))),
        links=tuple(links),
        suppress=suppress,
        links_on=links_on,
        confidence_of=tuple(confidence_of),
        description=_string(table["description"], "description")
        if "description" in table else "",
    )


def _probe(table: dict[str, Any], origin: str) -> DeclaredProbe:
    _only(table, ("id", "timeout", *_PROBE_KINDS), "")
    if "id" not in table:
        raise RulesError("id", "every probe needs an id")
    probe_id = _namespaced(table["id"], "id")
    kinds = [kind for kind in _PROBE_KINDS if kind in table]
    if len(kinds) != 1:
        raise RulesError("", f"a probe needs exactly one of {', '.join(_PROBE_KINDS)}")
    kind = kinds[0]
    target = _template(table[kind], kind)
    if kind != "env" and target.startswith("~"):
        target = os.path.expanduser(target)  # now: pip 26.3 may forbid pwd later
    timeout = table.get("timeout", 0.1)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not (
        0 < timeout <= 1
    ):
        raise RulesError("timeout", "must be a number of seconds, more than 0 and at most 1")
    return DeclaredProbe(id=probe_id, kind=kind, target=target, origin=origin,
                         timeout=float(timeout))


def _redaction(table: dict[str, Any]) -> tuple[Secret, str]:
    _only(table, ("text", "pattern", "replacement"), "")
    replacement = table.get("replacement", _redact.MASK)
    if not isinstance(replacement, str):
        raise RulesError("replacement", "must be a string")
    if ("text" in table) == ("pattern" in table):
        raise RulesError("", "a redaction needs exactly one of text, pattern")
    if "text" in table:
        return _string(table["text"], "text"), replacement
    try:
        return re.compile(_string(table["pattern"], "pattern")), replacement
    except re.error as error:
        raise RulesError("pattern", f"not a regular expression: {error}") from None


# ------------------------------------------------------------ finding lines

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
        if name not in _TOP_KEYS:
            line = _find_line(["[[top]]", *lines], "top", 0, name)
            problems.append(_problem(
                path, line - 1 if line else None, name,
                f"unknown key (expected one of: {', '.join(_TOP_KEYS)})"))
    parsed: dict[str, list[Any]] = {"rule": [], "probe": [], "redact": []}
    builders: dict[str, Callable[[dict[str, Any], str], Any]] = {
        "rule": _rule,
        "probe": _probe,
        "redact": lambda table, origin: _redaction(table),
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
                parsed[section].append(build(_table(table, section), origin))
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
    return Ruleset(tuple(probes), tuple(rules), tuple(redactions), tuple(problems), tuple(read))
