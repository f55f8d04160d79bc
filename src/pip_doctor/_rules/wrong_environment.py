"""``wrong-environment``: pip runs for another interpreter than the one the
user activated (``VIRTUAL_ENV``, ``CONDA_PREFIX`` or ``PATH`` disagree).
"""

from __future__ import annotations

from typing import Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import DEFAULT_RULE_FAMILIES, Confidence, Diagnosis, Rule, Situation
from pip_doctor._rules._common import (
    code,
    error_line,
    failing_place_line,
    install_options_used,
    permission_strength,
    text_fact,
)

ID = "wrong-environment"


def expected_environment(situation: Situation) -> Optional[str]:
    """The environment the user meant: activated, else the one ``python3`` on PATH is in."""
    for probe, key in (("environment", "virtual_env"), ("environment", "conda_prefix"),
                       ("environment", "path_python_prefix")):
        value = text_fact(situation, probe, key)
        if value is not None:
            return value
    return None


def check(situation: Situation) -> Optional[Diagnosis]:
    """The environment probe measured a disagreement; confidence grows when the
    failure happened inside the environment pip ran in.
    """
    mismatch = text_fact(situation, "environment", "mismatch")
    if mismatch is None:
        return None
    strength = permission_strength(situation)
    pip_root = text_fact(situation, "environment", "root")
    failing = text_fact(situation, "path", "resolved") or text_fact(situation, "path", "absolute")
    inside = _fixes.is_within(failing, pip_root) or (
        text_fact(situation, "path", "environment_root") == pip_root and pip_root is not None
    )
    confidence: Confidence = "low"
    if strength is not None and not install_options_used(situation):
        confidence = strength if inside else "low" if strength == "medium" else "medium"
    evidence = [mismatch, error_line(situation)]
    place = failing_place_line(situation)
    if place:
        evidence.append(place)
    expected = expected_environment(situation)
    fixes = []
    if expected is not None:
        fixes.append(_fixes.pip_install(
            situation,
            _fixes.env_python(situation, expected),
            f"Run pip with the interpreter of the environment you meant, {expected}",
        ))
    fixes.append(_fixes.new_venv(situation, avoid=[pip_root]))
    return Diagnosis(
        id=ID,
        title=(
            f"pip runs in {code(pip_root)}, not in the environment you activated"
            + (f" ({code(expected)})" if expected else "")
        ),
        confidence=confidence,
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
