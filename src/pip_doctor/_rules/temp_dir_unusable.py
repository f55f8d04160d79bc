"""``temp-dir-unusable``: the temporary directory pip unpacks and builds in
cannot be used: ``TMPDIR`` names a directory that is missing or not
writable (Python then silently takes another one, or finds none at all), or
it is on a ``noexec`` mount, where the build steps that run programs fail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Confidence, Diagnosis, Fix, Rule, Situation
from pip_doctor._rules._common import code, error_line, messages, text_fact
from pip_doctor._shells import shell_commands

ID = "temp-dir-unusable"

#: What a build that may not run a program (or load a library) from pip's
#: build directory prints: Python's error naming the program, a shell's
#: ("/bin/sh: 1: ./configure: Permission denied"), or the dynamic loader's.
_EXEC_DENIED = (
    re.compile(r"\[Errno (?:13|1)\] (?:Permission denied|Operation not permitted): "
               r"'(?P<path>[^'\n]+)'"),
    re.compile(r"\bsh: (?:\d+: |line \d+: )?(?P<path>[^:\n]+): Permission denied"),
    re.compile(r"(?P<path>/[^\s:]+): failed to map segment from shared object"),
)


def exec_denied(text: str, used: Optional[str], in_project: bool) -> Optional[str]:
    """The line of ``text`` that says a program or library in pip's build
    directory could not be run or loaded, else None: the path lies in the
    temporary directory ``used``, or is a bare name (found on the build
    environment's PATH) or relative (the build's directory, an unpacked
    sdist), unless ``in_project``: the ``source_tree`` probe measured that
    denied place in a local project, which builds in place (not in the
    temporary directory), not writable. A denied path elsewhere is no such line.
    """
    for line in text.splitlines():
        for pattern in _EXEC_DENIED:
            match = pattern.search(line)
            if match is None:
                continue
            path = match.group("path").strip()
            relative = not path.startswith("/")
            if (used and _fixes.is_within(path, used)) or (relative and not in_project):
                return line.strip()
    return None


def _why_named_unusable(situation: Situation, value: str) -> Optional[str]:
    if situation.fact("temp", "value_exists") is False:
        return f"{code(value)} does not exist"
    if situation.fact("temp", "value_writable") is False:
        owner = text_fact(situation, "temp", "value_owner_name")
        return f"{code(value)} is not writable for you" + (f" (it belongs to {owner})"
                                                            if owner else "")
    return None


def check(situation: Situation) -> Optional[Diagnosis]:
    """No usable temporary directory (high), a noexec one under a failed build
    that was refused permission (high) or a failure inside a temporary
    directory that was not the one asked for (medium).
    """
    used = text_fact(situation, "temp", "used")
    variable = text_fact(situation, "temp", "variable")
    value = text_fact(situation, "temp", "value")
    text = messages(situation)
    place = situation.fact("source_tree", "tried_place")
    in_project = isinstance(place, Mapping) and place.get("writable") is False
    denied = exec_denied(text, used, in_project)  # (else source-tree-not-writable's)
    evidence = [error_line(situation)]
    confidence: Optional[Confidence] = None
    title = ""
    if situation.fact("temp", "usable") is False:
        confidence = "high"
        title = "Python finds no usable temporary directory"
        evidence.append(f"Python's search for a temporary directory failed: "
                        f"{text_fact(situation, 'temp', 'error') or 'no usable directory'}")
    elif situation.fact("temp", "noexec") is True and denied:
        confidence = "high" if situation.error.family in ("permission", "other") else "medium"
        title = f"The temporary directory {code(used)} is on a noexec mount: builds cannot run"
        evidence.append(f"the build could not run a program: {code(denied)}")
        evidence.append(f"{code(used)} lies on {code(text_fact(situation, 'temp', 'mount_point'))}"
                        ", mounted noexec: programs there may not be run, and package builds "
                        "run programs in pip's build directory")
    elif situation.fact("temp", "fell_back") and variable and value:
        failing = text_fact(situation, "path", "resolved")
        if used and failing and _fixes.is_within(failing, used):
            confidence = "medium"
            title = f"{variable} is ignored: pip works in {code(used)} instead of {code(value)}"
    if confidence is None:
        return None
    if variable and value:
        why = _why_named_unusable(situation, value)
        uses = f"Python uses {code(used)}" if used else "Python found no usable directory"
        evidence.append(f"{variable} is {code(value)}; {uses}" + (f": {why}" if why else ""))
    elif used:
        evidence.append(f"no TMPDIR is set; Python uses {code(used)}")
    fixes: list[Fix] = []
    own = _fixes.own_tmpdir(situation, "Make a temporary directory of your own, {tmp}, and "
                                       "run your command with TMPDIR set to it")
    if own is not None:
        fixes.append(own)
    if variable and value and situation.fact("temp", "value_exists") is False:
        fixes.append(Fix(
            summary=f"Or create the directory {variable} names",
            commands=shell_commands(["mkdir", "-p", value], shells=_fixes.POSIX_SHELLS),
            safety="safe",
        ))
    return Diagnosis(
        id=ID,
        title=title,
        confidence=confidence,
        evidence=evidence,
        fixes=fixes,
        links=(_links.TEMPFILE_DOCS,),
        warnings=("Do not remount /tmp with exec or make it writable for everyone just for "
                  "pip: TMPDIR for the one command is enough.",),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="TMPDIR missing, not writable, noexec, or silently replaced",
    families=frozenset({"permission", "missing", "other", "space"}),
)
