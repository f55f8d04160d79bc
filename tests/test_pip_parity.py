"""Parity guard: pip's own output is unchanged by pip-doctor, across a table of real pip commands.

pip's own functional test suite cannot run here: its tests and their data
ship only in pip's source repository, not in the source distributions on PyPI
or in Debian. This module is the closest substitute that can: a table of
real pip commands, modelled on what pip's functional tests cover (install,
upgrade, reinstall, ``--user``, ``--target``, ``--prefix``, ``-r``/``-c``,
resolver failures, a broken wheel, uninstall, list, freeze, show, check,
inspect, download, wheel, cache, config, debug, PEP 668, a permission error,
errors of pip's command line), run with the pip under test
(``PIP_DOCTOR_TEST_PIP``) as the unprivileged test account.

Each command runs in the same place (same paths, same account, same
environment variables) as

- ``active``: pip-doctor installed and on;
- ``disabled``: pip-doctor installed, ``PIP_DOCTOR_DISABLE=1``;
- ``bare`` (full table only): an identical environment without pip-doctor.

Asserted: the exit status is the same; stdout is the same byte for byte;
stderr is the same byte for byte when pip succeeds, and when pip fails,
pip's own stderr is a byte-identical prefix of the active run's (pip-doctor
only adds after it); ``bare`` and ``disabled`` are identical. Each case also
checks that pip printed what the case is about, so a case cannot quietly
test something else. A command that changes the environment gets a fresh
copy of its starting environment for every run.

Which commands run (CI time): the full table on the oldest pip of the
matrix, on Debian's 23.0.1 and on the newest; the core subset on the other
pips. ``PIP_DOCTOR_PARITY=full`` or ``core`` chooses. (``tests``, whose pip
is Debian's 23.0.1 too, leaves this module to ``e2e-pip2301``.)

Every run's wall time is recorded; with ``PIP_DOCTOR_PARITY_TIMES=FILE`` they
are appended to FILE (JSON lines), which ``benchmarks/bench_parity.py``
sums up. No test asserts a time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Optional

import attrs
import pytest

import scenarios
from scenarios import SYSTEM_PYTHON, TEST_PIP, Account
from test_e2e_pip import pip, same_run, wheels  # noqa: F401  (a fixture)

pytestmark = pytest.mark.e2e

#: The pips that get the full table: the oldest of the matrix, Debian's (the
#: pip of the ``tests`` environment and of /usr/bin/python3), the newest.
FULL_TABLE_PIPS = ("21.2.4", "23.0.1", "26.3")
#: Options of every command that looks for distributions: the local wheels only.
FIND = ("--no-index", "--find-links", "{wheels}")
#: Commands that change the environment or the place: a fresh copy for each run.
CHANGING = ("install", "uninstall", "download", "wheel")


def bundled_pip_version() -> str:
    """The pip Debian's ``python3 -m venv`` puts into a venv."""
    found = sorted(Path("/usr/share/python-wheels").glob("pip-*.whl"))
    return found[-1].name.split("-")[1] if found else ""


PIP_VERSION = TEST_PIP or bundled_pip_version()


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")[:2] if part.isdigit())


@attrs.frozen
class Case:
    """One pip command of the table.

    ``start`` is where it runs: ``plain`` (a fresh venv), ``populated``
    (tinypkg 1.0 and rootpkg 1.0 installed), ``system-site`` (a venv that
    sees the system's and the user's site-packages), ``root-owned`` (a venv
    whose files and directories are root's, as after ``sudo python3 -m
    venv``), ``root-cache`` (a plain venv; pip's cache directory is root's, as
    after ``sudo pip`` without ``-H``), ``debian`` (Debian's /usr/bin/python3,
    externally managed; pip-doctor in the user's site-packages). ``shows`` is
    a text pip prints in this case on every pip of the matrix.
    """

    id: str
    args: tuple[str, ...]
    shows: str
    fails: bool = False
    start: str = "plain"
    core: bool = False
    #: compare with an environment without pip-doctor (False where the output
    #: lists the installed distributions, pip-doctor's among them)
    bare: bool = True
    #: pip-doctor adds a diagnosis after pip's message (asserted)
    diagnosed: bool = False
    #: pip succeeds after a warning that pip-doctor explains in a note after
    #: pip's lines: stderr is compared as for a failure
    noted: bool = False
    since: tuple[int, ...] = ()

    @property
    def changes(self) -> bool:
        return self.args[0] in CHANGING


TABLE = [
    Case("install", ("install", *FIND, "tinypkg"), "Successfully installed tinypkg-1.0",
         core=True),
    Case("install-already-installed", ("install", *FIND, "tinypkg"),
         "Requirement already satisfied: tinypkg", start="populated", core=True),
    Case("upgrade", ("install", "--upgrade", *FIND, "rootpkg"),
         "Successfully installed rootpkg-2.0", start="populated"),
    Case("force-reinstall", ("install", "--force-reinstall", *FIND, "rootpkg==1.0"),
         "Successfully installed rootpkg-1.0", start="populated"),
    Case("user-refused-in-venv", ("install", "--user", *FIND, "tinypkg"),
         "User site-packages are not visible in this virtualenv", fails=True),
    Case("user", ("install", "--user", *FIND, "tinypkg"), "Successfully installed tinypkg-1.0",
         start="system-site"),
    Case("target", ("install", "--target", "{place}/target", *FIND, "tinypkg"),
         "Successfully installed tinypkg-1.0"),
    Case("prefix", ("install", "--prefix", "{place}/prefix", *FIND, "tinypkg"),
         "Successfully installed tinypkg-1.0"),
    Case("requirements-and-constraints",
         ("install", *FIND, "-r", "{wheels}/requirements.txt", "-c", "{wheels}/constraints.txt"),
         "Successfully installed rootpkg-1.0 tinypkg-1.0"),
    Case("missing-dependency", ("install", *FIND, "needy"),
         "No matching distribution found for nothere", fails=True, core=True),
    Case("conflict-resolution-impossible", ("install", *FIND, "picky", "rootpkg==1.0"),
         "ResolutionImpossible", fails=True, core=True),
    Case("no-matching-distribution", ("install", *FIND, "no-such-pkg"),
         "No matching distribution found for no-such-pkg", fails=True, core=True),
    Case("broken-wheel", ("install", "--no-index", "{wheels}/broken-1.0-py3-none-any.whl"),
         "broken-1.0-py3-none-any.whl", fails=True),
    Case("cache-not-writable", ("install", *FIND, "tinypkg"),
         "is not owned or is not writable by the current user", start="root-cache", noted=True),
    Case("permission-denied", ("install", *FIND, "tinypkg"), "[Errno 13] Permission denied",
         fails=True, start="root-owned", core=True, diagnosed=True),
    Case("externally-managed", ("install", *FIND, "tinypkg"), "externally-managed-environment",
         fails=True, start="debian"),
    Case("uninstall", ("uninstall", "-y", "tinypkg"), "Successfully uninstalled tinypkg-1.0",
         start="populated", core=True),
    Case("uninstall-not-installed", ("uninstall", "-y", "no-such-pkg"),
         "Skipping no-such-pkg as it is not installed"),
    Case("list", ("list",), "tinypkg", start="populated", core=True, bare=False),
    Case("list-json", ("list", "--format=json"), '"name": "tinypkg"', start="populated",
         bare=False),
    Case("freeze", ("freeze",), "tinypkg==1.0", start="populated", bare=False),
    Case("show", ("show", "tinypkg"), "Name: tinypkg", start="populated"),
    Case("show-not-installed", ("show", "no-such-pkg"), "Package(s) not found: no-such-pkg",
         fails=True),
    Case("check", ("check",), "No broken requirements found.", start="populated"),
    Case("inspect", ("inspect",), '"name": "tinypkg"', start="populated", bare=False,
         since=(22, 2)),
    Case("download", ("download", *FIND, "-d", "{place}/out", "tinypkg"), "Saved"),
    Case("wheel", ("wheel", *FIND, "-w", "{place}/out", "tinypkg"), "Saved"),
    Case("cache-dir", ("cache", "dir"), "{place}/cache"),
    Case("cache-list", ("cache", "list"), "cached."),  # "Nothing cached." before pip 22
    Case("config-list", ("config", "list"), "disable-pip-version-check"),
    Case("debug", ("debug",), "pip version:"),
    Case("version", ("--version",), f"pip {PIP_VERSION} from", core=True),
    Case("help", ("--help",), "Usage:"),
    Case("unknown-command", ("frobnicate",), 'unknown command "frobnicate"', fails=True,
         core=True),
    Case("bad-option", ("install", "--no-such-option", "tinypkg"),
         "no such option: --no-such-option", fails=True, core=True),
]


def tier() -> str:
    chosen = os.environ.get("PIP_DOCTOR_PARITY", "")
    if chosen in ("full", "core"):
        return chosen
    return "full" if TEST_PIP in FULL_TABLE_PIPS else "core"


def selected(table: Sequence[Case]) -> list[Case]:
    """The cases for the pip under test. ``debian`` runs Debian's own pip,
    whatever the pip under test: only where that is the same pip.
    """
    full = tier() == "full"
    version = version_tuple(PIP_VERSION)
    return [case for case in table
            if (full or case.core) and (not case.since or version >= case.since)
            and (case.start != "debian" or bundled_pip_version() == PIP_VERSION)]


# ----------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def table_wheels(wheels: Path) -> Path:  # noqa: F811  (test_e2e_pip's fixture)
    """The tiny wheels of the end-to-end tests, and what the table adds: two
    with dependencies, a broken one, a requirements and a constraints file.
    """
    scenarios.make_wheel(wheels, "needy", "1.0", requires=["nothere"])
    scenarios.make_wheel(wheels, "picky", "1.0", requires=["rootpkg>=2"])
    (wheels / "broken-1.0-py3-none-any.whl").write_bytes(b"not a zip archive\n")
    (wheels / "requirements.txt").write_text("rootpkg\ntinypkg\n")
    (wheels / "constraints.txt").write_text("rootpkg==1.0\n")
    for path in wheels.iterdir():
        path.chmod(0o644)
    return wheels


def link_copy(source: Path, destination: Path) -> None:
    """A copy of a directory tree whose files are hard links to ``source``'s.

    Cheap (a venv in a tenth of a second); owners and modes are kept. Safe
    for pip: it writes new files and renames or removes old ones, never
    rewrites a file in place, so the source is never changed through a link
    (a ``pyvenv.cfg`` edited here is replaced, not rewritten).
    """
    scenarios.run_checked(["cp", "-al", str(source), str(destination)])


@pytest.fixture(scope="module")
def starts(templates: dict[str, Path], account: Account,
           table_wheels: Path) -> Iterator[dict[str, Path]]:
    """The environments the cases start from, with (``with``) and without
    (``without``) pip-doctor: ``plain-with``, ``populated-without``, ...

    Linked copies of the templates whose directories are the account's (pip
    creates, renames and removes files; it needs to write the directories
    only); the files stay root's, readable by all, except those the account
    installs (tinypkg and rootpkg in ``populated``).
    """
    base = scenarios.shared_dir("pd-parity-starts-")
    try:
        made: dict[str, Path] = {}
        for variant in ("with", "without"):
            plain = made[f"plain-{variant}"] = base / f"plain-{variant}"
            link_copy(templates[variant], plain)
            chown_directories(plain, f"{account.uid}:{account.gid}")
            populated = made[f"populated-{variant}"] = base / f"populated-{variant}"
            link_copy(plain, populated)
            done = scenarios.run_as(account, pip(
                populated, "install", "-q", "--no-index", "--find-links",
                str(table_wheels), "tinypkg", "rootpkg==1.0"))
            assert done.returncode == 0, done.stderr
        yield made
    finally:
        shutil.rmtree(base, ignore_errors=True)


def chown_directories(tree: Path, owner: str) -> None:
    """Give ``tree``'s directories to ``owner`` (``uid:gid``); its files are
    links shared with other trees, and are left alone.
    """
    scenarios.run_checked(["find", str(tree), "-type", "d", "-exec", "chown", owner, "{}", "+"])


@attrs.frozen
class Outcome:
    """One run of pip (its output as bytes, as written) and its wall time."""

    done: subprocess.CompletedProcess[bytes]
    seconds: float

    def normalised(self) -> tuple[int, str, str]:
        return self.done.returncode, normalise(self.done.stdout), normalise(self.done.stderr)


#: ``pip config list`` prints every ``PIP_*`` variable as configuration: the
#: disabled run's own switch is a line no other run can print. It is removed
#: from that run's output, and nothing else is.
SWITCH_LINE = ":env:.doctor-disable='1'\n"


def normalise(output: bytes) -> str:
    """``output`` with only what differs from run to run of the same pip
    replaced: pip's random temporary directory names (``pip-unpack-1a2b3c4d``)
    and object addresses (``same_run``). Decoded losslessly (surrogateescape),
    so everything else is compared byte for byte.
    """
    return same_run(output.decode("utf-8", "surrogateescape"))


class Place:
    """Where a case runs: ``{place}/env`` (the environment), ``home``,
    ``cache``; the same paths for every run of the case.
    """

    def __init__(self, root: Path, case: Case, account: Account, starts: dict[str, Path],
                 wheel_dir: Path, wheelhouse: Path) -> None:
        self.root = root
        self.case = case
        self.account = account
        self.starts = starts
        self.wheels = wheel_dir
        self.wheelhouse = wheelhouse
        self.built: Optional[str] = None

    def build(self, variant: str) -> None:
        """A fresh place for ``variant`` (``with`` or ``without`` pip-doctor)."""
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(mode=0o755)
        home = self.root / "home"
        home.mkdir()
        scenarios.chown_tree(self.root, self.account)
        if self.case.start == "root-cache":
            (self.root / "cache").mkdir(mode=0o755)  # made by root: root's
        start = self.case.start
        if start == "debian":
            if variant == "with":  # pip-doctor in the account's own site-packages
                self.install_into_user_site()
        else:
            kind = "populated" if start == "populated" else "plain"
            env = self.root / "env"
            link_copy(self.starts[f"{kind}-{variant}"], env)
            if start == "root-owned":
                chown_directories(env, "0:0")
            if start == "system-site":
                config = env / "pyvenv.cfg"
                text = config.read_text().replace("include-system-site-packages = false",
                                                  "include-system-site-packages = true")
                config.unlink()  # a hard link: replace it, do not write through it
                config.write_text(text)
        self.built = variant

    def install_into_user_site(self) -> None:
        done = scenarios.run_as(self.account, [
            SYSTEM_PYTHON, "-m", "pip", "install", "-q", "--user", "--break-system-packages",
            "--no-index", "--find-links", str(self.wheelhouse), "pip-doctor",
        ], env=self.env("disabled"))
        assert done.returncode == 0, done.stderr

    def env(self, run: str) -> dict[str, str]:
        env = {"HOME": str(self.root / "home"), "PIP_CACHE_DIR": str(self.root / "cache")}
        if run == "disabled":
            env["PIP_DOCTOR_DISABLE"] = "1"
        return env

    def fill(self, text: str) -> str:
        return text.replace("{place}", str(self.root)).replace("{wheels}", str(self.wheels))

    def argv(self) -> list[str]:
        python = (SYSTEM_PYTHON if self.case.start == "debian"
                  else str(self.root / "env" / "bin" / "python"))
        return [python, "-m", "pip", *(self.fill(arg) for arg in self.case.args)]

    def run(self, run: str) -> Outcome:
        """One run: ``active``, ``disabled`` or ``bare``."""
        variant = "without" if run == "bare" else "with"
        if self.case.changes or self.built != variant:
            self.build(variant)
        started = time.perf_counter()
        done = subprocess.run(
            self.argv(), **scenarios.as_account(self.account, self.env(run), str(self.root)),
            capture_output=True, timeout=300, check=False,
        )
        return Outcome(done, time.perf_counter() - started)


# ----------------------------------------------------------------- timings


@pytest.fixture(scope="module")
def timings() -> Iterator[list[dict[str, object]]]:
    """Each run's wall time; appended to ``PIP_DOCTOR_PARITY_TIMES`` at the end."""
    records: list[dict[str, object]] = []
    yield records
    path = os.environ.get("PIP_DOCTOR_PARITY_TIMES")
    if path and records:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write("".join(json.dumps(record) + "\n" for record in records))


# ----------------------------------------------------------------- the test


CASES = selected(TABLE)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_pip_output_is_unchanged(case: Case, account: Account, starts: dict[str, Path],
                                 table_wheels: Path, wheelhouse: Path, shared: Path,
                                 timings: list[dict[str, object]]):
    place = Place(shared / "place", case, account, starts, table_wheels, wheelhouse)
    # Alternate which run goes first, so that neither always meets cold caches.
    order = ["active", "disabled"] if CASES.index(case) % 2 == 0 else ["disabled", "active"]
    if case.bare and tier() == "full":
        order.append("bare")
    runs = {run: place.run(run) for run in order}

    active = runs["active"].normalised()
    status, stdout, stderr = runs["disabled"].normalised()
    stdout = stdout.replace(SWITCH_LINE, "")
    disabled = status, stdout, stderr
    # the case is what it says: pip succeeded or failed, and printed its text
    assert (status != 0) == case.fails, (status, stdout, stderr)
    assert place.fill(case.shows) in stdout + stderr, (stdout, stderr)
    # pip's status and stdout unchanged
    assert active[0] == status, (active, disabled)
    assert active[1] == stdout
    # pip's stderr unchanged; on failure (or a warning it explains)
    # pip-doctor only adds after it
    if status == 0 and not case.noted:
        assert active[2] == stderr
    else:
        assert active[2].startswith(stderr), (stderr, active[2])
    added = active[2][len(stderr):]
    if case.diagnosed:
        assert added.startswith("pip-doctor"), added
    if case.noted:
        assert added.startswith("pip-doctor note:"), added
    for run, outcome in runs.items():
        timings.append({"pip": PIP_VERSION, "case": case.id, "run": run,
                        "status": outcome.done.returncode, "seconds": round(outcome.seconds, 4),
                        **({"added_chars": len(added)} if run == "active" else {})})
    # pip-doctor installed but off is no pip-doctor at all
    if "bare" in runs:
        assert runs["bare"].normalised() == disabled
