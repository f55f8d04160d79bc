"""Opt-in redaction of who and where: for reports that leave the machine.

Load it for a run with ``PIP_DOCTOR_PLUGINS=pip_doctor.redact_identity`` (or
register it in an organisation plugin's entry points). In everything
pip-doctor prints or writes after pip's own message, and in the JSON report:

- the home directory becomes ``~`` (``/home/alice/proj`` -> ``~/proj``), also
  the home of ``$SUDO_USER`` when pip runs under sudo;
- the account name becomes ``<user>`` where it stands as a word
  (``owned by alice``, ``alice:alice``), not inside other words (names of
  one or two letters only inside the home path);
- this machine's host name (and its short form) becomes ``<host>``.

Numeric uids and gids stay: they say whether two owners differ without
naming anyone. pip's own message, which pip-doctor repeats first and
unchanged, is pip's output and is not rewritten.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from typing import Optional

from pip_doctor._model import Situation
from pip_doctor.hookspecs import hookimpl

try:
    import pwd
except ImportError:  # pragma: no cover - Windows
    pwd = None  # type: ignore[assignment]


USER = "<user>"
HOME = "~"
HOST = "<host>"

#: Shorter account names are hidden only inside their home path: as words
#: ("a", "jo") they would garble the report's sentences.
MIN_NAME = 3
#: Characters that continue a name or path component.
_WORD = r"[\w.-]"


def _account_entries() -> Iterator[tuple[str, str]]:
    """(name, home) of this process's account and of ``$SUDO_USER``, read now."""
    names = [os.environ.get("SUDO_USER") or ""]
    if pwd is not None:
        for uid in {os.getuid(), os.geteuid()}:
            try:
                entry = pwd.getpwuid(uid)
            except KeyError:
                continue
            yield entry.pw_name, entry.pw_dir
        for name in names:
            if name:
                try:
                    entry = pwd.getpwnam(name)
                except KeyError:
                    continue
                yield entry.pw_name, entry.pw_dir
    for variable in ("USER", "LOGNAME", "USERNAME"):
        value = os.environ.get(variable)
        if value:
            yield value, ""
    home = os.environ.get("HOME") or os.environ.get("USERPROFILE")
    if home:
        yield "", home


def _host_names() -> list[str]:
    names = []
    if hasattr(os, "uname"):
        names.append(os.uname().nodename)
    names.append(os.environ.get("COMPUTERNAME", ""))
    found = []
    for name in names:
        for candidate in (name, name.partition(".")[0]):
            if candidate and candidate not in found and candidate != "localhost":
                found.append(candidate)
    return found


#: Read when this plugin is imported (plugin load time, in the diagnosing process).
_ACCOUNTS: tuple[tuple[str, str], ...] = tuple(dict.fromkeys(_account_entries()))
_HOSTS: tuple[str, ...] = tuple(_host_names())


def _home_pattern(home: str) -> Optional[re.Pattern[str]]:
    home = home.rstrip("/\\")
    if len(home) < 2:  # "/" as a home (some service accounts): nothing to hide
        return None
    return re.compile(re.escape(home) + r"(?![\w.-])")


def _word_pattern(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!{_WORD}){re.escape(word)}(?!\w|-)")


def identity_pairs(
    names: Iterable[str], homes: Iterable[str], hosts: Iterable[str]
) -> list[tuple[re.Pattern[str], str]]:
    """Patterns for homes (longest first), host names, then account names."""
    pairs: list[tuple[re.Pattern[str], str]] = []
    for home in sorted({h for h in homes if h}, key=len, reverse=True):
        pattern = _home_pattern(home)
        if pattern is not None:
            pairs.append((pattern, HOME))
    for host in sorted({h for h in hosts if h}, key=len, reverse=True):
        pairs.append((_word_pattern(host), HOST))
    for name in sorted({n for n in names if len(n) >= MIN_NAME}, key=len, reverse=True):
        pairs.append((_word_pattern(name), USER))
    return pairs


@hookimpl
def pip_doctor_secrets(situation: Situation) -> list[tuple[re.Pattern[str], str]]:
    """The account names, homes and host names of this run, as patterns."""
    names = [name for name, _home in _ACCOUNTS]
    homes = [home for _name, home in _ACCOUNTS]
    for key in ("name", "sudo_user"):
        value = situation.fact("account", key)
        if isinstance(value, str):
            names.append(value)
    home = situation.fact("account", "home")
    if isinstance(home, str):
        homes.append(home)
    return identity_pairs(names, homes, _HOSTS)
