"""Every generated path survives each shell's quoting and comes back unchanged.

posix is checked with :func:`shlex.split` and with real ``bash`` and ``dash``;
fish with real ``fish`` and a reference unquoter written from fish's manual.
PowerShell and cmd cannot run here: their checks use reference tokenizers
written from Microsoft's documented rules (``about_Quoting_Rules``; cmd's
percent expansion and caret escapes, then the C runtime's "Parsing C++
command-line arguments"), and are named ``..._simulated``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pip_doctor._shells import command_line, detect_shell, home_path, quote, shell_commands

#: Characters that shells treat specially, typographic quotes included (the
#: unprintable ones, tab among them, are in ``_odd_chars``).
SPECIALS = [
    *" '\"‘’‚‛“”„`$%!^&|;<>()[]{}*?~#=,@\\-.:+",
    "é", "日", "本", "🐍", "\u2013",
]

#: Everything :meth:`str.isprintable` refuses (space aside).
UNPRINTABLE = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs")
_plain = st.characters(blacklist_categories=UNPRINTABLE)
_word_chars = st.one_of(st.sampled_from(SPECIALS), _plain)
#: Text as the program name or an argument: any printable text, possibly empty.
words = st.text(_word_chars, max_size=24)
segments = st.text(_word_chars, min_size=1, max_size=12).filter(lambda s: s not in (".", ".."))


@st.composite
def posix_paths(draw: st.DrawFn) -> str:
    parts = draw(st.lists(segments.map(lambda s: s.replace("/", "_")), min_size=1, max_size=4))
    trailing = draw(st.sampled_from(["", "/", "\\"]))
    return "/" + "/".join(parts) + trailing


@st.composite
def windows_paths(draw: st.DrawFn) -> str:
    """Windows paths: no ``"``, ``<``, ``>``, ``|``, ``?``, ``*`` in names."""
    bad = set('"<>|?*:/\\\t')
    names = segments.map(lambda s: "".join("_" if c in bad else c for c in s))
    parts = draw(st.lists(names, min_size=1, max_size=4))
    trailing = draw(st.sampled_from(["", "\\", "\\\\"]))
    drive = draw(st.sampled_from(["C:\\", "\\\\server\\share\\", "D:\\Users\\"]))
    return drive + "\\".join(parts) + trailing


def _is_a_file_name(text: str) -> bool:
    """What :func:`os.fsdecode` can give: its surrogate escapes are bytes that
    do not decode, never ones that together are a valid character.
    """
    try:
        return os.fsdecode(os.fsencode(text)) == text
    except UnicodeEncodeError:
        return False


#: Control characters, undecodable bytes (surrogate escapes) and other
#: unprintable characters: no-break and zero-width spaces, line separators.
_odd_chars = st.one_of(
    st.characters(whitelist_categories=("Cc",), blacklist_characters="\0"),
    st.integers(0xDC80, 0xDCFF).map(chr),
    st.sampled_from(["\u00a0", "\u200b", "\u2028", "\u00ad", "\ufeff"]),
)
#: Names holding any of those among printable text and shell specials.
odd_words = st.text(st.one_of(_odd_chars, _word_chars), min_size=1, max_size=24).filter(
    lambda s: not s.isprintable() and _is_a_file_name(s)
)

#: File names no terminal could show as they are, in the shape they reach Python.
ODD = [
    "/tmp/new\nline",
    "/tmp/caf\udce9",
    "/tmp/\x1b[31mred\x1b[0m",
    "/tmp/it's\udcff!$HOME\\",
    "/tmp/nb\u00a0sp/zw\u200bsp",
    "\udcff",
    "\t",
    "/tmp/\udcc3x\x7f",
]

NASTY = [
    "/tmp/it's here",
    "/home/a b/.venv",
    "/tmp/ends with backslash\\",
    "/tmp/$HOME/`id`/$(id)/!!/%PATH%",
    "/tmp/‘typographic’ “quotes”",
    "/tmp/ünïcödé/日本/🐍",
    "/tmp/new\nline",
    "",
    "-rf",
    "%self",
]


# ------------------------------------------------------------------- posix


PRINTABLE_NASTY = [n for n in NASTY if n.isprintable()]


@given(st.lists(st.one_of(posix_paths(), words), min_size=1, max_size=6))
@example(PRINTABLE_NASTY)
def test_posix_round_trips_through_shlex(argv: list[str]) -> None:
    assert shlex.split(command_line(argv, "posix")) == argv


def _real_shell_argv(shell: Sequence[str], quoted: Sequence[str]) -> list[str]:
    """What a real shell passes to ``printf '%s\\0'`` for the quoted words."""
    script = "/usr/bin/printf '%s\\0' " + " ".join(quoted)
    out = subprocess.run([*shell, script], capture_output=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}).stdout
    return [os.fsdecode(item) for item in out.split(b"\0")[:-1]]


@pytest.mark.parametrize("shell", [["bash", "--norc", "-c"], ["dash", "-c"]])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paths=st.lists(st.one_of(posix_paths(), words), min_size=1, max_size=12))
@example(paths=PRINTABLE_NASTY)
def test_posix_round_trips_through_real_shell(shell: list[str], paths: list[str]) -> None:
    if shutil.which(shell[0]) is None:
        pytest.fail(f"{shell[0]} is not installed")
    assert _real_shell_argv(shell, [quote(p, "posix") for p in paths]) == paths


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paths=st.lists(st.one_of(odd_words, posix_paths(), words), min_size=1, max_size=12))
@example(paths=ODD)
@example(paths=NASTY)
def test_unprintable_names_round_trip_through_real_bash_as_printable_text(
    paths: list[str],
) -> None:
    """Control characters and undecodable bytes: ANSI-C quotes, ``$'\\xff'``
    (bash and zsh; POSIX sh only since POSIX.1-2024, so dash is not asked).
    """
    quoted = [quote(p, "posix") for p in paths]
    assert all(q.isprintable() for q in quoted)
    assert _real_shell_argv(["bash", "--norc", "-c"], quoted) == paths


# -------------------------------------------------------------------- fish


def fish_unquote(line: str) -> list[str]:
    """Split a fish command line made of bare words and single-quoted strings.

    From fish's manual ("Quotes"): in single quotes only ``\\'`` and ``\\\\`` are
    escapes; everything else, ``$`` and ``\\n`` included, is literal. Outside
    quotes, a backslash escapes the next character. Expansion characters
    outside quotes (and ``%`` starting a word: ``%self``) are rejected:
    quoting must never leave them bare.
    """
    words: list[str] = []
    current: list[str] = []
    in_word = False
    index = 0
    while index < len(line):
        char = line[index]
        if char == "'":
            in_word = True
            index += 1
            while line[index] != "'":
                if line[index] == "\\" and line[index + 1] in "\\'":
                    index += 1
                current.append(line[index])
                index += 1
        elif char == " ":
            if in_word:
                words.append("".join(current))
            current, in_word = [], False
        elif char in "$*?~{}()[]|;&<>#\"`\n\t" or (char == "%" and not in_word):
            raise ValueError(f"unquoted {char!r} in {line!r}")
        else:
            current.append(char)
            in_word = True
        index += 1
    if in_word:
        words.append("".join(current))
    return words


@given(st.lists(st.one_of(posix_paths(), words), min_size=1, max_size=6))
@example(PRINTABLE_NASTY)
def test_fish_round_trips_through_reference_unquoter(argv: list[str]) -> None:
    assert fish_unquote(command_line(argv, "fish")) == argv


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(posix_paths(), words), min_size=1, max_size=12))
@example(NASTY)
def test_fish_round_trips_through_real_fish(paths: list[str]) -> None:
    if shutil.which("fish") is None:
        pytest.fail("fish is not installed (apt-get install -y fish)")
    assert _real_shell_argv(["fish", "--no-config", "-c"], [quote(p, "fish") for p in paths]) == (
        paths
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(odd_words, posix_paths(), words), min_size=1, max_size=12))
@example(ODD)
def test_unprintable_names_round_trip_through_real_fish_as_printable_text(
    paths: list[str],
) -> None:
    quoted = [quote(p, "fish") for p in paths]
    assert all(q.isprintable() for q in quoted)
    assert _real_shell_argv(["fish", "--no-config", "-c"], quoted) == paths


# -------------------------------------------------------------- PowerShell

#: ``about_Quoting_Rules``: PowerShell accepts these as single quotes.
PS_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"


def powershell_split(line: str) -> list[str]:
    """Split a PowerShell command line of bare words and single-quoted strings.

    A leading ``& `` is the call operator (needed before a quoted program).
    Inside single quotes everything is literal; a quote followed by another
    quote character stands for that second character (PowerShell's tokenizer,
    ``ScanStringLiteral``). Bare words may not hold characters PowerShell
    would expand or treat as syntax.
    """
    if line.startswith("& "):
        line = line[2:]
    elif line[:1] in PS_SINGLE_QUOTES:
        raise ValueError("a quoted program needs the call operator")
    words: list[str] = []
    index = 0
    while index < len(line):
        if line[index] == " ":
            index += 1
            continue
        current: list[str] = []
        if line[index] in PS_SINGLE_QUOTES:
            index += 1
            while True:
                char = line[index]
                if char in PS_SINGLE_QUOTES:
                    if index + 1 < len(line) and line[index + 1] in PS_SINGLE_QUOTES:
                        index += 1
                        char = line[index]
                    else:
                        index += 1
                        break
                current.append(char)
                index += 1
        else:
            while index < len(line) and line[index] != " ":
                char = line[index]
                if char in "$`\"“”„@#{}()[];,&|<>" + PS_SINGLE_QUOTES:
                    raise ValueError(f"bare {char!r} in {line!r}")
                current.append(char)
                index += 1
        words.append("".join(current))
    return words


@given(st.lists(st.one_of(windows_paths(), posix_paths(), words), min_size=1, max_size=6))
@example(NASTY)
@example(["C:\\Program Files\\Python 3\\python.exe", "-m", "venv", "C:\\Users\\O'Brien\\.venv"])
def test_powershell_round_trips_simulated(argv: list[str]) -> None:
    assert powershell_split(command_line(argv, "powershell")) == argv


# --------------------------------------------------------------------- cmd


def cmd_split(line: str, environ: Mapping[str, str]) -> list[str]:
    """What a program started from an interactive cmd.exe prompt gets as argv.

    Phase 1, percent expansion at the prompt: ``%NAME%`` becomes the value of a
    defined variable; an undefined one is left as typed. Phase 2: ``"`` toggles
    quoting, outside quotes ``^`` escapes the next character and ``& | < >``
    are operators (rejected: quoting must not leave them bare). Then the C
    runtime splits the line: whitespace separates arguments outside quotes,
    ``2n`` backslashes before ``"`` give ``n`` and the quote toggles, ``2n+1``
    give ``n`` and a literal ``"``, other backslashes are literal.
    """
    expanded: list[str] = []
    index = 0
    while index < len(line):
        if line[index] == "%":
            end = line.find("%", index + 1)
            name = line[index + 1:end] if end > index else None
            if name and name.upper() in environ:
                expanded.append(environ[name.upper()])
                index = end + 1
                continue
        expanded.append(line[index])
        index += 1
    text = "".join(expanded)
    escaped: list[str] = []
    quoted = False
    index = 0
    while index < len(text):
        char = text[index]
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "^":
            index += 1
            char = text[index]
        elif not quoted and char in "&|<>":
            raise ValueError(f"bare {char!r} in {line!r}")
        escaped.append(char)
        index += 1
    return _msvcrt_split("".join(escaped))


def _msvcrt_split(line: str) -> list[str]:
    args: list[str] = []
    current: list[str] = []
    in_arg = quoted = False
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\":
            count = 0
            while index < len(line) and line[index] == "\\":
                count += 1
                index += 1
            if index < len(line) and line[index] == '"':
                current.append("\\" * (count // 2))
                if count % 2:
                    current.append('"')
                    index += 1
            else:
                current.append("\\" * count)
            in_arg = True
            continue
        if char == '"':
            quoted = not quoted
            in_arg = True
        elif char in " \t" and not quoted:
            if in_arg:
                args.append("".join(current))
            current, in_arg = [], False
        else:
            current.append(char)
            in_arg = True
        index += 1
    if in_arg:
        args.append("".join(current))
    return args


_CMD_ENV = {"PATH": "C:\\Windows", "USERPROFILE": "C:\\Users\\a", "A": "expanded"}


@given(st.lists(windows_paths(), min_size=1, max_size=6))
@example(["C:\\Users\\a b\\%PATH%\\100%\\x%A%y", "C:\\ends\\with\\backslash\\", "C:\\!x!\\^"])
@example(["C:\\Users\\%USERPROFILE%", "C:\\a\\%", "C:\\%%"])
def test_cmd_round_trips_simulated(argv: list[str]) -> None:
    assert cmd_split(command_line(argv, "cmd"), _CMD_ENV) == argv


# ---------------------------------------------------------- shell_commands


@given(posix_paths())
def test_shell_commands_quote_each_shell_its_own_way(path: str) -> None:
    commands = shell_commands(["chown", "-R", "alice", path], shells=("posix", "fish"))
    assert [c.shell for c in commands] == ["posix", "fish"]
    assert shlex.split(commands[0].text) == ["chown", "-R", "alice", path]
    assert fish_unquote(commands[1].text) == ["chown", "-R", "alice", path]


def test_empty_command_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        command_line([], "posix")


# ------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"SHELL": "/usr/bin/fish"}, "fish"),
        ({"SHELL": "/bin/bash"}, "posix"),
        ({"SHELL": "/bin/zsh"}, "posix"),
        ({}, "posix"),
        ({"SHELL": "/usr/bin/fish", "PIP_DOCTOR_SHELL": "bash"}, "posix"),
        ({"PIP_DOCTOR_SHELL": "pwsh"}, "powershell"),
        ({"PIP_DOCTOR_SHELL": "nonsense", "SHELL": "/usr/bin/fish"}, "fish"),
    ],
)
def test_detect_shell_on_posix(environ, expected):
    assert detect_shell(environ, platform="linux") == expected


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        # cmd: only the two system-wide entries every Windows sets
        ({"PSModulePath": r"C:\Program Files\WindowsPowerShell\Modules;"
                          r"C:\Windows\system32\WindowsPowerShell\v1.0\Modules"}, "cmd"),
        # PowerShell prepends the user's module directory
        ({"PSModulePath": r"C:\Users\a\Documents\WindowsPowerShell\Modules;"
                          r"C:\Program Files\WindowsPowerShell\Modules;"
                          r"C:\Windows\system32\WindowsPowerShell\v1.0\Modules"}, "powershell"),
        ({}, "cmd"),
        ({"PIP_DOCTOR_SHELL": "powershell"}, "powershell"),
    ],
)
def test_detect_shell_windows_simulated(environ, expected):
    assert detect_shell(environ, platform="win32") == expected


# ------------------------------------------------------------- the home


HOME_PARTS = st.lists(
    st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\0"),
            min_size=1, max_size=8).filter(str.isprintable),  # dash has no $'...'
    max_size=3,
)


@pytest.mark.parametrize("shell", [["bash", "--norc", "-c"], ["dash", "-c"],
                                   ["fish", "--no-config", "-c"]])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=HOME_PARTS)
@example(parts=[".cache", "pip"])
@example(parts=["my dir", "it's $HOME"])
def test_home_path_is_the_shells_home_variable(shell: list[str], parts: list[str]) -> None:
    if shutil.which(shell[0]) is None:
        pytest.fail(f"{shell[0]} is not installed")
    home = "/home/O'Brien smith"
    word = quote(home_path(*parts), "fish" if shell[0] == "fish" else "posix")
    out = subprocess.run([*shell, "/usr/bin/printf '%s\\0' " + word], capture_output=True,
                         check=True, env={"PATH": "/usr/bin:/bin", "HOME": home}).stdout
    assert [os.fsdecode(item) for item in out.split(b"\0")[:-1]] == [
        "/".join([home, *parts])]


@given(parts=HOME_PARTS.filter(lambda parts: all('"' not in p for p in parts)))
@example(parts=["50%", "x"])
def test_home_path_in_cmd_is_userprofile(parts: list[str]) -> None:
    profile = "C:\\Users\\Jo Smith"
    line = command_line(["dir", home_path(*parts)], "cmd")
    assert cmd_split(line, {"USERPROFILE": profile}) == ["dir", "\\".join([profile, *parts])]


@pytest.mark.parametrize(
    ("parts", "posix", "powershell", "cmd"),
    [
        ((), '"$HOME"', '"$env:USERPROFILE"', '"%USERPROFILE%"'),
        ((".cache", "pip"), '"$HOME"/.cache/pip', '"$env:USERPROFILE\\.cache\\pip"',
         '"%USERPROFILE%\\.cache\\pip"'),
        (("a$b`c",), "\"$HOME\"/'a$b`c'", '"$env:USERPROFILE\\a`$b``c"',
         '"%USERPROFILE%\\a$b`c"'),
    ],
)
def test_home_path_words(parts, posix, powershell, cmd) -> None:
    word = home_path(*parts)
    assert str(word) == "/".join(("~", *parts))
    assert (quote(word, "posix"), quote(word, "powershell"), quote(word, "cmd")) == (
        posix, powershell, cmd)
    assert command_line([home_path("bin", "tool")], "powershell") == (
        '& "$env:USERPROFILE\\bin\\tool"')
