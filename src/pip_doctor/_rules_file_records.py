"""Rules files: the checked records (rules, probes, fixes, matches) that run.

Built by :mod:`pip_doctor._rules_file_schema` from a file's tables; each fills
in its templates from a :class:`Situation` when it runs.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Optional, Union

import attrs

from pip_doctor import _fs
from pip_doctor._model import (
    SHELLS,
    Command,
    Diagnosis,
    Explanation,
    Fix,
    Link,
    Probe,
    Problem,
    Report,
    Rule,
    Shell,
    Situation,
)
from pip_doctor._rules_file_templates import as_text, lookup, render, words
from pip_doctor._shells import home_path, quote, shell_commands

#: The plugin name that problems of rule files are reported under.
SOURCE = "pip_doctor.declarative"
#: How much of a file a ``file`` probe reads.
FILE_PROBE_BYTES = 4096
NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "afs", "9p", "ceph", "glusterfs",
     "lustre", "gpfs", "beegfs", "fuse.sshfs", "davfs", "fuse.gcsfuse"}
)

Secret = Union[str, "re.Pattern[str]"]


@attrs.frozen
class FactTest:
    """One ``facts."probe.key"`` condition: equals one of, or matches a regex."""

    name: str
    values: tuple[Any, ...] = ()
    regex: Optional[re.Pattern[str]] = None

    def holds(self, situation: Situation) -> bool:
        value = lookup(situation, self.name)
        if self.regex is not None:
            return value is not None and self.regex.search(as_text(value)) is not None
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


def _home_word(word: str) -> str:
    """``~`` or ``~/rest`` in an argv is the user's home: the shell's variable."""
    if word == "~" or word.startswith("~/"):
        return home_path(word[2:])
    return word


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
            argument_words: list[str] = []
            for word in argv:
                filled = words(word, situation)
                if filled is None:
                    return None
                argument_words.extend(filled)
            commands.extend(shell_commands([_home_word(w) for w in argument_words]))
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
    explanation: Optional[Explanation] = None

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

    def run(self, situation: Situation, environ: Mapping[str, str]) -> dict[str, Any]:
        """Measure, reading an ``env`` probe's variable from ``environ``."""
        if self.kind == "env":
            value = environ.get(self.target)
            return {"name": self.target, "set": value is not None, "value": value}
        path = render(self.target, situation)
        if path is None:
            return {"path": None}
        if self.kind == "file":
            return _read_file(path)
        return mount_of(path)

    def as_probe(self, environ: Mapping[str, str]) -> Probe:
        """The probe to register; an ``env`` probe reads ``environ`` (the manager's)."""
        run = functools.partial(self.run, environ=environ)
        return Probe(id=self.id, run=run, description=self.origin, timeout=self.timeout)


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
