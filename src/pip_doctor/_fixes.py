"""Fix recipes shared by the built-in rules: commands as data, per shell.

Every recipe takes the measured :class:`~pip_doctor._model.Situation` and
returns a :class:`~pip_doctor._model.Fix` whose commands name the exact
interpreter and directories that were measured, quoted for each shell. The
order of preference follows the Python Packaging User Guide: a virtual
environment first, ``--user`` only where pip allows it and Python sees it,
``chown`` only of what the account should own. Shortcuts that only move the
problem (``sudo pip``, ``chmod -R 777``, ``--break-system-packages``) are
never fixes; the ``WARN_*`` texts say why not to take them.
"""

from __future__ import annotations

import ntpath
import posixpath
from collections.abc import Iterable, Sequence
from typing import Optional

from pip_doctor._fs import is_within
from pip_doctor._model import SHELLS, Fix, Safety, Shell, Situation
from pip_doctor._shells import shell_commands

#: Stands for the requirements when the failing command's are not known.
PLACEHOLDER = "PACKAGE"
#: Stands for a directory the account owns, when its home is not writable.
DIRECTORY_PLACEHOLDER = "DIRECTORY"
#: Shells whose users have ``chown`` (and ``sudo``).
POSIX_SHELLS: tuple[Shell, ...] = ("posix", "fish")
#: The shells of Windows.
WINDOWS_SHELLS: tuple[Shell, ...] = ("powershell", "cmd")

WARN_SUDO_PIP = (
    "Do not run `sudo pip install`: it writes root-owned files into an environment "
    "you use as yourself (the next install or upgrade fails again), and into a "
    "system Python it can replace packages the operating system depends on."
)
WARN_CHMOD_777 = (
    "Do not `chmod -R 777` the environment: it lets every account on the machine "
    "change code that you (or root) will run, and pip's next install still leaves "
    "files with the wrong owner."
)
WARN_CONDA_USER = (
    "In a conda environment, do not follow pip's `--user` hint: the user site "
    "(~/.local) is shared by every conda environment and Python of the same "
    "version, so what you install there leaks into all of them."
)
WARN_BREAK_SYSTEM_PACKAGES = (
    "Do not add `--break-system-packages`: the PEP 668 marker is there because the "
    "operating system's package manager owns this Python; pip may overwrite or "
    "remove packages system tools rely on, and the next system update may undo "
    "or break your install."
)
WARN_EVERYONE_FULL_CONTROL = (
    "Do not give Everyone (or Users) Full control of the Python folder: every program "
    "any account runs could then change code that administrators and services run, "
    "and the next install by an administrator still leaves files you cannot replace."
)
WARN_ALWAYS_ELEVATED = (
    "Do not run every install from an elevated (Run as administrator) shell: each "
    "package's code then runs with full control of the machine, and files it leaves "
    "belong to the Administrators group, so the next install as yourself fails again."
)


def is_windows(situation: Situation) -> bool:
    return bool(situation.fact("interpreter", "platform") == "win32")


def shells_for(situation: Situation) -> tuple[Shell, ...]:
    """The shells a fix is written for: PowerShell and cmd on Windows, all four
    elsewhere (a POSIX path means nothing to cmd, a drive letter nothing to sh).
    """
    return WINDOWS_SHELLS if is_windows(situation) else SHELLS


def permission_warnings(situation: Situation) -> tuple[str, ...]:
    """The shortcuts not to take when this account may not write: ``sudo pip`` and
    ``chmod -R 777`` on POSIX; Full control for Everyone and elevated installs on
    Windows.
    """
    if is_windows(situation):
        return (WARN_ALWAYS_ELEVATED, WARN_EVERYONE_FULL_CONTROL)
    return (WARN_SUDO_PIP, WARN_CHMOD_777)


def join(situation: Situation, *parts: str) -> str:
    """Join path parts the way the measured platform does."""
    if is_windows(situation):
        return ntpath.join(*parts)
    return posixpath.join(*parts)


def python_of(situation: Situation) -> str:
    """The interpreter that ran pip, as measured (or as the context says)."""
    executable = situation.fact("interpreter", "executable")
    if isinstance(executable, str) and executable:
        return executable
    return situation.context.interpreter


def env_python(situation: Situation, directory: str) -> str:
    """The interpreter inside the virtual environment ``directory``."""
    if is_windows(situation):
        return ntpath.join(directory, "Scripts", "python.exe")
    return posixpath.join(directory, "bin", "python")


def requirements(situation: Situation) -> tuple[tuple[str, ...], bool]:
    """``(requirements, known)``: the failing command's, or the placeholder."""
    asked = tuple(r for r in situation.context.requirements if r)
    if asked:
        return asked, True
    return (PLACEHOLDER,), False


#: Options a fix that installs elsewhere drops from the user's command: the
#: destination and PEP 668's override (option -> how many values follow it).
DESTINATION_OPTIONS: dict[str, int] = {
    "--user": 0, "--no-user": 0, "--target": 1, "-t": 1, "--prefix": 1, "--root": 1,
    "--break-system-packages": 0,
}


def _without(args: Sequence[str], drop: dict[str, int]) -> list[str]:
    """``args`` without the options in ``drop`` (``--opt V``, ``--opt=V``, ``-tV``)."""
    kept: list[str] = []
    skip = 0
    for index, arg in enumerate(args):
        if skip:
            skip -= 1
            continue
        if arg == "--":
            kept += args[index:]
            break
        if arg in drop:
            skip = drop[arg]
            continue
        name = arg.split("=", 1)[0]
        if arg.startswith("--") and "=" in arg and drop.get(name) == 1:
            continue
        if not arg.startswith("--") and len(arg) > 2 and drop.get(arg[:2]) == 1:
            continue
        kept.append(arg)
    return kept


def command_args(situation: Situation, add: Sequence[str] = (),
                 drop: Optional[dict[str, int]] = None) -> Optional[list[str]]:
    """The user's own pip command line (after ``pip``), with the options in
    ``drop`` removed (by default the destination options) and ``add`` put after
    the command name; None when the command line is not known.

    Everything else stays: requirements, ``-r`` files, constraints,
    ``-U``/``--upgrade``, ``--pre``, index and find-links options,
    ``--no-deps``... Credentials in index URLs are masked when the report is
    rendered, like everywhere else.
    """
    argv = list(situation.context.argv)
    command = situation.context.command
    if command not in argv:
        return None
    index = argv.index(command)
    dropped = DESTINATION_OPTIONS if drop is None else drop
    return [*_without(argv[:index], dropped), command, *add,
            *_without(argv[index + 1:], dropped)]


def _with_placeholder_note(summary: str, known: bool) -> str:
    if known:
        return summary
    return f"{summary} (write what you were installing in place of {PLACEHOLDER})"


def text_fact(situation: Situation, probe: str, key: str) -> Optional[str]:
    """A fact that should be non-empty text (a path, a name), else None."""
    value = situation.fact(probe, key)
    return value if isinstance(value, str) and value else None


def own_directory(situation: Situation) -> Optional[str]:
    """Where this account may create a new directory: its home, or
    :data:`DIRECTORY_PLACEHOLDER` when the home is missing or not its own
    (``nobody``'s ``/nonexistent``); None when no home is known.
    """
    home = text_fact(situation, "account", "home")
    if home is None:
        return None
    if situation.fact("account", "home_writable") is False:
        return DIRECTORY_PLACEHOLDER
    return home


def directory_note(situation: Situation, path: str) -> str:
    """The words a summary needs when ``path`` stands on the placeholder."""
    if not path.startswith(DIRECTORY_PLACEHOLDER):
        return ""
    home = text_fact(situation, "account", "home")
    return (
        f" (your home directory {home} is missing or not yours: write a directory"
        f" you own in place of {DIRECTORY_PLACEHOLDER})"
    )


def venv_directory(situation: Situation, avoid: Iterable[Optional[str]] = ()) -> str:
    """Where to suggest a new virtual environment: ``~/.venv``, unless that is
    (or lies in) one of the places to ``avoid``; ``.venv`` when no home is known.
    """
    home = own_directory(situation)
    if home is None:
        return ".venv"
    blocked = [a for a in avoid if a]
    for name in (".venv", ".venv-pip-doctor"):
        candidate = join(situation, home, name)
        if not any(is_within(candidate, a) or is_within(a, candidate) for a in blocked):
            return candidate
    return join(situation, home, ".venv-new")


def new_venv(situation: Situation, directory: Optional[str] = None,
             avoid: Iterable[Optional[str]] = ()) -> Fix:
    """Create a virtual environment this account owns and install into it."""
    target = directory or venv_directory(situation, avoid)
    note = directory_note(situation, target)
    create = [python_of(situation), "-m", "venv", target]
    if situation.context.command == "uninstall":
        # Nothing to install: the way out is an environment of one's own.
        return Fix(
            summary=f"Create a virtual environment you own at {target} and use it"
            f" instead of this one{note}",
            commands=shell_commands(create, shells=shells_for(situation)),
            safety="safe",
        )
    if situation.fact("environment", "kind") == "conda":
        return conda_env(situation)
    args, known = rerun_args(situation)
    return Fix(
        summary=_with_placeholder_note(
            f"Create a virtual environment you own at {target} and install into it{note}",
            known,
        ),
        commands=shell_commands(create, [env_python(situation, target), "-m", "pip", *args],
                                shells=shells_for(situation)),
        safety="safe",
    )


def rerun_args(situation: Situation, add: Sequence[str] = (),
               drop: Optional[dict[str, int]] = None) -> tuple[list[str], bool]:
    """``(args after "pip", known)``: the user's command (see :func:`command_args`),
    else ``install``/``uninstall`` of the requirements (or the placeholder).
    """
    args = command_args(situation, add, drop)
    if args is not None:
        return args, True
    reqs, known = requirements(situation)
    verb = "uninstall" if situation.context.command == "uninstall" else "install"
    return [verb, *add, *reqs], known


def own_tmpdir(situation: Situation, summary: str) -> Optional[Fix]:
    """Make ``HOME/tmp`` and re-run the user's command with ``TMPDIR`` pointing
    there; None when the account has no directory of its own to offer.
    ``summary`` may use ``{tmp}``.
    """
    home = own_directory(situation)
    if not home:
        return None
    tmp = join(situation, home, "tmp")
    args, known = rerun_args(situation, drop={})
    return Fix(
        summary=_with_placeholder_note(
            summary.format(tmp=tmp) + directory_note(situation, tmp), known),
        commands=shell_commands(
            ["mkdir", "-p", tmp],
            ["env", f"TMPDIR={tmp}", python_of(situation), "-m", "pip", *args],
            shells=POSIX_SHELLS,
        ),
        safety="safe",
    )


def without_cache(situation: Situation, summary: str) -> Fix:
    """The user's command again with ``--no-cache-dir`` (any ``--cache-dir`` dropped)."""
    args, _known = rerun_args(situation, ["--no-cache-dir"],
                              drop={"--cache-dir": 1, "--no-cache-dir": 0})
    return Fix(
        summary=summary,
        commands=shell_commands([python_of(situation), "-m", "pip", *args]),
        safety="safe",
    )


#: The name suggested for a new conda environment.
CONDA_ENV_NAME = "pip-env"


def conda_env(situation: Situation) -> Fix:
    """A conda environment of the account's own, with this Python's version, and
    the command re-run in it (``conda run``; ``conda activate`` for a shell).
    """
    version = situation.fact("interpreter", "version")
    python = "python"
    if isinstance(version, str) and version.count(".") >= 1:
        python = "python=" + ".".join(version.split(".")[:2])
    args, known = rerun_args(situation)
    return Fix(
        summary=_with_placeholder_note(
            f"Create a conda environment of your own ({CONDA_ENV_NAME}) and install "
            "into it (then `conda activate " + CONDA_ENV_NAME + "` to use it)",
            known,
        ),
        commands=shell_commands(
            ["conda", "create", "-y", "-n", CONDA_ENV_NAME, python],
            ["conda", "run", "-n", CONDA_ENV_NAME, "python", "-m", "pip", *args],
        ),
        safety="safe",
    )


def pip_install(situation: Situation, python: str, summary: str,
                options: Sequence[str] = (), safety: Safety = "safe") -> Fix:
    """Re-run the user's pip command with ``python``, its destination options
    replaced by ``options`` (see :func:`command_args`); without a known command
    line, ``install OPTIONS REQS`` (``uninstall`` when that failed).
    """
    args, known = rerun_args(situation, options)
    return Fix(
        summary=_with_placeholder_note(summary, known),
        commands=shell_commands([python, "-m", "pip", *args], shells=shells_for(situation)),
        safety=safety,
    )


def user_install(situation: Situation) -> Fix:
    """``python -m pip install --user``: into this account's own site-packages."""
    base = situation.fact("user_site", "base")
    where = f" ({base})" if isinstance(base, str) and base else ""
    scripts = situation.fact("user_site", "scripts_dir")
    if situation.fact("user_site", "scripts_on_path") is False and isinstance(scripts, str):
        where += f"; its commands go to {scripts}, which is not on your PATH"
    return pip_install(
        situation,
        python_of(situation),
        f"Install for your account only, into your user site-packages{where}",
        ["--user"],
    )


def user_install_allowed(situation: Situation) -> bool:
    """pip accepts ``--user`` here, Python sees the user site, and no PEP 668
    marker forbids it.
    """
    return (
        situation.context.command != "uninstall"
        and situation.fact("environment", "kind") != "conda"
        and situation.fact("user_site", "allowed") is True
        and situation.fact("user_site", "enabled") is True
        and not situation.fact("environment", "externally_managed")
    )


def with_conda_warning(situation: Situation, warnings: Iterable[str]) -> tuple[str, ...]:
    """``warnings``, and in a conda environment why pip's ``--user`` hint is wrong."""
    if situation.fact("environment", "kind") == "conda":
        return (*warnings, WARN_CONDA_USER)
    return tuple(warnings)


def chown(situation: Situation, path: str, *, sudo: bool) -> Optional[Fix]:
    """Give ``path`` (recursively) back to this account: only for what it should own.

    ``sudo`` when another account owns files there (only root can change
    that); such a fix is marked ``review``. None when the account's name is not
    known.
    """
    name = text_fact(situation, "account", "name")
    if name is None or is_windows(situation):  # owners on Windows are not chown's
        return None
    argv = ["chown", "-R", name, path]
    if sudo:
        argv = ["sudo", *argv]
    summary = (
        f"Give {path} back to your account ({name}); this needs root, read it first"
        if sudo
        else f"Give {path} back to your account ({name})"
    )
    return Fix(
        summary=summary,
        commands=shell_commands(argv, shells=POSIX_SHELLS),
        safety="review" if sudo else "safe",
    )


def reclaim(situation: Situation, path: str) -> Optional[Fix]:
    """``chown -R`` of ``path`` back to the account, through ``sudo`` unless it is root."""
    return chown(situation, path, sudo=situation.fact("account", "is_root") is not True)


def reclaim_or_new_venv(situation: Situation, root: str, *, take_back: bool) -> list[Fix]:
    """For an environment the account cannot write: give ``root`` back to it
    (when ``take_back``), else or also, a virtual environment of its own.
    """
    fixes: list[Fix] = []
    chown_fix = reclaim(situation, root) if take_back else None
    if chown_fix is not None:
        fixes.append(chown_fix)
    fixes.append(new_venv(situation, avoid=[root]))
    return fixes


__all__ = [
    "DIRECTORY_PLACEHOLDER",
    "PLACEHOLDER",
    "WARN_ALWAYS_ELEVATED",
    "WARN_BREAK_SYSTEM_PACKAGES",
    "WARN_CHMOD_777",
    "WARN_EVERYONE_FULL_CONTROL",
    "WARN_SUDO_PIP",
    "chown",
    "env_python",
    "is_within",
    "new_venv",
    "permission_warnings",
    "pip_install",
    "python_of",
    "reclaim",
    "reclaim_or_new_venv",
    "requirements",
    "shells_for",
    "text_fact",
    "user_install",
    "user_install_allowed",
    "venv_directory",
]
