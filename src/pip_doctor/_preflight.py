"""``pip-doctor check``: would a ``pip install`` work here, before running one?

A preflight has no error. The engine measures the install the options
describe with the same probes as a failure (:func:`pip_doctor._engine.measure`),
the ownership scan goes on longer where the quick one ran out of time, and a
pass of the check rules (:mod:`pip_doctor._rules.check`) turns the facts into
findings. The text is rendered by :mod:`pip_doctor._render_check`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from pip_doctor import _engine, _manager, _redact
from pip_doctor._model import JSON, Facts, InstallContext, InstallOptions, Problem
from pip_doctor._pip_compat import pip_version
from pip_doctor._probes import foreign_files
from pip_doctor._render_json import json_safe
from pip_doctor._rules.check import CHECK_RULES, Finding
from pip_doctor._version import __version__

#: When the diagnosis's bounded ownership scan ran out of time, the preflight
#: scans again for up to this long (seconds) and this many findings.
DEEP_SCAN_SECONDS = 10.0
DEEP_SCAN_LIMIT = 1000


@attrs.frozen(kw_only=True)
class Preflight:
    """The outcome of ``pip-doctor check``: what was measured and what was found."""

    context: InstallContext
    facts: Facts
    findings: tuple[Finding, ...]
    problems: tuple[Problem, ...] = ()

    @property
    def problem_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "problem")

    @property
    def clear(self) -> bool:
        """Nothing stands in the way: no finding is a problem."""
        return not self.problem_findings

    @property
    def destinations(self) -> list[Mapping[str, Any]]:
        items = self.facts.get_fact("destinations", "items") or []
        return [item for item in items if isinstance(item, Mapping)]

    def to_dict(self) -> dict[str, JSON]:
        """The JSON of ``check --format json`` (see the README): there is no error."""
        data: dict[str, JSON] = {
            "schema_version": 1,
            "tool": {"name": "pip-doctor", "version": __version__},
            "command": "check",
            "error": None,
            "clear": self.clear,
            "options": self.context.options.to_dict(),
            "destinations": [dict(item) for item in self.destinations],
            "findings": [f.to_dict() for f in self.findings],
            "environment": self.facts.to_dict(),
            "problems": [p.to_dict() for p in self.problems],
        }
        return json_safe(data)  # type: ignore[no-any-return]


def preflight(options: InstallOptions, *, verbose: bool = False) -> Preflight:
    """Measure the install ``options`` describe, for this interpreter, and check it."""
    manager = _manager.get_manager()
    context = InstallContext(
        command="install", options=options, pip_version=pip_version(), verbose=verbose
    )
    problems: list[Problem] = []
    situation = _engine.measure(context, manager, problems)
    situation = attrs.evolve(situation, facts=scan_deeper(situation.facts))
    found = _engine.run_check_rules(situation, CHECK_RULES, Finding, problems)
    pairs = _engine.secrets(situation, manager, problems)
    return redacted(Preflight(context=context, facts=situation.facts, findings=tuple(found),
                              problems=tuple(problems)), pairs)


def scan_deeper(facts: Facts) -> Facts:
    """The facts with a complete ownership scan where the quick one ran out of time.

    A failing pip must answer in well under a second; a preflight may take
    longer to look at every file of a large environment.
    """
    get = facts.get_fact
    root = get("foreign_files", "root")
    if get("foreign_files", "stopped") != "time" or not isinstance(root, str):
        return facts
    first = get("path", "nearest_existing")
    deep = foreign_files.scan(
        root, first if isinstance(first, str) else root,
        budget=DEEP_SCAN_SECONDS, limit=DEEP_SCAN_LIMIT,
    )
    return facts.with_section("foreign_files", deep)


def redacted(result: Preflight, pairs: Sequence[_redact.Pair]) -> Preflight:
    """``result`` with every secret masked: options, facts, findings and their
    fixes, problems.
    """
    masked: Preflight = _redact.redact_value(attrs.evolve(result, facts=Facts()), pairs)
    return attrs.evolve(masked, facts=Facts(_redact.redact_value(result.facts.to_dict(), pairs)))


__all__ = ["Finding", "Preflight", "preflight", "scan_deeper"]
