"""Rules files: the schema checks that turn a file's TOML tables into records.

Each function takes one table and returns its record, or raises
:class:`RulesError` naming the key that is wrong.
"""

from __future__ import annotations

import errno as _errno
import fnmatch
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from pip_doctor import _redact
from pip_doctor._model import (
    CONFIDENCES,
    SAFETIES,
    SHELLS,
    Explanation,
    Link,
    Shell,
    is_namespaced,
)
from pip_doctor._rules_file_records import (
    DeclaredProbe,
    DeclaredRule,
    FactTest,
    FixTemplate,
    Match,
    Secret,
)
from pip_doctor._rules_file_templates import RulesError, template_names

ENVIRONMENT_KINDS = ("venv", "conda", "system", "pyenv", "other")

TOP_KEYS = ("rule", "probe", "redact")
_RULE_KEYS = ("id", "title", "confidence", "description", "evidence", "warnings",
              "fix", "link", "suppress", "links_on", "confidence_of", "match", "explain")
_EXPLAIN_KEYS = ("title", "what", "why", "fix", "prevent")
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
    template_names(text, key)
    return text


def _strings(value: Any, key: str) -> tuple[str, ...]:
    """A string or a list of strings (a single value means a list of one)."""
    items = value if isinstance(value, list) else [value]
    return tuple(_string(item, key) for item in items)


def table_of(value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RulesError(key, f"must be a table, not {type(value).__name__}")
    return value


def _tables(value: Any, key: str) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [table_of(item, key) for item in items]


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
    template_names("{" + name + "}", key)
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
        account = table_of(table["account"], "match.account")
        _only(account, ("name", "is_root"), "match.account")
        if "name" in account:
            fields["account_names"] = frozenset(_strings(account["name"], "match.account.name"))
        if "is_root" in account:
            if not isinstance(account["is_root"], bool):
                raise RulesError("match.account.is_root", "must be true or false")
            fields["is_root"] = account["is_root"]
    if "facts" in table:
        facts = table_of(table["facts"], "match.facts")
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
        per_shell = table_of(table["commands"], f"{key}.commands")
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


def rule(table: dict[str, Any], origin: str) -> DeclaredRule:
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
    for diagnosis_id, level in table_of(table.get("confidence_of", {}), "confidence_of").items():
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
        match=_match(table_of(table.get("match", {}), "match")),
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
        explanation=_explanation(table_of(table["explain"], "explain"), rule_id, title, links)
        if "explain" in table else None,
    )


def _explanation(
    table: dict[str, Any], rule_id: str, title: Optional[str], links: Sequence[tuple[str, str]]
) -> Explanation:
    """``[rule.explain]``: what ``pip-doctor explain ID`` prints for this rule's id.

    Plain text, no placeholders (it explains the cause, not one failure). The
    title defaults to the rule's; the rule's links without placeholders are
    listed under "Read more".
    """
    _only(table, _EXPLAIN_KEYS, "explain")
    if "what" not in table:
        raise RulesError("explain", "an explanation needs 'what' (what the cause is)")
    texts = {name: _string(table[name], f"explain.{name}")
             for name in _EXPLAIN_KEYS if name in table}
    shown_title = texts.pop("title", None) or title
    if shown_title is None:
        raise RulesError("explain", "an explanation of a rule without a title needs a title")
    plain = [Link(title=text, url=url) for text, url in links
             if not template_names(text, "link") and not template_names(url, "link")]
    return Explanation(id=rule_id, title=shown_title, links=plain, **texts)


def probe(table: dict[str, Any], origin: str) -> DeclaredProbe:
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


def redaction(table: dict[str, Any]) -> tuple[Secret, str]:
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
