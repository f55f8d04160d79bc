"""pip-doctor inside real pip: built wheel, fresh environments, a throwaway account.

Every scenario is built twice at the same path, once in an environment with
pip-doctor's wheel installed and once in an identical one without it, and the
same ``pip`` command runs as the unprivileged ``account`` in both. pip's
first line and exit status must match; the JSON report (``PIP_DOCTOR_REPORT``)
names the expected cause first; the first safe fix, run as that account,
makes the install succeed. ``PIP_DOCTOR_TEST_PIP`` picks the pip version
(tox runs this module once per supported pip).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Callable, Optional

import attrs
import pytest

import scenarios
from scenarios import Account

pytestmark = pytest.mark.e2e

FIRST_LINE = "ERROR: Could not install packages due to an OSError"
LOCAL_WHEELS = "/tmp/pd-e2e-wheels"


# ----------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def wheels() -> Iterator[Path]:
    """Tiny local wheels every account can read."""
    directory = scenarios.shared_dir("pd-wheels-")
    scenarios.make_wheel(directory, "tinypkg", "1.0")
    scenarios.make_wheel(directory, "rootpkg", "1.0")
    scenarios.make_wheel(directory, "rootpkg", "2.0")
    # acme-core puts a root-owned namespace directory acme/ where acme-extra must write
    scenarios.make_wheel(directory, "acme-core", "1.0", files={"acme/core/__init__.py": ""})
    scenarios.make_wheel(directory, "acme-extra", "1.0", files={"acme/extra/__init__.py": ""})
    scenarios.make_wheel(directory, "bigpkg", "1.0", payload_bytes=2 * 1024 * 1024)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@attrs.frozen
class Run:
    """One pip command, run as the account."""

    status: int
    stdout: str
    stderr: str
    report: Optional[dict[str, Any]]

    @property
    def first_error_line(self) -> str:
        return next((line for line in self.stderr.splitlines() if line.strip()), "")


@attrs.frozen
class Pair:
    """The same command without and with pip-doctor, and the fix's run (if asked)."""

    without: Run
    with_doctor: Run
    fixed: Optional[subprocess.CompletedProcess[str]] = None

    def __iter__(self) -> Iterator[Run]:
        return iter((self.without, self.with_doctor))


@attrs.frozen
class Situation:
    """A scenario built on disk: the command to run and its environment."""

    argv: tuple[str, ...]
    env: Mapping[str, str]
    venv: Path


Builder = Callable[[Path, Path, "Bench"], "contextlib.AbstractContextManager[Situation]"]


def clone(template: Path, path: Path, owner: Optional[Account]) -> Path:
    """A copy of a template environment at ``path`` owned by ``owner`` (None: root)."""
    shutil.copytree(template, path, symlinks=True)
    if owner is not None:
        scenarios.chown_tree(path, owner)
    return path


class Bench:
    """Runs a scenario with and without pip-doctor, at the same path, as ``account``."""

    def __init__(self, account: Account, shared: Path, templates: dict[str, Path],
                 wheels: Path) -> None:
        self.account = account
        self.shared = shared
        self.templates = templates
        self.wheels = wheels
        self.reports = shared / "reports"
        self.reports.mkdir()
        scenarios.chown_tree(self.reports, account)

    def pip_env(self, extra: Optional[Mapping[str, str]] = None) -> dict[str, str]:
        return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(self.wheels), **(extra or {})}

    def run(self, argv: Sequence[str], env: Mapping[str, str], name: str) -> Run:
        report = self.reports / f"{name}.json"
        with contextlib.suppress(FileNotFoundError):
            report.unlink()
        done = scenarios.run_as(
            self.account, argv, env={"PIP_DOCTOR_REPORT": str(report), **self.pip_env(env)}
        )
        data = json.loads(report.read_text(encoding="utf-8")) if report.exists() else None
        return Run(done.returncode, done.stdout, done.stderr, data)

    def both(self, builder: Builder, *, extra_env: Optional[Mapping[str, str]] = None,
             extra_args: Sequence[str] = (), fix: bool = False) -> Pair:
        """The same command in the same place, pip-doctor absent then present.

        With ``fix``, the best diagnosis' first safe fix then runs in the
        situation pip-doctor diagnosed.
        """
        runs = {}
        fixed = None
        for variant in ("without", "with"):
            base = self.shared / "scenario"
            base.mkdir()
            base.chmod(0o755)
            try:
                with builder(base, self.templates[variant], self) as situation:
                    runs[variant] = self.run(
                        [*situation.argv, *extra_args], {**situation.env, **(extra_env or {})},
                        variant,
                    )
                    report = runs[variant].report
                    if fix and variant == "with" and report and report["diagnoses"]:
                        fixed = self.run_fix(first_safe_fix(report))
            finally:
                shutil.rmtree(base, ignore_errors=True)
        return Pair(runs["without"], runs["with"], fixed)

    def run_scenario(self, builder: Builder, env: Mapping[str, str]) -> Run:
        """The scenario with pip-doctor only."""
        base = self.shared / "scenario"
        base.mkdir()
        base.chmod(0o755)
        try:
            with builder(base, self.templates["with"], self) as situation:
                return self.run(situation.argv, {**situation.env, **env}, "with")
        finally:
            shutil.rmtree(base, ignore_errors=True)

    def run_fix(self, fix: Mapping[str, Any]) -> subprocess.CompletedProcess[str]:
        """Run a fix's POSIX commands as the account, from a home without old venvs."""
        for old in Path(self.account.home).glob(".venv*"):
            shutil.rmtree(old)
        script = "\n".join(c["text"] for c in fix["commands"] if c["shell"] == "posix")
        assert script, fix
        return scenarios.run_as(self.account, ["sh", "-e", "-c", script],
                                env=self.pip_env())


@pytest.fixture
def bench(account: Account, shared: Path, templates: dict[str, Path], wheels: Path) -> Bench:
    return Bench(account, shared, templates, wheels)


def pip(venv: Path, *args: str) -> tuple[str, ...]:
    return (str(venv / "bin" / "python"), "-m", "pip", *args)


def first_safe_fix(report: Mapping[str, Any]) -> Mapping[str, Any]:
    best = report["diagnoses"][0]
    return next(fix for fix in best["fixes"] if fix["safety"] == "safe")


def check_diagnosed(without: Run, with_doctor: Run, cause: str) -> dict[str, Any]:
    """pip's first line and status unchanged; the cause first; the report is returned."""
    assert without.status != 0, without
    pip_first(without, with_doctor)
    # (under -v the first line may name pip's temporary directories)
    assert same_run(with_doctor.first_error_line) == same_run(without.first_error_line)
    assert without.report is None
    report = with_doctor.report
    assert report is not None, with_doctor.stderr
    assert report["diagnoses"], report
    assert report["diagnoses"][0]["id"] == cause, [d["id"] for d in report["diagnoses"]]
    assert "pip-doctor" in with_doctor.stderr
    assert f"pip-doctor explain {cause}" in with_doctor.stderr
    for text in (with_doctor.stdout, with_doctor.stderr):
        assert "BlockedImportError" not in text
        assert "Unexpected import" not in text
        assert "Unsafe import" not in text
    return report


def same_run(text: str) -> str:
    """``text`` without what differs between two runs of pip: its temporary
    directory names and object addresses.
    """
    text = re.sub(r"(pip-[a-z-]+-)[a-z0-9_]{8}\b", r"\1*", text)
    text = re.sub(r"/tmp/tmp[a-z0-9_]{8}\b", "/tmp/tmp*", text)  # a build's, before 22.1
    return re.sub(r"0x[0-9a-f]+", "0x*", text)


def pip_first(without: Run, with_doctor: Run) -> str:
    """pip's output whole and first, its status kept: what pip-doctor added after it."""
    assert with_doctor.status == without.status, (without, with_doctor)
    assert same_run(with_doctor.stdout) == same_run(without.stdout)
    mine, pips = same_run(with_doctor.stderr), same_run(without.stderr)
    assert mine.startswith(pips), (pips, mine)
    return mine[len(pips):]


# ----------------------------------------------------------------- scenarios


@contextlib.contextmanager
def root_owned_env(base: Path, template: Path, bench: Bench) -> Iterator[Situation]:
    venv = clone(template, base / "venv", None)
    yield Situation(pip(venv, "install", "tinypkg"), {}, venv)


def with_root_package(command: Sequence[str]) -> Builder:
    @contextlib.contextmanager
    def build(base: Path, template: Path, bench: Bench) -> Iterator[Situation]:
        venv = clone(template, base / "venv", bench.account)
        done = scenarios.run_as(None, pip(venv, "install", "-q", "rootpkg==1.0", "acme-core"),
                                env=bench.pip_env())
        assert done.returncode == 0, done.stderr
        yield Situation(pip(venv, *command), {}, venv)

    return build


@contextlib.contextmanager
def unwritable_target(base: Path, template: Path, bench: Bench) -> Iterator[Situation]:
    venv = clone(template, base / "venv", bench.account)
    target = base / "target"
    target.mkdir(mode=0o755)
    yield Situation(pip(venv, "install", "--target", str(target), "tinypkg"), {}, venv)


@contextlib.contextmanager
def wrong_environment(base: Path, template: Path, bench: Bench) -> Iterator[Situation]:
    shared_tools = clone(template, base / "tools", None)
    mine = clone(template, base / "mine", bench.account)
    env = {"VIRTUAL_ENV": str(mine), "PATH": f"{mine / 'bin'}:/usr/local/bin:/usr/bin:/bin"}
    yield Situation(pip(shared_tools, "install", "tinypkg"), env, shared_tools)


@contextlib.contextmanager
def read_only_mount(base: Path, template: Path, bench: Bench) -> Iterator[Situation]:
    venv = clone(template, base / "venv", bench.account)
    with scenarios.readonly_bind_mount(scenarios.site_packages(venv)):
        yield Situation(pip(venv, "install", "tinypkg"), {}, venv)


@contextlib.contextmanager
def full_disk(base: Path, template: Path, bench: Bench) -> Iterator[Situation]:
    mount = base / "disk"
    with scenarios.tiny_tmpfs(mount, size="64m", mode="0755"):
        venv = clone(template, mount / "venv", bench.account)
        scenarios.fill_filesystem(mount)
        yield Situation(pip(venv, "install", "bigpkg"), {}, venv)


# ----------------------------------------------------------------- tests


INSTALL_CASES = [
    pytest.param(root_owned_env, "env-owned-by-other-user", id="root-owned-env"),
    pytest.param(with_root_package(["install", "acme-extra"]), "foreign-owned-files",
                 id="root-owned-namespace-install"),
    pytest.param(unwritable_target, "install-target-not-writable", id="unwritable-target"),
    pytest.param(wrong_environment, "wrong-environment", id="wrong-environment"),
    pytest.param(read_only_mount, "read-only-filesystem", id="read-only-mount"),
    pytest.param(full_disk, "disk-full", id="full-disk"),
]


@pytest.mark.parametrize(("builder", "cause"), INSTALL_CASES)
def test_failing_install_is_diagnosed_and_safe_fix_works(bench: Bench, builder: Builder,
                                                         cause: str):
    pair = bench.both(builder, fix=True)
    check_diagnosed(pair.without, pair.with_doctor, cause)
    fixed = pair.fixed
    assert fixed is not None
    assert fixed.returncode == 0, fixed.stderr
    assert "Successfully installed" in fixed.stdout


@pytest.mark.parametrize(
    "command",
    [["install", "--force-reinstall", "rootpkg==1.0"], ["install", "-U", "rootpkg"],
     ["uninstall", "-y", "rootpkg"]],
    ids=["reinstall", "upgrade", "uninstall"],
)
def test_root_owned_package_follows_pip(bench: Bench, command: list[str]):
    """Older pips fail to move root-owned files away (install: status 1; uninstall:
    pip's crash, status 2); newer ones rename the directories and succeed with
    warnings. pip-doctor diagnoses the failures and changes nothing else.
    """
    pair = bench.both(with_root_package(command), fix=command[0] == "install")
    without, with_doctor = pair
    if without.status == 0:
        assert (with_doctor.status, with_doctor.stdout, with_doctor.stderr) == (
            without.status, without.stdout, without.stderr)
        assert with_doctor.report is None
        return
    report = check_diagnosed(without, with_doctor, "foreign-owned-files")
    assert report["pip"]["command"] == command[0]
    added = pip_first(without, with_doctor)
    assert added.startswith("pip-doctor")
    if command[0] == "uninstall":
        assert without.first_error_line == "ERROR: Exception:"
        assert "Traceback" in without.stderr  # pip's crash report, kept whole
        assert with_doctor.status == 2
    else:
        assert with_doctor.status == 1
        assert pair.fixed is not None
        assert pair.fixed.returncode == 0, pair.fixed.stderr
    stashes = report["environment"]["leftovers"]["details"]
    if stashes:  # pip moved the root-owned files aside (~ootpkg) and could not delete them
        leftover = next(d for d in report["diagnoses"] if d["id"] == "leftover-stash")
        shown = " ".join(leftover["evidence"])
        for item in stashes:
            assert item["name"].startswith("~ootpkg"), item
            assert f"`{item['path']}`" in shown
            # installed beside it (an install rolled back), or gone (an uninstall
            # moved it away): then it is not offered for removal
            assert item["real"] is None or item["real"].startswith("rootpkg"), item
            if item["real"] is None:
                assert f"`{item['path']}` (owner root (uid 0)): no installed package " \
                    "matches it" in shown


def test_escaping_oserror_keeps_pips_whole_traceback(bench: Bench):
    """``--target``'s final move fails outside pip's handler: pip's crash
    report and status 2 stay exactly pip's, pip-doctor adds after them.
    """
    without, with_doctor = bench.both(unwritable_target, extra_args=["-v"])
    assert without.status == 2
    added = pip_first(without, with_doctor)
    assert "Traceback (most recent call last):" in without.stderr
    assert "_handle_target_dir" in without.stderr
    assert "pip_doctor" not in with_doctor.stderr[: len(without.stderr)]
    assert "pip-doctor explain install-target-not-writable" in added


def test_handled_oserror_under_verbose_keeps_pips_whole_message(bench: Bench):
    without, with_doctor = bench.both(root_owned_env, extra_args=["-v"])
    assert without.status == 1
    added = pip_first(without, with_doctor)
    pips = [line for line in without.stderr.splitlines() if line.startswith("ERROR:")]
    assert pips[0] == f"{FIRST_LINE}."
    assert "pip-doctor explain env-owned-by-other-user" in added


def test_disabled_output_is_byte_identical(bench: Bench):
    without, with_doctor = bench.both(root_owned_env, extra_env={"PIP_DOCTOR_DISABLE": "1"})
    assert without.status == 1
    assert (with_doctor.status, with_doctor.stdout, with_doctor.stderr) == (
        without.status, without.stdout, without.stderr)
    assert with_doctor.report is None


@pytest.mark.parametrize("args", [["--version"], ["list"], ["install", "tinypkg"]],
                         ids=["version", "list", "successful-install"])
def test_other_commands_untouched(bench: Bench, args: list[str]):
    @contextlib.contextmanager
    def own_env(base: Path, template: Path, bench: Bench) -> Iterator[Situation]:
        venv = clone(template, base / "venv", bench.account)
        yield Situation(pip(venv, *args), {}, venv)

    without, with_doctor = bench.both(own_env)
    assert with_doctor.status == without.status == 0
    if args == ["list"]:  # the list names pip-doctor and its dependencies, nothing else differs
        extra = {"pip-doctor", "attrs", "pluggy", "packaging"}
        def names(out: str) -> set[str]:
            return {line.split()[0] for line in out.splitlines()[2:]}
        assert names(with_doctor.stdout) - names(without.stdout) <= extra
        assert with_doctor.stderr == without.stderr
    else:
        assert with_doctor.stdout == without.stdout
        assert with_doctor.stderr == without.stderr


# ----------------------------------------------------------------- installing pip-doctor


def test_start_up_prints_nothing_and_loads_nothing(templates: dict[str, Path], account: Account):
    python = str(templates["with"] / "bin" / "python")
    code = "import sys; print(sorted(m for m in sys.modules if 'doctor' in m or 'pip' in m))"
    done = scenarios.run_as(account, [python, "-c", code])
    assert done.returncode == 0
    assert done.stderr == ""
    assert done.stdout.strip() == "['_pip_doctor_boot']"


@pytest.mark.parametrize("removed", ["boot", "package"])
def test_half_removed_install_breaks_nothing(bench: Bench, removed: str):
    @contextlib.contextmanager
    def broken(base: Path, template: Path, bench: Bench) -> Iterator[Situation]:
        venv = clone(template, base / "venv", None)
        site = scenarios.site_packages(venv)
        if "pip_doctor.pth" in os.listdir(site):
            if removed == "boot":
                (site / "_pip_doctor_boot.py").unlink()
            else:
                shutil.rmtree(site / "pip_doctor")
        yield Situation(pip(venv, "install", "tinypkg"), {}, venv)

    without, with_doctor = bench.both(broken)
    assert (with_doctor.status, with_doctor.stdout, with_doctor.stderr) == (
        without.status, without.stdout, without.stderr)

    base = bench.shared / "plain"
    venv = clone(bench.templates["with"], base, None)
    (scenarios.site_packages(venv) / "_pip_doctor_boot.py").unlink()
    done = scenarios.run_as(bench.account, [str(venv / "bin" / "python"), "-c", "pass"])
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_uninstalling_pip_doctor_removes_the_hook(templates: dict[str, Path], shared: Path):
    venv = clone(templates["with"], shared / "venv", None)
    site = scenarios.site_packages(venv)
    names = ("pip_doctor.pth", "pip_doctor.start", "_pip_doctor_boot.py")
    assert all((site / name).exists() for name in names)
    assert (site / "pip_doctor.pth").read_text().count("\n") == 1
    assert (site / "pip_doctor.start").read_text() == "_pip_doctor_boot:install\n"
    done = scenarios.run_as(None, pip(venv, "uninstall", "-y", "pip-doctor"))
    assert done.returncode == 0, done.stderr
    assert [name for name in names if (site / name).exists()] == []
    assert not (site / "pip_doctor").exists()


def test_run_pip_install_diagnoses_even_when_the_hook_is_off(bench: Bench):
    """What ``pip-doctor install ARGS`` runs: pip's install, diagnosis forced on."""
    code = ("import sys; from pip_doctor._pip_hook import run_pip_install; "
            "sys.exit(run_pip_install(sys.argv[1:]))")
    without, _ = bench.both(root_owned_env)
    base = bench.shared / "scenario"
    base.mkdir()
    with root_owned_env(base, bench.templates["with"], bench) as situation:
        python = str(situation.venv / "bin" / "python")
        forced = bench.run([python, "-c", code, "tinypkg"], {"PIP_DOCTOR_DISABLE": "1"},
                           "forced")
    check_diagnosed(without, forced, "env-owned-by-other-user")


# ----------------------------------------------------------------- captured failures

SPY = """
import json, os
import pip_doctor

@pip_doctor.hookimpl
def pip_doctor_probes():
    def run(situation):
        context, error = situation.context, situation.error
        return {
            "failure": context.failure, "command": context.command,
            "argv": list(context.argv), "log": list(context.log),
            "reference": getattr(error, "reference", None), "type": error.type,
            "filename": error.filename,
            "download_dir": context.pip_options.get("download_dir"),
        }
    return [pip_doctor.Probe(id="spy/context", run=run, timeout=60)]
"""


def plugin_env(shared: Path, name: str, source: str) -> dict[str, str]:
    """The plugin module ``name`` in a directory every account can read, and
    the environment that loads it (in pip's child too).
    """
    directory = shared / name
    directory.mkdir()
    (directory / f"{name}.py").write_text(source)
    for path in (directory, directory / f"{name}.py"):
        path.chmod(0o755)
    return {"PYTHONPATH": str(directory), "PIP_DOCTOR_PLUGINS": name}


@pytest.fixture
def spy(shared: Path) -> dict[str, str]:
    """A plugin whose probe puts what the child received into the report."""
    return plugin_env(shared, "pd_spy", SPY)


def test_download_into_an_unwritable_directory_is_captured(bench: Bench, spy: dict[str, str]):
    """``pip download -d``: an OSError pip does not handle ("ERROR: Exception:")."""
    @contextlib.contextmanager
    def download(base: Path, template: Path, bench: Bench) -> Iterator[Situation]:
        venv = clone(template, base / "venv", bench.account)
        target = base / "root-owned" / "wheels"
        target.parent.mkdir(mode=0o755)
        yield Situation(pip(venv, "download", "-d", str(target), "tinypkg"), spy, venv)

    without, with_doctor = bench.both(download)
    assert without.status == 2
    assert "ERROR: Exception:" in without.stderr
    added = pip_first(without, with_doctor)
    assert added.startswith("pip-doctor")
    report = with_doctor.report
    assert report is not None, with_doctor.stderr
    seen = report["environment"]["spy/context"]
    assert (seen["failure"], seen["command"], seen["type"]) == (
        "unhandled", "download", "PermissionError")
    assert seen["download_dir"].endswith("/root-owned/wheels")
    assert seen["argv"][:2] == ["download", "-d"]
    assert report["pip"]["original_message"].startswith("Exception:\nTraceback")


def test_pep668_refusal_is_captured_after_pips_message(bench: Bench, spy: dict[str, str]):
    """Debian's python3 is externally managed: pip >= 23.0 refuses (a
    ``DiagnosticPipError``), the child receives it with its ``reference``.
    An older pip knows no PEP 668: it does not refuse, and pip-doctor invents
    no refusal. pip-doctor runs from a venv's site-packages put on the system
    Python's path.
    """
    site = scenarios.site_packages(bench.templates["with"])
    pip_version = subprocess.run(
        [scenarios.SYSTEM_PYTHON, "-c", "import pip; print(pip.__version__)"],
        env={"PYTHONPATH": str(site)}, capture_output=True, text=True, check=True,
    ).stdout.strip()
    before_pep668 = tuple(int(part) for part in pip_version.split(".")[:2]) < (23, 0)
    code = ("import sys\n"
            "if sys.argv[1] == 'hook':\n"
            "    import _pip_doctor_boot; _pip_doctor_boot.install()\n"
            "del sys.argv[1]\n"
            "from pip._internal.cli.main import main\n"
            "sys.exit(main())\n")
    env = {**spy, "PYTHONPATH": f"{spy['PYTHONPATH']}:{site}"}
    # pip before 23.0 knows no PEP 668 and would install: ask it for a
    # requirement no wheel provides, so that nothing is installed anywhere.
    wanted = "no-such-pkg" if before_pep668 else "tinypkg"
    runs = [
        bench.run([scenarios.SYSTEM_PYTHON, "-c", code, variant, "install", wanted],
                  {**env, **({"PIP_DOCTOR_DISABLE": "1"} if variant == "plain" else {})},
                  variant)
        for variant in ("plain", "hook")
    ]
    without, with_doctor = runs
    added = pip_first(without, with_doctor)
    assert without.status == 1
    if before_pep668:  # no refusal: pip looked for the requirement, and nothing is added
        assert "externally-managed-environment" not in without.stderr
        assert "No matching distribution found for no-such-pkg" in without.stderr
        assert "externally-managed" not in added
        if with_doctor.report is not None:
            seen = with_doctor.report["environment"]["spy/context"]
            assert seen["failure"] == "no-matching-distribution", seen
        return
    assert "externally-managed-environment" in without.stderr
    report = with_doctor.report
    assert report is not None, with_doctor.stderr
    seen = report["environment"]["spy/context"]
    assert (seen["failure"], seen["reference"], seen["type"]) == (
        "pip-error", "externally-managed-environment", "ExternallyManagedEnvironment")
    if not report["diagnoses"]:
        assert added == ""  # no rule for it: nothing is added to pip's message


# ----------------------------------------------------------------- faults inside pip

FAULTS = """
import os, signal, sys, time
import pip_doctor

@pip_doctor.hookimpl
def pip_doctor_probes():
    def sleeps(situation):
        time.sleep(30)  # far longer than its time limit
        return {}

    def prints(situation):
        print("NOISE from a probe")
        print("NOISE on stderr", file=sys.stderr)
        return {"printed": True}

    def lazy(situation):
        import wave  # a stdlib module pip's process never imported
        return {"module": wave.__name__}

    def blocks(situation):
        if os.environ.get("PD_BLOCK") == "stop":
            os.kill(os.getpid(), signal.SIGSTOP)  # the whole child stops, like a hung mount
        if os.environ.get("PD_BLOCK") == "sleep":
            time.sleep(10**6)
        return {}

    return [
        pip_doctor.Probe(id="faults/sleeps", run=sleeps, timeout=0.2),
        pip_doctor.Probe(id="faults/prints", run=prints),
        pip_doctor.Probe(id="faults/lazy", run=lazy),
        pip_doctor.Probe(id="faults/blocks", run=blocks, timeout=10**6),
    ]

@pip_doctor.hookimpl
def pip_doctor_rules():
    def raises(situation):
        raise RuntimeError("a rule that raises")
    return [pip_doctor.Rule(id="faults/raises", check=raises)]

@pip_doctor.hookimpl
def pip_doctor_report_paths(report):
    return [os.environ["PD_SYMLINK_REPORT"]] if "PD_SYMLINK_REPORT" in os.environ else []
"""


@pytest.fixture
def faults(shared: Path) -> dict[str, str]:
    """Plugins that sleep, print, raise, import lazily or block."""
    return plugin_env(shared, "pd_faults", FAULTS)


def test_misbehaving_plugins_and_report_paths_leave_pip_first(
    bench: Bench, faults: dict[str, str]
):
    """A plugin that sleeps, prints, raises and imports lazily; the report in
    a missing directory and, through the plugin, on another account's symlink.
    """
    sticky = bench.shared / "sticky"
    sticky.mkdir()
    sticky.chmod(0o1777)
    victim = Path(bench.account.home) / "victim"
    victim.write_text("precious")
    scenarios.chown_tree(victim, bench.account)
    trap = sticky / "report.json"
    trap.symlink_to(victim)  # root's symlink in a shared directory
    missing = bench.reports / "missing" / "dir" / "report.json"
    env = {**faults, "PD_SYMLINK_REPORT": str(trap)}

    pair = bench.both(root_owned_env, extra_env=env)
    added = pip_first(*pair)
    assert "NOISE" not in added
    assert "pip-doctor explain env-owned-by-other-user" in added
    report = pair.with_doctor.report
    assert report is not None
    assert report["environment"]["faults/lazy"] == {"module": "wave"}
    problems = " ".join(f"{p['source']}: {p['message']}" for p in report["problems"])
    assert "faults/sleeps" in problems
    assert "a rule that raises" in problems
    assert "belongs to another account" in problems
    assert victim.read_text() == "precious"

    # PIP_DOCTOR_REPORT in a directory that does not exist yet
    with_missing = bench.run_scenario(root_owned_env, {**faults, "PIP_DOCTOR_REPORT": str(missing)})
    pip_first(pair.without, with_missing)
    assert json.loads(missing.read_text())["diagnoses"][0]["id"] == "env-owned-by-other-user"


@pytest.mark.parametrize("block", ["sleep", "stop"])
def test_a_probe_that_blocks_forever_never_holds_pip(bench: Bench, faults: dict[str, str],
                                                     block: str):
    """``sleep``: the probe sleeps forever (the engine leaves it behind);
    ``stop``: it stops the whole diagnosis process, as a system call on a hung
    mount would hold it (pip kills it at the deadline). pip exits either way;
    under -v, one line says why there is no diagnosis.
    """
    env = {**faults, "PD_BLOCK": block, "PIP_DOCTOR_TIMEOUT": "2"}
    without, with_doctor = bench.both(root_owned_env, extra_env=env, extra_args=["-v"])
    added = pip_first(without, with_doctor)
    if block == "stop":
        assert added == (
            "pip-doctor: note: no diagnosis: it took longer than 2s "
            "(set PIP_DOCTOR_TIMEOUT to allow more)\n"
        )
        assert with_doctor.report is None


# ------------------------------------------------------------ pip's own errors


def pip_version_of(venv: Path) -> tuple[int, ...]:
    done = subprocess.run([str(venv / "bin" / "python"), "-c",
                           "import pip; print(pip.__version__)"],
                          capture_output=True, text=True, check=True)
    return tuple(int(part) for part in done.stdout.strip().split(".")[:2])


def test_unreadable_requirements_file(bench: Bench) -> None:
    """`pip install -r FILE` where FILE is root's, mode 600: pip's
    "Could not open requirements file: [Errno 13]" (exit 1), then why, and
    a copy of the file (made as root, as the fix says) installs.
    """
    @contextlib.contextmanager
    def private_file(base: Path, template: Path, bench: Bench) -> Iterator[Situation]:
        venv = clone(template, base / "venv", bench.account)
        requirements = base / "requirements.txt"
        requirements.write_text("tinypkg\n")
        requirements.chmod(0o600)
        with contextlib.suppress(FileNotFoundError):
            (Path(bench.account.home) / "requirements.txt").unlink()
        yield Situation(pip(venv, "install", "--no-deps", "-r", str(requirements)), {}, venv)

    pair = bench.both(private_file)
    report = check_diagnosed(pair.without, pair.with_doctor, "requirements-file-unreadable")
    assert pair.without.status == 1
    assert "Could not open requirements file: [Errno 13] Permission denied" in (
        pair.without.stderr)
    diagnosis = report["diagnoses"][0]
    assert [d["id"] for d in report["diagnoses"]] == ["requirements-file-unreadable"]
    assert report["error"]["family"] == "permission"
    evidence = "\n".join(diagnosis["evidence"])
    assert "belongs to root (uid 0), mode -rw-------; you may not read it" in evidence
    commands = [c["text"] for f in diagnosis["fixes"] for c in f["commands"]
                if c["shell"] == "posix"]
    copy = f"{bench.account.home}/requirements.txt"
    assert commands[0] == f"sudo cp {bench.shared}/scenario/requirements.txt {copy}"
    assert commands[1] == f"sudo chown {bench.account.name} {copy}"
    assert commands[2].endswith(f"-m pip install --no-deps -r {copy}")
    assert not [c for c in commands if "sudo" in c and " pip " in c]
    # the fix, as written: root's two commands (this test runs as root), then the account's
    base = bench.shared / "scenario"
    base.mkdir()
    try:
        with private_file(base, bench.templates["with"], bench):
            for line in commands[:2]:  # as root already: without the sudo
                assert line.startswith("sudo ")
                subprocess.run(line.split()[1:], check=True)
            done = scenarios.run_as(bench.account, ["sh", "-c", commands[2]],
                                    env=bench.pip_env())
    finally:
        shutil.rmtree(base, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            Path(copy).unlink()
    assert done.returncode == 0, done.stderr
    assert "Successfully installed tinypkg" in done.stdout


SETUPTOOLS = "setuptools==80.9.0"


@pytest.fixture
def setuptools_wheel(bench: Bench) -> Path:
    """A setuptools wheel among the scenario's wheels (build isolation installs it)."""
    wheel = scenarios.ensure_wheel(scenarios.wheelhouse(), SETUPTOOLS,
                                   scenarios.wheel_pattern(SETUPTOOLS))
    target = bench.wheels / wheel.name
    if not target.exists():
        shutil.copy(wheel, target)
        target.chmod(0o644)
    return target


def root_owned_project(editable: bool, verbose: bool = False) -> Builder:
    """A setuptools project that root owns (a checkout made with sudo), built
    by the account: setuptools cannot create `src/rootproj.egg-info` in it.
    """
    @contextlib.contextmanager
    def build(base: Path, template: Path, bench: Bench) -> Iterator[Situation]:
        venv = clone(template, base / "venv", bench.account)
        project = base / "rootproj"
        (project / "src" / "rootproj").mkdir(parents=True)
        (project / "src" / "rootproj" / "__init__.py").write_text("")
        (project / "setup.py").write_text("from setuptools import setup\nsetup()\n")
        (project / "pyproject.toml").write_text(
            '[build-system]\nrequires = ["setuptools"]\n'
            'build-backend = "setuptools.build_meta"\n\n'
            '[project]\nname = "rootproj"\nversion = "1.0"\n')
        subprocess.run(["chmod", "-R", "a+rX,go-w", str(project)], check=True)
        shutil.rmtree(Path(bench.account.home) / "rootproj", ignore_errors=True)
        args = ["-e", str(project)] if editable else [str(project)]
        yield Situation(pip(venv, "install", *(["-v"] if verbose else []), *args), {}, venv)

    return build


@pytest.mark.parametrize(("editable", "verbose"), [(True, False), (False, False), (True, True)],
                         ids=["editable", "wheel", "editable-verbose"])
def test_build_into_a_root_owned_project(bench: Bench, setuptools_wheel: Path,
                                         editable: bool, verbose: bool) -> None:
    """setuptools cannot write its egg-info into root's checkout. pip's
    output differs by version (the build's output in "Complete output" before
    22.1, in a box after; 26.x ends with "Failed to build"; with -v pip
    streams it as the build runs); pip before 21.3 builds a local project in
    a temporary copy, so only `-e` fails there.
    """
    pair = bench.both(root_owned_project(editable, verbose), fix=True)
    version = pip_version_of(bench.templates["without"])
    if not editable and version < (21, 3):
        assert pair.without.status == pair.with_doctor.status == 0
        assert "Successfully installed rootproj-1.0" in pair.with_doctor.stdout
        assert "pip-doctor" not in pair.with_doctor.stderr  # (the wheel's hash differs)
        return
    report = check_diagnosed(pair.without, pair.with_doctor, "source-tree-not-writable")
    assert "could not create 'src/rootproj.egg-info': Permission denied" in pair.without.stderr
    diagnosis = report["diagnoses"][0]
    project = f"{bench.shared}/scenario/rootproj"
    evidence = "\n".join(diagnosis["evidence"])
    assert f"it tried to create `{project}/src/rootproj.egg-info`" in evidence
    assert f"`{project}/src` belongs to root (uid 0)" in evidence
    assert f"you are {bench.account.name}" in evidence
    facts = report["environment"]["source_tree"]
    assert facts["project"] == project
    commands = [c["text"] for f in diagnosis["fixes"] for c in f["commands"]
                if c["shell"] == "posix"]
    copy = f"{bench.account.home}/rootproj"
    assert commands[0] == f"cp -R {project} {copy}"
    assert commands[1].endswith(
        f"-m pip install {'-v ' if verbose else ''}{'-e ' if editable else ''}{copy}")
    assert not [c for c in commands if "--user" in c or "sudo" in c]
    if editable and version < (21, 3):
        # pip before 21.3 installs `-e` with `setup.py develop`, which the
        # setuptools of today refuses from a build environment without pip
        # (with or without pip-doctor): the fix's run is checked from 21.3 on
        return
    assert pair.fixed is not None
    assert pair.fixed.returncode == 0, pair.fixed.stderr
    assert "Successfully installed rootproj" in pair.fixed.stdout


_TOOL_BACKEND = '''
"""A backend that runs a program of its build requirement (as builds run
cmake or ninja installed from PyPI into pip's build environment)."""
import base64, hashlib, os, subprocess, zipfile


def get_requires_for_build_wheel(config_settings=None):
    subprocess.run(["pdtool"], check=True)
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    subprocess.run(["pdtool"], check=True)
    info = "toolproj-1.0.dist-info"
    files = {
        "toolproj/__init__.py": b"",
        f"{info}/METADATA": b"Metadata-Version: 2.1\\nName: toolproj\\nVersion: 1.0\\n",
        f"{info}/WHEEL": b"Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\n"
                         b"Tag: py3-none-any\\n",
    }
    name = "toolproj-1.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as archive:
        lines = []
        for path, data in files.items():
            archive.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            lines.append(f"{path},sha256={digest.decode()},{len(data)}")
        archive.writestr(f"{info}/RECORD", "\\n".join([*lines, f"{info}/RECORD,,"]) + "\\n")
    return name
'''


def test_noexec_tmpdir_fails_a_build_that_runs_a_program(bench: Bench) -> None:
    """TMPDIR on a real noexec tmpfs. pip itself works there (it only reads and
    writes files in TMPDIR), but a build requirement's program, installed in
    pip's build environment in TMPDIR, cannot be run: the build fails with
    "PermissionError: [Errno 13] Permission denied: 'pdtool'" in the output
    pip shows. The fix (TMPDIR in the account's home) builds and installs.
    """
    scenarios.make_wheel(bench.wheels, "pdtool", "1.0", files={
        "pdtool/__init__.py": "def main():\n    print('pdtool ran')\n",
        "pdtool-1.0.dist-info/entry_points.txt": "[console_scripts]\npdtool = pdtool:main\n",
    })
    shutil.rmtree(Path(bench.account.home) / "tmp", ignore_errors=True)

    @contextlib.contextmanager
    def noexec_tmpdir(base: Path, template: Path, bench: Bench) -> Iterator[Situation]:
        venv = clone(template, base / "venv", bench.account)
        project = base / "toolproj"
        project.mkdir()
        (project / "pyproject.toml").write_text(
            '[build-system]\nrequires = ["pdtool"]\nbuild-backend = "backend"\n'
            'backend-path = ["."]\n')
        (project / "backend.py").write_text(_TOOL_BACKEND)
        scenarios.chown_tree(project, bench.account)
        with scenarios.tiny_tmpfs(base / "tmp", size="64m", options="noexec") as tmp:
            yield Situation(pip(venv, "install", str(project)), {"TMPDIR": str(tmp)}, venv)

    pair = bench.both(noexec_tmpdir, fix=True)
    report = check_diagnosed(pair.without, pair.with_doctor, "temp-dir-unusable")
    assert "Permission denied: 'pdtool'" in pair.without.stderr
    diagnosis = report["diagnoses"][0]
    assert "noexec" in diagnosis["title"]
    evidence = "\n".join(diagnosis["evidence"])
    assert "the build could not run a program" in evidence
    assert "mounted noexec" in evidence
    assert report["environment"]["temp"]["noexec"] is True
    assert "source-tree-not-writable" not in [d["id"] for d in report["diagnoses"]]
    commands = [c["text"] for f in diagnosis["fixes"] for c in f["commands"]
                if c["shell"] == "posix"]
    assert commands[0] == f"mkdir -p {bench.account.home}/tmp"
    assert commands[1].startswith(f"env TMPDIR={bench.account.home}/tmp ")
    assert pair.fixed is not None
    assert pair.fixed.returncode == 0, pair.fixed.stderr
    assert "Successfully installed toolproj-1.0" in pair.fixed.stdout
