"""What pip's process captures, through the hook, for every kind of failure.

Real pip (this environment's) runs in a fresh interpreter with the start-up
hook installed, once without and once with it. A spy plugin's probe writes
what the child received (``failure``, the error's ``reference``, pip's log
lines and options) to a file. pip's own output must come first and whole,
its exit status unchanged; without a rule that matches, nothing is added.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Optional

import attrs
import pytest

import scenarios
from test_e2e_pip import same_run

SPY = '''
import json, os
import pip_doctor

@pip_doctor.hookimpl
def pip_doctor_probes():
    def run(situation):
        context, error = situation.context, situation.error
        seen = {
            "failure": context.failure, "command": context.command,
            "argv": list(context.argv), "log": list(context.log),
            "pip_options": dict(context.pip_options), "verbose": context.verbose,
            "original_message": context.original_message,
            "type": error.type, "reference": getattr(error, "reference", None),
            "filename": error.filename,
        }
        with open(os.environ["PD_SPY_FILE"], "w") as stream:
            json.dump(seen, stream)
        return {}
    return [pip_doctor.Probe(id="spy/context", run=run, timeout=60)]

@pip_doctor.hookimpl
def pip_doctor_rules():
    def check(situation):
        if os.environ.get("PD_SPY_DIAGNOSE") != "1":
            return None
        return pip_doctor.Diagnosis(
            id="spy/seen", title=f"the spy saw {situation.context.failure}",
            confidence="high", evidence=["captured by the hook"],
        )
    return [pip_doctor.Rule(id="spy/seen", check=check)]
'''

RUN_PIP = """
import sys
if sys.argv[1] == "hook":  # the start-up hook, as the .pth line runs it
    import _pip_doctor_boot
    _pip_doctor_boot.install()
    del _pip_doctor_boot  # --debug shows this frame's locals: the same in both runs
del sys.argv[1]
from pip._internal.cli.main import main
sys.exit(main())
"""


@attrs.frozen
class Done:
    status: int
    stdout: str
    stderr: str
    seen: Optional[dict[str, Any]]


@attrs.frozen
class Pip:
    """Runs this environment's pip with and without the hook."""

    home: Path
    wheels: Path

    def run(self, args: Sequence[str], *, hook: bool, env: Mapping[str, str] = ()) -> Done:
        spy_file = self.home / "seen.json"
        spy_file.unlink(missing_ok=True)
        shutil.rmtree(self.home / "out", ignore_errors=True)  # what a download left
        full_env = {
            key: value for key, value in os.environ.items()
            if not key.startswith(("PIP_", "PD_"))
        }
        full_env.update({
            "PYTHONPATH": os.pathsep.join([str(self.home), str(scenarios.SRC)]),
            "PIP_DOCTOR_PLUGINS": "pd_spy",
            "PIP_DOCTOR_TIMEOUT": "60",
            "PD_SPY_FILE": str(spy_file),
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(self.wheels),
            "PIP_CACHE_DIR": str(self.home / "cache"),
            "NO_COLOR": "1",  # a FORCE_COLOR in the caller's environment changes nothing
            **dict(env),
        })
        if not hook:  # this environment may have pip-doctor installed: switch it off
            full_env["PIP_DOCTOR_DISABLE"] = "1"
        done = subprocess.run(
            [sys.executable, "-c", RUN_PIP, "hook" if hook else "plain", *args],
            env=full_env, cwd=self.home, capture_output=True, text=True, timeout=300,
            check=False,
        )
        seen = json.loads(spy_file.read_text()) if spy_file.exists() else None
        return Done(done.returncode, done.stdout, done.stderr, seen)

    def both(self, args: Sequence[str], env: Mapping[str, str] = ()) -> tuple[Done, Done]:
        return self.run(args, hook=False, env=env), self.run(args, hook=True, env=env)


@pytest.fixture
def pip(tmp_path: Path) -> Iterator[Pip]:
    (tmp_path / "pd_spy.py").write_text(textwrap.dedent(SPY))
    wheels = tmp_path / "wheels"
    scenarios.make_wheel(wheels, "tinypkg", "1.0")
    return Pip(tmp_path, wheels)


@pytest.fixture
def read_only(tmp_path: Path, shared: Path) -> Iterator[Path]:
    """A directory on a read-only mount (root can write everywhere else)."""
    with scenarios.readonly_bind_mount(shared):
        yield shared


def assert_pip_first(without: Done, with_hook: Done) -> str:
    """pip's output whole and first, its status kept; what pip-doctor added."""
    assert with_hook.status == without.status
    assert with_hook.stdout == without.stdout
    assert with_hook.stderr.startswith(without.stderr), (without.stderr, with_hook.stderr)
    return with_hook.stderr[len(without.stderr):]


def test_download_into_an_unwritable_directory_reaches_the_child(pip: Pip, read_only: Path):
    target = read_only / "wheels"
    without, with_hook = pip.both(["download", "-d", str(target), "tinypkg"])
    added = assert_pip_first(without, with_hook)
    assert without.status == 2
    assert "ERROR: Exception:" in without.stderr
    assert added.startswith("pip-doctor")  # an OSError always gets its text
    seen = with_hook.seen
    assert seen is not None
    assert seen["failure"] == "unhandled"
    assert seen["command"] == "download"
    assert seen["type"] == "OSError"
    assert seen["filename"] == str(target)
    assert seen["argv"] == ["download", "-d", str(target), "tinypkg"]
    assert seen["pip_options"]["download_dir"] == str(target)
    assert seen["original_message"].startswith("Exception:\nTraceback (most recent call last):")
    assert "Read-only file system" in seen["original_message"]
    assert "Exception:" in seen["log"]


def test_wheel_into_an_unwritable_directory_reaches_the_child(pip: Pip, read_only: Path):
    target = read_only / "wheelhouse"
    without, with_hook = pip.both(["wheel", "-w", str(target), "tinypkg"])
    added = assert_pip_first(without, with_hook)
    assert without.status == 2
    assert added.startswith("pip-doctor")
    assert with_hook.seen is not None
    assert (with_hook.seen["failure"], with_hook.seen["command"]) == ("unhandled", "wheel")
    assert with_hook.seen["filename"] == str(target)


def test_a_pip_error_no_rule_explains_adds_nothing(pip: Pip):
    without, with_hook = pip.both(["install", "-r", "missing.txt"])
    assert assert_pip_first(without, with_hook) == ""
    assert without.status == 1
    assert with_hook.seen is not None
    assert with_hook.seen["failure"] == "pip-error"
    assert "Could not open requirements file" in with_hook.seen["original_message"]


def test_no_matching_distribution_carries_the_log_and_a_diagnosis_comes_after_pip(pip: Pip):
    without, with_hook = pip.both(["install", "no-such-pkg"], env={"PD_SPY_DIAGNOSE": "1"})
    added = assert_pip_first(without, with_hook)
    assert without.status == 1
    assert "No matching distribution found for no-such-pkg" in without.stderr
    assert "the spy saw no-matching-distribution" in added
    seen = with_hook.seen
    assert seen is not None
    assert seen["failure"] == "no-matching-distribution"
    assert any("Could not find a version that satisfies" in line for line in seen["log"])
    assert seen["pip_options"]["no_index"]


def test_the_cache_warning_is_captured_and_the_command_goes_on(pip: Pip, account):
    cache = pip.home / "foreign-cache"
    cache.mkdir()
    os.chown(cache, account.uid, account.gid)
    args = ["download", "-d", str(pip.home / "out"), "--cache-dir", str(cache), "tinypkg"]
    without, with_hook = pip.both(args)
    added = assert_pip_first(without, with_hook)  # pip's lines whole and first
    # then one line: why pip went on without its cache
    assert added == (f"pip-doctor note: pip went on without its cache: `{cache}` belongs to "
                     f"{account.name} (uid {account.uid}) (more: pip-doctor explain "
                     "cache-dir-not-writable)\n"), added
    assert without.status == 0
    assert "is not owned or is not writable by the current user" in without.stderr
    seen = with_hook.seen
    assert seen is not None
    assert (seen["failure"], seen["type"], seen["reference"], seen["filename"]) == (
        "warning", "PipWarning", "cache-dir-disabled", str(cache))


def test_success_starts_no_child(pip: Pip):
    without, with_hook = pip.both(["download", "-d", str(pip.home / "out"), "tinypkg"])
    assert assert_pip_first(without, with_hook) == ""
    assert with_hook.status == 0
    assert with_hook.seen is None


def test_debug_shows_pips_own_traceback_and_nothing_else(pip: Pip, read_only: Path):
    args = ["download", "--debug", "-d", str(read_only / "w"), "tinypkg"]
    without, with_hook = pip.both(args)
    assert without.status != 0

    def same_run(text: str) -> str:  # object addresses differ from run to run
        return re.sub(r"0x[0-9a-f]+", "0x...", text)

    assert (with_hook.status, with_hook.stdout, same_run(with_hook.stderr)) == (
        without.status, without.stdout, same_run(without.stderr))
    assert "pip_doctor" not in with_hook.stderr
    assert with_hook.seen is None


def test_verbose_shows_pips_whole_traceback_then_the_diagnosis(pip: Pip, read_only: Path):
    args = ["download", "-v", "-d", str(read_only / "w"), "tinypkg"]
    without, with_hook = pip.both(args)
    added = assert_pip_first(without, with_hook)
    pip_part = with_hook.stderr[: len(without.stderr)]
    assert "Traceback (most recent call last):" in pip_part
    assert "pip_doctor" not in pip_part
    assert added.startswith("pip-doctor")
    assert with_hook.seen is not None
    assert with_hook.seen["verbose"] is True




FAILING_BACKEND = '''
def _fail():
    print("running egg_info")
    raise PermissionError(13, "Permission denied", "src/failing.egg-info")


def get_requires_for_build_wheel(config_settings=None):
    _fail()


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _fail()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _fail()
'''


@pytest.mark.parametrize("verbose", [False, True], ids=["box", "streamed"])
def test_a_failed_builds_output_reaches_the_child(pip: Pip, verbose: bool):
    """The output pip shows for a failed build: in its error box (an object
    pip 22.1+ logs, whose text the capture adds), or streamed line by line
    under -v (the last lines are kept). pip's lines stay whole and first.
    """
    project = pip.home / "failing"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n')
    (project / "backend.py").write_text(FAILING_BACKEND)
    args = ["install", "--no-build-isolation", *(["-v"] if verbose else []), str(project)]
    without, with_hook = pip.both(args)
    assert with_hook.status == without.status == 1
    assert same_run(with_hook.stdout) == same_run(without.stdout)
    assert same_run(with_hook.stderr).startswith(same_run(without.stderr))  # -v: temp names
    seen = with_hook.seen
    assert seen is not None
    assert seen["failure"] == "pip-error"
    output = "\n".join(seen["log"])
    assert "running egg_info" in output
    assert "PermissionError: [Errno 13] Permission denied: 'src/failing.egg-info'" in output
