"""What the network rules share: the facts of the ``network`` and
``network-probes`` probes as evidence lines, and fixes that set or unset an
environment variable in each shell.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from pip_doctor import _fixes
from pip_doctor._model import Command, Fix, Shell, Situation
from pip_doctor._rules._common import code
from pip_doctor._shells import quote, shell_commands

#: The families a network rule serves: ``network``, and ``other`` for what
#: pip reports without a network exception (a crash on a malformed proxy URL,
#: "No matching distribution" after failed index pages).
FAMILIES = frozenset({"network", "other"})

WARN_NO_VERIFY = (
    "Do not turn certificate verification off (`verify=False`, "
    "`PYTHONHTTPSVERIFY=0`, a `--trusted-host` for an HTTPS index): anyone between "
    "you and the index could then hand pip packages of their own."
)


def kind(situation: Situation) -> Optional[str]:
    value = situation.fact("network", "failure")
    return value if isinstance(value, str) else None


def mapping(situation: Situation, probe: str, key: str) -> Mapping[str, Any]:
    value = situation.fact(probe, key)
    return value if isinstance(value, Mapping) else {}


def host_port(situation: Situation) -> str:
    host = situation.fact("network", "host")
    port = situation.fact("network", "port")
    if not isinstance(host, str):
        candidates = situation.fact("network", "candidates") or []
        if candidates:
            return "one of " + ", ".join(code(str(url)) for url in candidates)
        return "the server"
    return f"{host} port {port}" if isinstance(port, int) else host


def fetching_line(situation: Situation, what: str) -> str:
    """``pip could not ... HOST port N while fetching URL (a file)``."""
    url = situation.fact("network", "url")
    where = situation.fact("network", "where")
    thing = "the index page" if where == "index" else "a file" if where == "file" else ""
    line = f"pip {what} {host_port(situation)}"
    if isinstance(url, str):
        line += f" while fetching {code(url)}"
        if thing:
            line += f" ({thing})"
    elif thing:
        line += f" while fetching {thing}"
    return line


def not_measured(situation: Situation) -> Optional[str]:
    """Why the network probes measured nothing, when they did not."""
    if situation.fact("network-probes", "measured") is True:
        return None
    why = situation.fact("network-probes", "why")
    if isinstance(why, str) and why:
        return why
    if "network-probes" not in situation.facts:
        return "the network probes did not run (blocked, or out of time)"
    return None


def index_line(situation: Situation) -> Optional[str]:
    index = mapping(situation, "network", "index")
    url, source = index.get("url"), index.get("source")
    if not isinstance(url, str):
        return None
    return f"pip's index is {code(url)}, from {source}"


def pip_argv(situation: Situation, *args: str) -> list[str]:
    return [_fixes.python_of(situation), "-m", "pip", *args]


def install_argv(situation: Situation, *options: str) -> list[str]:
    """The failing command again, with ``options`` added: pip's own command
    line when it is known (its index, target and other options stay), else
    ``install`` and the requirements."""
    argv = situation.context.argv
    if len(argv) > 1 and situation.context.command in argv:
        return pip_argv(situation, *argv, *options)
    reqs, _known = _fixes.requirements(situation)
    return pip_argv(situation, "install", *options, *reqs)


def placeholder_note(situation: Situation) -> str:
    if situation.context.argv:
        return ""
    _reqs, known = _fixes.requirements(situation)
    return "" if known else f" (write what you were installing in place of {_fixes.PLACEHOLDER})"


def set_variable_commands(name: str, value: str) -> tuple[Command, ...]:
    """Set ``name`` to ``value`` for this shell session, in each shell."""
    texts: dict[Shell, str] = {
        "posix": f"export {name}={quote(value, 'posix')}",
        "fish": f"set -gx {name} {quote(value, 'fish')}",
        "powershell": f"$env:{name} = {quote(value, 'powershell')}",
        "cmd": f"set \"{name}={value}\"",
    }
    return tuple(Command(shell=shell, text=text) for shell, text in texts.items())


def unset_variable_commands(name: str) -> tuple[Command, ...]:
    """Remove ``name`` from this shell session, in each shell."""
    texts: dict[Shell, str] = {
        "posix": f"unset {name}",
        "fish": f"set -e {name}",
        "powershell": f"Remove-Item Env:{name}",
        "cmd": f"set {name}=",
    }
    return tuple(Command(shell=shell, text=text) for shell, text in texts.items())


def config_debug_fix(situation: Situation) -> Fix:
    return Fix(
        summary="See every pip setting and the file or variable it comes from",
        commands=shell_commands(pip_argv(situation, "config", "debug")),
        safety="safe",
    )


def offline_fix(situation: Situation) -> Fix:
    """``--no-index --find-links DIR``: install from files copied here."""
    return Fix(
        summary="Install without the network from wheels you copied into a directory "
        "(write that directory in place of DIR)" + placeholder_note(situation),
        commands=shell_commands(install_argv(situation, "--no-index", "--find-links", "DIR")),
        safety="safe",
    )


def pip_version(situation: Situation) -> tuple[int, ...]:
    parts = []
    for part in (situation.context.pip_version or "").split(".")[:2]:
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts) or (0,)
