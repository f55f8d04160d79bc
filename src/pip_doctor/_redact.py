"""Redaction: secrets never appear in what pip-doctor prints or writes.

The built-in plugin here contributes, through ``pip_doctor_secrets``:

- the credentials of index URLs (``https://user:token@host/...``) found in
  pip's configuration files, read when plugins are loaded: ``PIP_CONFIG_FILE``,
  the global files (``/etc/xdg/pip/pip.conf``, ``/etc/pip.conf``), the user's
  (``~/.pip/pip.conf``, ``~/.config/pip/pip.conf``) and the environment's
  (``sys.prefix/pip.conf``, ``$VIRTUAL_ENV/pip.conf``);
- passwords and tokens inside URLs in any environment variable
  (``PIP_INDEX_URL``, ``PIP_EXTRA_INDEX_URL``, ...), never user names;
- the values of environment variables whose names mark them as secret
  (``*TOKEN*``, ``*SECRET*``, ``*PASSWORD*``, ``*_KEY``, ...).

:func:`redact_report` applies every plugin's pairs to every string of a
report; URL credentials that nobody listed are masked all the same.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any, Union

import attrs

from pip_doctor import _timebox
from pip_doctor._model import Config, Facts, Report, Situation
from pip_doctor.hookspecs import hookimpl

MASK = "***"

#: What is replaced (a literal text or a compiled pattern) and by what.
Pair = tuple[Union[str, "re.Pattern[str]"], str]

_SECRET_NAME = re.compile(
    r"TOKEN|SECRET|PASSW(?:OR)?D|(?<![A-Z])PASS(?![A-Z])|CREDENTIAL|COOKIE"
    r"|(?<![A-Z])(?:API|ACCESS|PRIVATE|SIGNING|ENCRYPTION)?_?KEY(?:S)?(?![A-Z])",
    re.I,
)
#: ``scheme://user:password@``. The look-behind and the bounds keep matching linear
#: in the text's length (a 5,000-character file name must not cost a second).
_URL_CREDENTIALS = re.compile(
    r"(?<![a-z0-9+.-])(?P<scheme>[a-z][a-z0-9+.-]{0,31}://)(?P<userinfo>[^/@\s]{1,4096})@",
    re.I,
)
#: Values too plain to be secrets (replacing them everywhere would garble reports).
_PLAIN_VALUES = frozenset({"true", "false", "yes", "no", "none", "null", "on", "off"})
_MIN_SECRET_LENGTH = 6


def is_secret_name(name: str) -> bool:
    """True for names like ``GITHUB_TOKEN``, ``DB_PASSWORD``, ``AWS_SECRET_ACCESS_KEY``."""
    return _SECRET_NAME.search(name) is not None


def _worth_hiding(value: str) -> bool:
    value = value.strip()
    return len(value) >= _MIN_SECRET_LENGTH and value.lower() not in _PLAIN_VALUES


def credentials_in_text(text: str) -> list[str]:
    """The secrets inside URLs in ``text``: passwords, and lone tokens.

    ``https://user:password@host`` lists the password; ``https://TOKEN@host``
    (no colon, pip's way to pass a token) lists the token. A user name is never
    listed, nor is the lone user of an ``ssh`` URL (``git+ssh://git@github.com``):
    it would be hidden everywhere, inside unrelated words. Each secret is listed
    decoded as well as percent-encoded, and only when :func:`_worth_hiding`.
    The ``user:password@`` part itself is masked by :func:`redact_text`'s URL
    pattern, in URLs only.
    """
    found: list[str] = []
    for match in _URL_CREDENTIALS.finditer(text):
        user, colon, password = match.group("userinfo").partition(":")
        if colon:
            secret = password
        elif "ssh" in match.group("scheme").lower():
            continue
        else:
            secret = user
        from urllib.parse import unquote  # here: only a URL with credentials needs it

        for candidate in (secret, unquote(secret)):
            if _worth_hiding(candidate) and candidate not in found:
                found.append(candidate)
    return found


def secrets_in_environment(environ: Mapping[str, str]) -> list[str]:
    """Values of secret-looking variables, and credentials inside URLs anywhere."""
    found: list[str] = []
    for name, value in environ.items():
        if is_secret_name(name) and _worth_hiding(value):
            found.append(value)
        found.extend(credentials_in_text(value))
    return found


def pip_config_files(environ: Mapping[str, str]) -> list[str]:
    """Where pip reads its configuration from (``pip config debug``'s list)."""
    name = "pip.ini" if os.name == "nt" else "pip.conf"
    files: list[str] = []
    if os.name == "nt":
        program_data = environ.get("PROGRAMDATA")
        if program_data:
            files.append(os.path.join(program_data, "pip", name))
        app_data = environ.get("APPDATA")
        if app_data:
            files.append(os.path.join(app_data, "pip", name))
    else:
        xdg_dirs = environ.get("XDG_CONFIG_DIRS") or "/etc/xdg"
        files.extend(os.path.join(d, "pip", name) for d in xdg_dirs.split(os.pathsep) if d)
        files.append("/etc/pip.conf")
        home = environ.get("HOME") or os.path.expanduser("~")
        files.append(os.path.join(home, ".pip", name))
        config_home = environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
        files.append(os.path.join(config_home, "pip", name))
        if sys.platform == "darwin":
            files.append(os.path.join(home, "Library", "Application Support", "pip", name))
    files.append(os.path.join(sys.prefix, name))
    virtual_env = environ.get("VIRTUAL_ENV")
    if virtual_env:
        files.append(os.path.join(virtual_env, name))
    config_file = environ.get("PIP_CONFIG_FILE")
    if config_file and config_file != os.devnull:
        files.append(config_file)
    return list(dict.fromkeys(files))


_CONFIG_VALUE = re.compile(r"^\s*(?P<key>[\w.-]+)\s*[=:]\s*(?P<value>.*?)\s*$")


def secrets_in_pip_config(environ: Mapping[str, str]) -> list[str]:
    """Credentials in every URL of pip's configuration files, and secret-named values."""
    found: list[str] = []
    for path in pip_config_files(environ):
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read(1 << 20)
        except OSError:
            continue
        found.extend(credentials_in_text(text))
        for line in text.splitlines():
            match = _CONFIG_VALUE.match(line)
            if match and is_secret_name(match.group("key")) and _worth_hiding(
                match.group("value")
            ):
                found.append(match.group("value"))
    return found


class Plugin:
    """The built-in redaction of one plugin manager.

    ``pip_doctor_configure`` reads pip's configuration files (plugin load
    time) from the manager's environment; ``pip_doctor_secrets`` adds the
    secrets of that environment's variables.
    """

    def __init__(self) -> None:
        self._environ: Mapping[str, str] = {}
        self._config_secrets: _timebox.Loaded[tuple[str, ...]] = _timebox.Loaded(tuple)

    @hookimpl
    def pip_doctor_configure(self, config: Config) -> None:
        environ = self._environ = config.environ
        self._config_secrets = _timebox.Loaded(lambda: tuple(secrets_in_pip_config(environ)))
        self._config_secrets.get()

    @hookimpl
    def pip_doctor_secrets(self, situation: Situation) -> list[str]:
        return [*self._config_secrets.get(), *secrets_in_environment(self._environ)]


def redact_text(text: str, pairs: Iterable[Pair]) -> str:
    """``text`` with every pair applied, then any URL credentials masked."""
    for secret, replacement in pairs:
        if isinstance(secret, str):
            if secret:
                text = text.replace(secret, replacement)
        else:
            text = secret.sub(replacement.replace("\\", "\\\\"), text)
    # URL credentials nobody listed are still masked.
    if "://" not in text:
        return text
    return _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)


def _redact_value(value: Any, pairs: list[Pair]) -> Any:
    if isinstance(value, str):
        return redact_text(value, pairs)
    if isinstance(value, Mapping):
        return {k: _redact_value(v, pairs) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_redact_value(v, pairs) for v in value)
    if isinstance(value, list):
        return [_redact_value(v, pairs) for v in value]
    if attrs.has(type(value)):
        changes = {
            field.name: _redact_value(getattr(value, field.name), pairs)
            for field in attrs.fields(type(value))
            if not callable(getattr(value, field.name))
        }
        return attrs.evolve(value, **changes)
    return value


def _order(pairs: Iterable[Pair]) -> list[Pair]:
    """Longest literal texts first (so a secret inside another goes second), patterns last."""
    unique = list(dict.fromkeys(pairs))
    literals: list[tuple[str, str]] = [
        (text, new) for text, new in unique if isinstance(text, str)
    ]
    patterns = [pair for pair in unique if not isinstance(pair[0], str)]
    return [*sorted(literals, key=lambda pair: -len(pair[0])), *patterns]


def redact_value(value: Any, pairs: Iterable[Pair]) -> Any:
    """A copy of ``value`` (text, mapping, list, record) with every string redacted."""
    return _redact_value(value, _order(pairs))


def redact_report(report: Report, pairs: Iterable[Pair]) -> Report:
    """A copy of ``report`` with every string redacted, facts included.

    pip's own text, which :func:`pip_doctor.format_os_error` repeats first and
    byte for byte, is printed from pip's function, not from the report.
    """
    ordered = _order(pairs)
    redacted: Report = _redact_value(attrs.evolve(report, facts=Facts()), ordered)
    return attrs.evolve(redacted, facts=Facts(_redact_value(report.facts.to_dict(), ordered)))
