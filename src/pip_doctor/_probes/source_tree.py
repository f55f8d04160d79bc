"""The ``source_tree`` probe: a build backend that could not write into the
project it builds.

pip builds a local project (``pip install PROJECT``, ``pip install -e
PROJECT``) in its own directory: setuptools writes ``NAME.egg-info`` and
``build/`` there. When the account may not write into the project (a checkout
made with ``sudo``, another account's directory), the backend fails and pip
shows its output: ``error: could not create 'src/x.egg-info': Permission
denied``, or a ``PermissionError`` traceback. This probe reads that output
(pip's logged lines that pip-doctor's capture kept), finds the local project
directories of the command, and measures the project and the place the
backend tried to write. It measures nothing when the output names no write
that was denied.
"""

from __future__ import annotations

import os
import re
from typing import Any, Optional
from urllib.parse import unquote, urlsplit

from pip_doctor import _fs
from pip_doctor._model import Probe, Situation

#: A write the backend was denied, as setuptools/distutils and Python print it.
DENIED = (
    re.compile(r"could not create '(?P<path>[^'\n]+)': (?:Permission denied|Operation not "
               r"permitted)"),
    re.compile(r"\[Errno (?:13|1)\] (?:Permission denied|Operation not permitted): "
               r"'(?P<path>[^'\n]+)'"),
)
#: The project pip names in its own lines: "Failed to build 'file:///x'"
#: (26.x), " cwd: /x/" (the subprocess box of pip before 22.1).
NAMED = (
    re.compile(r"Failed to build '(?P<path>file://[^'\n]+)'"),
    re.compile(r"^\s*cwd: (?P<path>/[^\n]*?)/?\s*$", re.MULTILINE),
)


def denied_line(text: str) -> tuple[Optional[str], Optional[str]]:
    """``(line, path)``: the last line of ``text`` that says a write was denied,
    and the path it names (as the backend printed it, often relative).
    """
    found: tuple[Optional[str], Optional[str]] = (None, None)
    for line in text.splitlines():
        for pattern in DENIED:
            match = pattern.search(line)
            if match:
                found = (line.strip(), match.group("path"))
                break
    return found


def _local_dir(value: str) -> Optional[str]:
    """A requirement or pip's name for a project as a local directory, else None."""
    if value.startswith("file:"):
        value = unquote(urlsplit(value).path)
    elif "://" in value or value.startswith("-"):
        return None
    value = value.split("#", 1)[0]
    absolute = _fs.absolute(value)
    return absolute if os.path.isdir(absolute) else None


def projects(situation: Situation, text: str) -> list[str]:
    """The local project directories of the command: its requirements and
    editables that are directories, and the ones pip names in its lines.
    """
    found: list[str] = []
    values = list(situation.context.requirements)
    for pattern in NAMED:
        values += [match.group("path") for match in pattern.finditer(text)]
    for value in values:
        directory = _local_dir(value.strip())
        if directory is not None and directory not in found:
            found.append(directory)
    return found


def _place(path: str) -> dict[str, Any]:
    found = _fs.nearest_existing(path)
    st = found.stat
    return {
        "nearest_existing": found.path if st is not None else None,
        "owner_uid": _fs.uid_of(st),
        "owner_name": _fs.owner_of(found.path, st),
        "mode": _fs.mode_of(st),
        "mode_text": _fs.mode_text(st),
        "writable": _fs.can_write(found.path, st),
    }


def run(situation: Situation) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "denied_line": None, "denied_path": None, "project": None, "projects": [],
        "tried": None, "tried_place": None, "project_place": None,
    }
    text = "\n".join([*(e.message or "" for e in situation.error.errors),
                      *situation.context.log])
    line, given = denied_line(text)
    if line is None or given is None:
        return facts
    found = projects(situation, text)
    facts.update(denied_line=line, denied_path=given, projects=found)
    for project in found:
        tried = os.path.normpath(given if os.path.isabs(given) else os.path.join(project, given))
        if _fs.is_within(tried, project):
            facts.update(project=project, tried=tried, tried_place=_place(tried),
                         project_place=_place(project))
            break
    return facts


PROBE = Probe(
    id="source_tree",
    run=run,
    description="a build backend denied a write into the local project it builds: "
    "the project, what the backend tried to write, their owners",
    timeout=0.1,
)
