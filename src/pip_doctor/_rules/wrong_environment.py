"""``wrong-environment``: pip runs for another interpreter than the one the
user activated (``VIRTUAL_ENV``, ``CONDA_PREFIX`` or ``PATH`` disagree).

An activation variable is strong evidence. The ``python3`` first on PATH,
with no activation variable set, is weak evidence (PATH may list a venv's
``bin`` that nobody activated): the diagnosis is then of low confidence, so
that it never outranks a measured cause such as an environment owned by
another account.
"""

from __future__ import annotations

from typing import Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import DEFAULT_RULE_FAMILIES, Confidence, Diagnosis, Fix, Rule, Situation
from pip_doctor._rules._common import (
    activated_elsewhere,
    code,
    error_line,
    failing_place_line,
    install_options_used,
    mismatch_source,
    permission_strength,
    text_fact,
    who,
)

ID = "wrong-environment"


def expected_environment(situation: Situation) -> Optional[str]:
    """The environment the user meant: activated, else the one ``python3`` on PATH is in."""
    measured = text_fact(situation, "environment", "expected_root")
    if measured is not None:
        return measured
    for key in ("virtual_env", "conda_prefix", "path_python_prefix"):
        value = text_fact(situation, "environment", key)
        if value is not None:
            return value
    return None


def confidence_of(situation: Situation) -> Confidence:
    """High (or medium) only for an activation variable and a permission error
    inside pip's own environment; PATH alone is always low.
    """
    strength = permission_strength(situation)
    if not activated_elsewhere(situation) or strength is None or install_options_used(situation):
        return "low"
    pip_root = text_fact(situation, "environment", "root")
    failing = text_fact(situation, "path", "resolved") or text_fact(situation, "path", "absolute")
    inside = _fixes.is_within(failing, pip_root) or (
        text_fact(situation, "path", "environment_root") == pip_root and pip_root is not None
    )
    if inside:
        return strength
    return "low" if strength == "medium" else "medium"


def not_writable_line(situation: Situation, expected: str) -> Optional[str]:
    """Evidence that installing into the expected environment cannot work either."""
    if situation.fact("environment", "expected_writable") is not False:
        return None
    owner = who(situation.fact("environment", "expected_owner_uid"),
                situation.fact("environment", "expected_owner_name"))
    return f"{code(expected)} belongs to {owner}, and you may not install there either"


def use_expected_fix(situation: Situation, expected: str) -> Fix:
    """Run pip with the interpreter of the environment meant."""
    python = _fixes.env_python(situation, expected)
    if mismatch_source(situation) == "PATH":
        python = text_fact(situation, "environment", "path_python") or python
    return _fixes.pip_install(
        situation, python, f"Run pip with the interpreter of the environment you meant, {expected}",
    )


def check(situation: Situation) -> Optional[Diagnosis]:
    """The environment probe measured a disagreement."""
    mismatch = text_fact(situation, "environment", "mismatch")
    if mismatch is None:
        return None
    pip_root = text_fact(situation, "environment", "root")
    evidence = [mismatch, error_line(situation)]
    place = failing_place_line(situation)
    if place:
        evidence.append(place)
    expected = expected_environment(situation)
    fixes = []
    if expected is not None:
        blocked = not_writable_line(situation, expected)
        if blocked is not None:
            evidence.append(blocked)  # that fix cannot work: not offered
        else:
            fixes.append(use_expected_fix(situation, expected))
    fixes.append(_fixes.new_venv(situation, avoid=[pip_root, expected]))
    if activated_elsewhere(situation):
        meant = "the environment you activated"
    else:
        meant = "the environment of the `python3` first on your PATH"
    return Diagnosis(
        id=ID,
        title=f"pip runs in {code(pip_root)}, not in {meant}"
        + (f" ({code(expected)})" if expected else ""),
        confidence=confidence_of(situation),
        evidence=evidence,
        fixes=fixes,
        links=(_links.VENV_GUIDE, _links.INSTALLING_TUTORIAL),
        warnings=(
            "Do not call a bare `pip` when it may belong to another Python: "
            "`path/to/python -m pip` always installs for that interpreter.",
            _fixes.WARN_SUDO_PIP,
        ),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="pip runs for another interpreter than the one activated",
    families=DEFAULT_RULE_FAMILIES,
)
