"""The four shells pip-doctor writes commands for: which one the user types
into (:func:`detect_shell`), and quoting for each.

A command is an argv list; :func:`command_line` turns it into the text one
shell reads back as that same argv:

- ``posix`` (sh, bash, zsh): :func:`shlex.quote`; but text with a control
  or other unprintable character, or a byte that is not valid in the file
  system's encoding (a surrogate escape, U+DC80..U+DCFF), is written in
  bash/zsh ANSI-C quotes, ``$'/srv/caf\\xe9'``, one ``\\xHH`` per byte.
  Plain POSIX ``sh`` (dash) reads ``$'...'`` only since POSIX.1-2024; such
  a command is for bash or zsh.
- ``fish``: single quotes, in which only ``\\\\`` and ``\\'`` are escapes;
  unprintable characters and undecodable bytes as ``\\xHH`` outside them.
- ``powershell``: single quotes, in which a quote (ASCII or one of the
  typographic single quotes PowerShell also accepts) is doubled; a quoted
  program is called with ``&``.
- ``cmd``: double quotes, backslashes before a closing quote doubled (the
  Microsoft C runtime's rule), and ``%`` written as ``"^%"`` outside the
  quotes so that cmd does not expand variables. A ``"`` cannot be part of a
  Windows path; in other text it is written as ``\\"``.

So a posix or fish command is always printable text that, typed or pasted,
gives the program exactly the bytes of the path that was measured.

A path in the user's home directory is written with :func:`home_path`: a
``~`` would be quoted as a literal ``~`` (and means nothing to cmd), so the
word names the shell's home variable instead: ``"$HOME"/.config/acme``
(POSIX shells and fish), ``"$env:USERPROFILE\\.config\\acme"`` (PowerShell),
``"%USERPROFILE%\\.config\\acme"`` (cmd).
"""

from __future__ import annotations

import itertools
import os
import re
import shlex
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Optional

from pip_doctor._model import SHELLS, Command, Shell

_SAFE = {
    "posix": re.compile(r"[\w@%+=:,./-]+", re.ASCII),
    # No ``%``: fish 3 still expands a bare ``%self`` to its process id.
    "fish": re.compile(r"[\w@+=:,./-]+", re.ASCII),
    "powershell": re.compile(r"[\w+=:./\\-]+", re.ASCII),
    "cmd": re.compile(r"[\w@+=:,./\\~-]+", re.ASCII),
}

#: Names accepted for ``PIP_DOCTOR_SHELL`` / ``--shell`` besides the four shells.
SHELL_ALIASES: Mapping[str, Shell] = {
    "sh": "posix", "bash": "posix", "zsh": "posix", "dash": "posix", "ksh": "posix",
    "pwsh": "powershell", "cmd.exe": "cmd",
}

#: Characters PowerShell treats as a single quote inside single-quoted strings.
_PS_QUOTES = "'\u2018\u2019\u201a\u201b"


class HomePath(str):
    """A path under the user's home directory, for a command (see :func:`home_path`).

    As text it reads ``~/part/part``; :func:`quote` writes it with the shell's
    home variable.
    """

    parts: tuple[str, ...]

    def __new__(cls, parts: Sequence[str]) -> HomePath:
        clean = tuple(part for part in parts if part)
        word = super().__new__(cls, "/".join(("~", *clean)))
        word.parts = clean
        return word


def home_path(*parts: str) -> HomePath:
    """A command word for a path in the user's home directory:
    ``shell_commands(["rm", "-r", home_path(".cache", "pip")])`` gives
    ``rm -r "$HOME"/.cache/pip`` for POSIX shells and fish,
    ``rm -r "$env:USERPROFILE\\.cache\\pip"`` for PowerShell and
    ``rm -r "%USERPROFILE%\\.cache\\pip"`` for cmd. Each part is one path
    component (or several joined by ``/``), quoted for the shell.
    """
    return HomePath([piece for part in parts for piece in part.split("/")])


_PS_DOUBLE_QUOTES = '"\u201c\u201d\u201e'


def _quote_home(word: HomePath, shell: Shell) -> str:
    if shell in ("posix", "fish"):
        rest = "/".join(word.parts)
        return '"$HOME"' + ("/" + quote(rest, shell) if rest else "")
    rest = "\\".join(word.parts)
    if shell == "powershell":
        escaped = "".join("`" + c if c in "`$" + _PS_DOUBLE_QUOTES else c for c in rest)
        return '"$env:USERPROFILE' + ("\\" + escaped if rest else "") + '"'
    if not rest:
        return '"%USERPROFILE%"'
    quoted = _quote_cmd("\\" + rest)
    return '"%USERPROFILE%' + quoted[1:] if quoted.startswith('"') else (
        '"%USERPROFILE%"' + quoted)


def quote(text: str, shell: Shell) -> str:
    """``text`` as one word of ``shell``'s command line (a :class:`HomePath`
    with the shell's home variable).
    """
    if isinstance(text, HomePath):
        return _quote_home(text, shell)
    if text and _SAFE[shell].fullmatch(text) and not (
        shell == "powershell" and text[0] == "@"
    ):
        return text
    if shell == "posix":
        return shlex.quote(text) if text.isprintable() else _ansi_c_quote(text)
    if shell == "fish":
        return _quote_fish(text)
    if shell == "powershell":
        return "'" + "".join(c + c if c in _PS_QUOTES else c for c in text) + "'"
    if shell == "cmd":
        return _quote_cmd(text)
    raise ValueError(f"unknown shell {shell!r}")


def _hex_bytes(char: str) -> str:
    """``\\xHH`` for each byte ``char`` stands for in a file name."""
    try:
        raw = os.fsencode(char)  # a surrogate escape gives back its byte
    except UnicodeEncodeError:  # a lone surrogate no file name can hold
        raw = char.encode("utf-8", "surrogatepass")
    return "".join(f"\\x{byte:02x}" for byte in raw)


def _ansi_c_quote(text: str) -> str:
    """bash/zsh ``$'...'``: ``\\``, ``'`` and ``!`` escaped, unprintables as bytes."""
    out: list[str] = []
    for char in text:
        if char in "\\'":
            out.append("\\" + char)
        elif char == "!" or not char.isprintable():
            out.append(_hex_bytes(char))
        else:
            out.append(char)
    return "$'" + "".join(out) + "'"


def _quote_fish(text: str) -> str:
    """Printable runs single-quoted (or bare), the rest as ``\\xHH`` between them."""
    pieces: list[str] = []
    for printable, chars in itertools.groupby(text, str.isprintable):
        run = "".join(chars)
        if printable:
            if _SAFE["fish"].fullmatch(run):
                pieces.append(run)
            else:
                pieces.append("'" + run.replace("\\", "\\\\").replace("'", "\\'") + "'")
        else:
            pieces.append("".join(_hex_bytes(char) for char in run))
    return "".join(pieces) or "''"


def _quote_cmd(text: str) -> str:
    pieces: list[str] = []
    for index, chunk in enumerate(text.split("%")):
        if index:
            pieces.append("^%")
        if chunk:
            pieces.append(_msvcrt_quote(chunk))
    return "".join(pieces) if pieces else '""'


def _msvcrt_quote(chunk: str) -> str:
    """Double-quote for the C runtime's argv parser, as CPython's list2cmdline."""
    out: list[str] = ['"']
    backslashes = 0
    for char in chunk:
        if char == "\\":
            backslashes += 1
            continue
        if char == '"':
            out.append("\\" * (2 * backslashes + 1) + '"')
        else:
            out.append("\\" * backslashes + char)
        backslashes = 0
    out.append("\\" * (2 * backslashes) + '"')
    return "".join(out)


def command_line(argv: Sequence[str], shell: Shell) -> str:
    """The argv as one line of ``shell``, each word quoted as needed."""
    if not argv:
        raise ValueError("empty command")
    words = [quote(word, shell) for word in argv]
    if shell == "powershell" and words[0] != argv[0]:
        words[0] = "& " + words[0]
    return " ".join(words)


def shell_commands(
    *argvs: Sequence[str], shells: Iterable[Shell] = SHELLS
) -> tuple[Command, ...]:
    """Commands for each shell, one per argv, in order: fixes as data.

    >>> [c.text for c in shell_commands(["rm", "-r", "my dir"], shells=["posix"])]
    ["rm -r 'my dir'"]
    """
    return tuple(
        Command(shell=shell, text=command_line(argv, shell))
        for shell in shells
        for argv in argvs
    )


def detect_shell(
    environ: Optional[Mapping[str, str]] = None, platform: Optional[str] = None
) -> Shell:
    """The shell the user types commands into.

    ``PIP_DOCTOR_SHELL`` wins (a shell name or an alias such as ``bash`` or
    ``pwsh``). On Windows: PowerShell when ``PSModulePath`` has three or more
    entries (PowerShell prepends the user's module directories to the two
    system-wide ones every Windows sets), else cmd. Elsewhere: fish when
    ``$SHELL`` is fish, else a POSIX shell.
    """
    env = os.environ if environ is None else environ
    chosen = shell_named(env.get("PIP_DOCTOR_SHELL", ""))
    if chosen is not None:
        return chosen
    if (sys.platform if platform is None else platform) == "win32":
        entries = [p for p in env.get("PSModulePath", "").split(";") if p.strip()]
        return "powershell" if len(entries) >= 3 else "cmd"
    login_shell = env.get("SHELL", "").replace("\\", "/").rsplit("/", 1)[-1]
    return "fish" if login_shell == "fish" else "posix"


def shell_named(name: str) -> Optional[Shell]:
    """The shell for a name or alias (``"bash"`` -> ``"posix"``), or None."""
    key = name.strip().lower()
    for shell in SHELLS:
        if key == shell:
            return shell
    return SHELL_ALIASES.get(key)
