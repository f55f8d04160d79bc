#!/usr/bin/env python3
"""The declared minimum versions of pip-doctor's dependencies, and a check
that an environment has exactly them (the tox environment ``minimums``).

    python tests/minimums.py       exit 1 unless every pin of tests/minimums.txt
                                   is a minimum pyproject.toml declares and is
                                   the version installed here
"""

from __future__ import annotations

import contextlib
import re
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PINS_FILE = ROOT / "tests" / "minimums.txt"
#: Tested elsewhere (e2e-pip2124), not by pinning the environment's own pip.
NOT_PINNED = frozenset({"pip"})


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _same(a: str, b: str) -> bool:
    """The same release: ``21`` is ``21.0``."""
    def release(version: str) -> tuple[int, ...]:
        parts = [int(part) for part in version.split(".")]
        while parts and parts[-1] == 0:
            parts.pop()
        return tuple(parts)

    try:
        return release(a) == release(b)
    except ValueError:  # not a plain release (1.0rc1): compare the text
        return a == b


def declared_minimums(pyproject: str) -> dict[str, str]:
    """``{name: version}`` of each ``NAME>=VERSION`` in ``[project] dependencies``."""
    import tomllib

    found: dict[str, str] = {}
    for requirement in tomllib.loads(pyproject)["project"]["dependencies"]:
        match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*>=\s*([0-9][^,;\s]*)\s*",
                             requirement)
        if match is None:
            raise ValueError(f"not NAME>=VERSION: {requirement!r}")
        found[_name(match.group(1))] = match.group(2)
    return found


def pins(text: str) -> dict[str, str]:
    """``{name: version}`` of each ``NAME==VERSION`` line (``#`` starts a comment)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            found[_name(name)] = version.strip()
    return found


def mismatches(declared: dict[str, str], pinned: dict[str, str],
               installed: dict[str, str]) -> list[str]:
    """What is wrong: a minimum not pinned, a pin not declared, a version not installed."""
    wrong: list[str] = []
    wanted = {name: version for name, version in declared.items() if name not in NOT_PINNED}
    if pinned.keys() != wanted.keys() or not all(
            _same(pinned[name], wanted[name]) for name in pinned):
        wrong.append(f"{PINS_FILE.name} pins {pinned}, pyproject.toml declares {wanted}")
    for name, version in sorted(pinned.items()):
        if not _same(installed.get(name) or "", version):
            wrong.append(f"{name} {installed.get(name) or 'is not installed'} here, "
                         f"not {version}")
    return wrong


def main() -> int:
    declared = declared_minimums((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pinned = pins(PINS_FILE.read_text(encoding="utf-8"))
    installed: dict[str, str] = {}
    for name in pinned:
        with contextlib.suppress(metadata.PackageNotFoundError):
            installed[name] = metadata.version(name)
    wrong = mismatches(declared, pinned, installed)
    for line in wrong:
        print(f"minimums: {line}", file=sys.stderr)
    if not wrong:
        print("minimums: " + ", ".join(f"{n} {v}" for n, v in sorted(pinned.items())))
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
