"""The data path: error + context -> probes -> rules -> report.

Each stage is one call in one direction; nothing here reaches into pip.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Optional, TypeVar

import attrs

from pip_doctor import _redact, _timebox
from pip_doctor._manager import Contribution, PluginManager
from pip_doctor._model import (
    Diagnosis,
    ErrorInfo,
    InstallContext,
    Problem,
    Report,
    Situation,
    is_namespaced,
    rank_diagnoses,
)

#: The whole diagnosis (probes, rules, report hooks) shares this many seconds.
DIAGNOSIS_BUDGET = 0.5
#: Of that, the probes together get at most this long (seconds).
PROBE_BUDGET = 0.35
#: Redaction runs even when plugins used the budget up, so that a slow plugin
#: never makes a secret leak: a built-in secrets hook gets at least this long ...
SECRETS_FLOOR = 0.1
#: ... and a plugin's secrets hook, or a built-in report adjustment (a rules
#: file's suppressions), at least this long (seconds).
LATE_FLOOR = 0.05


@attrs.frozen(kw_only=True)
class Budget:
    """The time limits of one diagnosis, in seconds.

    ``total`` is shared by probes, rules and report hooks; the probes together
    get at most ``probes`` of it. Redaction and built-in report adjustments run
    even when plugins used it all up: built-in secrets hooks get at least
    ``secrets_floor``, the others ``late_floor``. ``builtin_scale`` multiplies
    the built-in probes' and rules' own limits: tests pass a generous budget
    (``Budget(total=60, probes=60, builtin_scale=100)``) so that a loaded
    machine cannot turn a built-in into a timeout, while a plugin's item keeps
    its own limit.
    """

    total: float = DIAGNOSIS_BUDGET
    probes: float = PROBE_BUDGET
    secrets_floor: float = SECRETS_FLOOR
    late_floor: float = LATE_FLOOR
    builtin_scale: float = 1.0

    @classmethod
    def within(cls, seconds: float) -> Budget:
        """A budget that ends after ``seconds`` (floors included), probes 70% of
        it. More time than the default stretches the built-ins' own limits in
        proportion (a slow machine given a longer ``PIP_DOCTOR_TIMEOUT``).
        """
        total = max(0.0, seconds)
        floors = min(SECRETS_FLOOR + LATE_FLOOR, total / 3)
        shared = total - floors
        return cls(
            total=shared,
            probes=shared * PROBE_BUDGET / DIAGNOSIS_BUDGET,
            secrets_floor=floors * 2 / 3,
            late_floor=floors / 3,
            builtin_scale=max(1.0, total / DIAGNOSIS_BUDGET),
        )


#: The budget of a diagnosis asked for through the API.
DEFAULT_BUDGET = Budget()


def diagnose(
    error: BaseException | ErrorInfo,
    context: Optional[InstallContext],
    manager: PluginManager,
    budget: Optional[Budget] = None,
) -> Report:
    """Run the whole pipeline. Never raises for a plugin's or probe's fault."""
    report, secrets = diagnose_unredacted(error, context, manager, budget)
    return _redact.redact_report(report, secrets)


def diagnose_unredacted(
    error: BaseException | ErrorInfo,
    context: Optional[InstallContext],
    manager: PluginManager,
    budget: Optional[Budget] = None,
) -> tuple[Report, list[_redact.Pair]]:
    """The report before redaction, and the redaction pairs every plugin listed.

    For callers that add to a report (``pip-doctor check``'s deeper scan):
    whatever they add must go through the same pairs before it is shown.
    """
    info = error if isinstance(error, ErrorInfo) else ErrorInfo.from_exception(error)
    situation = Situation(error=info, context=context or InstallContext())
    problems: list[Problem] = list(manager.load_problems)
    budget = budget or DEFAULT_BUDGET

    deadline = _timebox.Deadline(budget.total)
    situation = _run_probes(situation, manager, problems, _timebox.Deadline(budget.probes),
                            budget)
    diagnoses = _run_rules(situation, manager, problems, deadline, budget)
    report = Report(
        error=situation.error,
        context=situation.context,
        facts=situation.facts,
        diagnoses=diagnoses,
        problems=(),
    )
    report = _adjust(report, manager, problems, deadline, budget)
    secrets = _collect_secrets(situation, manager, problems, deadline, budget)
    known = manager.get_explanations()
    explained = frozenset(d.id for d in report.diagnoses if d.id in known)
    return attrs.evolve(report, problems=tuple(problems), explained=explained), secrets


#: The error of a preflight (``pip-doctor check``): none. Nothing has failed,
#: so the situation's error record is empty (no type, errno or file) and the
#: ``path`` probe measures where the install would write. Only check rules
#: run on it; what ``check`` reports has no error at all.
NO_ERROR = ErrorInfo(type="", message="")

T = TypeVar("T")


def measure(
    context: InstallContext,
    manager: PluginManager,
    problems: list[Problem],
    budget: Budget = DEFAULT_BUDGET,
) -> Situation:
    """The probe stage alone, for an install that has not failed (a preflight)."""
    situation = Situation(error=NO_ERROR, context=context)
    problems.extend(manager.load_problems)
    return _run_probes(situation, manager, problems, _timebox.Deadline(budget.probes),
                       budget)


def run_check_rules(
    situation: Situation,
    rules: Sequence[tuple[str, Callable[[Situation], Iterable[T]]]],
    kind: type[T],
    problems: list[Problem],
    budget: Budget = DEFAULT_BUDGET,
) -> list[T]:
    """A rule pass over measured facts: each rule time-bounded and isolated like
    a diagnosis rule (one that raises or returns junk becomes a problem).
    """
    deadline = _timebox.Deadline(budget.total)
    found: list[T] = []
    for rule_id, rule in rules:
        outcome = _timebox.call(functools.partial(_listed, rule, situation),
                                deadline.remaining())
        source = f"check rule {rule_id}"
        if not outcome.ok:
            problems.append(Problem(source=source, message=str(outcome.error)))
            continue
        for item in outcome.value or ():
            if isinstance(item, kind):
                found.append(item)
            else:
                problems.append(Problem(source=source, message=f"returned "
                                        f"{type(item).__name__}, expected {kind.__name__}"))
    return found


def secrets(
    situation: Situation,
    manager: PluginManager,
    problems: list[Problem],
    budget: Budget = DEFAULT_BUDGET,
) -> list[_redact.Pair]:
    """What every plugin says never to show, for a situation measured by :func:`measure`."""
    return _collect_secrets(situation, manager, problems, _timebox.Deadline(budget.total),
                            budget)


def _listed(rule: Callable[[Situation], Iterable[Any]], situation: Situation) -> list[Any]:
    return list(rule(situation))


def _run_probes(
    situation: Situation,
    manager: PluginManager,
    problems: list[Problem],
    deadline: _timebox.Deadline,
    budget: Budget = DEFAULT_BUDGET,
) -> Situation:
    facts = situation.facts
    contributions = manager.get_probes()
    for index, contribution in enumerate(contributions):
        probe = contribution.item
        current = attrs.evolve(situation, facts=facts)
        timeout = _fair_timeout(probe.timeout, deadline, contributions[index:], budget)
        outcome = _timebox.call(functools.partial(probe.run, current), timeout)
        source = f"probe {probe.id} ({contribution.source})"
        if not outcome.ok:
            problems.append(Problem(source=source, message=str(outcome.error)))
            continue
        value = outcome.value
        if not isinstance(value, Mapping):
            problems.append(
                Problem(source=source,
                        message=f"returned {type(value).__name__}, expected a mapping")
            )
            continue
        bad = _not_json(value)
        if bad:
            problems.append(Problem(source=source,
                    message=f"returned a value JSON cannot carry: {bad}"))
            continue
        facts = facts.with_section(probe.id, value)
    return attrs.evolve(situation, facts=facts)


def _run_rules(
    situation: Situation,
    manager: PluginManager,
    problems: list[Problem],
    deadline: _timebox.Deadline,
    budget: Budget = DEFAULT_BUDGET,
) -> tuple[Diagnosis, ...]:
    found: list[Diagnosis] = []
    seen: set[str] = set()
    contributions = manager.get_rules()
    for index, contribution in enumerate(contributions):
        rule = contribution.item
        if not rule.serves(situation.error):
            continue
        source = f"rule {rule.id} ({contribution.source})"
        outcome = _timebox.call(
            functools.partial(_check, rule.check, situation),
            _fair_timeout(rule.timeout, deadline, contributions[index:], budget),
        )
        if not outcome.ok:
            problems.append(Problem(source=source, message=str(outcome.error)))
            continue
        for item in outcome.value or ():
            if not isinstance(item, Diagnosis):
                problems.append(
                    Problem(source=source,
                            message=f"returned {type(item).__name__}, expected Diagnosis")
                )
                continue
            if not contribution.builtin and not is_namespaced(item.id):
                problems.append(
                    Problem(source=source,
                            message=f"diagnosis id {item.id!r} is not namespaced; ignored")
                )
                continue
            if item.id in seen or item.id in manager.blocked:
                continue
            seen.add(item.id)
            found.append(item if item.source else attrs.evolve(item, source=contribution.source))
    return rank_diagnoses(found)


def _adjust(
    report: Report,
    manager: PluginManager,
    problems: list[Problem],
    deadline: _timebox.Deadline,
    budget: Budget,
) -> Report:
    for source, func in manager.each_impl("pip_doctor_adjust_report"):
        floor = budget.late_floor if manager.is_builtin(source) else 0.0
        outcome = _timebox.call(
            functools.partial(func, report=report), deadline.remaining() + floor
        )
        if not outcome.ok:
            problems.append(
                Problem(source=source, message=f"pip_doctor_adjust_report: {outcome.error}")
            )
        elif isinstance(outcome.value, Report):
            report = _checked_adjustment(report, outcome.value, source, manager, problems)
        elif outcome.value is not None:
            problems.append(
                Problem(
                    source=source,
                    message="pip_doctor_adjust_report returned "
                    f"{type(outcome.value).__name__}, expected Report or None; ignored",
                )
            )
    return report


def _checked_adjustment(
    before: Report,
    after: Report,
    source: str,
    manager: PluginManager,
    problems: list[Problem],
) -> Report:
    """``after`` under the rules every diagnosis obeys: no blocked id, a
    namespaced id for what a plugin adds, ranked best first.
    """
    known = {diagnosis.id for diagnosis in before.diagnoses}
    kept: list[Diagnosis] = []
    for diagnosis in after.diagnoses:
        if diagnosis.id in manager.blocked:
            continue
        if (
            diagnosis.id not in known
            and not manager.is_builtin(source)
            and not is_namespaced(diagnosis.id)
        ):
            problems.append(Problem(
                source=source,
                message=f"pip_doctor_adjust_report added diagnosis id {diagnosis.id!r}, "
                "which is not namespaced; ignored",
            ))
            continue
        kept.append(diagnosis)
    return attrs.evolve(after, diagnoses=rank_diagnoses(kept))


def _collect_secrets(
    situation: Situation,
    manager: PluginManager,
    problems: list[Problem],
    deadline: _timebox.Deadline,
    budget: Budget,
) -> list[_redact.Pair]:
    pairs: list[_redact.Pair] = []
    for source, func in manager.each_impl("pip_doctor_secrets"):
        # Built-in redaction always gets its time: a slow plugin must not leak secrets.
        floor = budget.secrets_floor if manager.is_builtin(source) else budget.late_floor
        outcome = _timebox.call(
            functools.partial(_secrets_of, func, situation), deadline.remaining() + floor
        )
        if not outcome.ok:
            problems.append(
                Problem(source=source, message=f"pip_doctor_secrets: {outcome.error}")
            )
            continue
        for item in outcome.value or ():
            if (isinstance(item, str) and item) or (
                isinstance(item, re.Pattern) and isinstance(item.pattern, str)
            ):
                pairs.append((item, _redact.MASK))
            elif (
                isinstance(item, tuple)
                and len(item) == 2
                and isinstance(item[1], str)
                and (
                    (isinstance(item[0], str) and item[0])
                    or (isinstance(item[0], re.Pattern) and isinstance(item[0].pattern, str))
                )
            ):
                pairs.append((item[0], item[1]))
            else:
                problems.append(
                    Problem(source=source,
                            message=f"pip_doctor_secrets returned {item!r:.60}; ignored")
                )
    return pairs


def _fair_timeout(
    wanted: float, deadline: _timebox.Deadline, rest: Sequence[Contribution], budget: Budget
) -> float:
    """A plugin's probe or rule gets at most an equal share of what is left.

    ``rest`` starts with the item about to run. Built-ins run first and keep
    their own limits; among plugins, one that sleeps cannot starve the others.
    """
    remaining = deadline.remaining()
    if rest[0].builtin:
        return min(wanted * budget.builtin_scale, remaining)
    plugins_left = sum(1 for contribution in rest if not contribution.builtin)
    return min(wanted, remaining / max(1, plugins_left))


def _check(check: Any, situation: Situation) -> list[Any]:
    return _as_list(check(situation))


def _secrets_of(func: Any, situation: Situation) -> list[Any]:
    return list(func(situation=situation) or ())


def _as_list(result: object) -> list[Any]:
    if result is None:
        return []
    if isinstance(result, Diagnosis):
        return [result]
    if isinstance(result, Iterable) and not isinstance(result, (str, bytes, Mapping)):
        return list(result)
    return [result]


def _not_json(value: Any, path: str = "$", depth: int = 0) -> Optional[str]:
    """A description of the first value JSON cannot carry, or None."""
    if depth > 32:
        return f"{path}: nested too deeply"
    if value is None or isinstance(value, (bool, int, str)):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{path}: {value!r}"
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{path}: key {key!r} is not a string"
            bad = _not_json(item, f"{path}.{key}", depth + 1)
            if bad:
                return bad
        return None
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            bad = _not_json(item, f"{path}[{index}]", depth + 1)
            if bad:
                return bad
        return None
    return f"{path}: {type(value).__name__}"

