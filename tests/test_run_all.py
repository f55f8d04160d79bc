"""The whole-run script (``tests/run_all.py``): the README's test command and CI's."""

from __future__ import annotations

import fcntl
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import run_all

ROOT = Path(__file__).resolve().parent.parent


def readme_block_after(heading_text: str) -> str:
    """The first fenced ``sh`` block after the paragraph containing ``heading_text``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(heading_text)
    match = re.search(r"```sh\n(.*?)```", readme[start:], re.S)
    assert match, f"no sh block after {heading_text!r}"
    return match.group(1).strip()


def test_ci_runs_exactly_the_readmes_test_command():
    command = readme_block_after("Run the whole test suite")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci[-1] == command
    assert command == "python3 tests/run_all.py"


def test_tox_installs_no_system_package():
    """apt runs once, before tox (tests/debian-packages.txt), never inside it."""
    tox_ini = (ROOT / "tox.ini").read_text(encoding="utf-8")
    assert "apt-get" not in tox_ini
    assert "commands_pre" not in tox_ini


def test_package_list_one_name_a_line_with_comments():
    text = "# what the tests need\nfish   # shells\n\nwine64\nfish\n  # indented comment\n"
    assert run_all.read_package_list(text) == ["fish", "wine64"]


def test_the_repositorys_package_list_names_real_packages():
    names = run_all.read_package_list(run_all.PACKAGES_FILE.read_text(encoding="utf-8"))
    assert "fish" in names
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9+.-]+(:[a-z0-9]+)?", name) for name in names)


def test_the_test_suite_needs_what_the_list_installs():
    """What the list installs is present where the suite runs (CI: installed by run_all)."""
    names = run_all.read_package_list(run_all.PACKAGES_FILE.read_text(encoding="utf-8"))
    if shutil.which("dpkg-query") is None:
        pytest.fail("the test machines are Debian: dpkg-query is missing")
    assert [name for name in names if not run_all.is_installed(name)] == []
    assert not run_all.is_installed("surely-no-such-package-pd")


@pytest.mark.skipif(sys.platform != "linux", reason="apt is Debian's")
def test_apt_update_waits_while_another_apt_holds_the_lists_lock(tmp_path):
    """Real apt-get on a private lists directory and cache, with no sources (no
    network): while another process holds the lists lock, apt-get fails at once
    ("Could not get lock"); apt_get retries until the lock is free.
    """
    if shutil.which("apt-get") is None:
        pytest.fail("the test machines are Debian: apt-get is missing")
    lists = tmp_path / "lists"
    (lists / "partial").mkdir(parents=True)
    (tmp_path / "cache" / "archives" / "partial").mkdir(parents=True)
    private = ["-o", f"Dir::State::Lists={lists}", "-o", f"Dir::Cache={tmp_path / 'cache'}",
               "-o", "Dir::Etc::sourcelist=/dev/null", "-o", "Dir::Etc::sourceparts=/nonexistent"]
    lock = lists / "lock"
    lock.touch()
    held, releasing = threading.Event(), threading.Event()

    def hold(seconds: float) -> None:
        with open(lock, "r+") as handle:
            fcntl.lockf(handle, fcntl.LOCK_EX)
            held.set()
            time.sleep(seconds)
            releasing.set()  # from here on apt may get the lock

    holder = threading.Thread(target=hold, args=(4,))
    holder.start()
    held.wait()
    plain = subprocess.run(["apt-get", *private, "update"], capture_output=True, text=True,
                           check=False)
    assert plain.returncode != 0
    assert run_all.apt_lock_busy(plain.stdout + plain.stderr)
    run_all.apt_get([*private, "update"], wait=60)
    assert releasing.is_set()  # it succeeded only once the holder let go
    holder.join()


def junit_of(tmp_path: Path, body: str) -> Path:
    """A real pytest run's JUnit file."""
    (tmp_path / "test_sample.py").write_text(body)
    xml = tmp_path / "out.xml"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    f"--junitxml={xml}", str(tmp_path / "test_sample.py")],
                   capture_output=True, check=False, cwd=tmp_path)
    return xml


def test_counts_come_from_pytests_junit_file(tmp_path):
    xml = junit_of(tmp_path, (
        "import pytest\n"
        "def test_a(): pass\n"
        "def test_b(): pass\n"
        "def test_c(): assert False\n"
        "def test_d(): pytest.skip('x')\n"
        "@pytest.fixture\n"
        "def broken(): raise RuntimeError\n"
        "def test_e(broken): pass\n"
    ))
    assert run_all.junit_counts(xml) == run_all.Counts(passed=2, failed=2, skipped=1)
    assert run_all.junit_counts(tmp_path / "missing.xml") is None


def test_an_environments_counts_add_up_all_its_junit_files(tmp_path):
    """e2e-pip263 runs pytest twice (the pip hook, then the network tests)."""
    for part in ("a", "b"):
        (tmp_path / part).mkdir()
    first = junit_of(tmp_path / "a", "def test_a(): pass\ndef test_b(): pass\n")
    second = junit_of(tmp_path / "b", "def test_c(): assert False\n")
    results = tmp_path / "results"
    results.mkdir()
    first.rename(results / "e2e-pip263.xml")
    second.rename(results / "e2e-pip263-network.xml")
    assert run_all.env_counts(results, "e2e-pip263") == run_all.Counts(2, 1, 0)
    assert run_all.env_counts(results, "e2e-pip262") is None


def row(name, ok=True, ran=True, counts=None):
    return run_all.EnvResult(name, ok, 61.4, ran, counts)


def test_summary_ends_with_the_line_ci_reads():
    lines, total = run_all.summary([
        row("lint", ran=False),
        row("tests", counts=run_all.Counts(500, 0, 2)),
        row("e2e-pip263", ok=False, counts=run_all.Counts(18, 2)),
    ], elapsed=1500)
    assert lines[-1] == "518 passed, 2 failed"
    assert re.fullmatch(r"\d+ passed, \d+ failed", lines[-1])
    assert "  tests        ok        1:01  500 passed, 0 failed, 2 skipped" in lines
    assert "25:00" in lines[0]
    assert total == run_all.Counts(518, 2, 2)


def test_an_environment_that_ran_no_test_is_a_failure():
    """Set-up failed before pytest, or pytest ran and left no result: not a pass."""
    lines, total = run_all.summary([
        row("tests", ok=False, counts=None),
        row("e2e-pip263", ok=True, ran=True, counts=None),
        row("lint", ran=False),
    ], elapsed=10)
    assert lines[-1] == "0 passed, 2 failed"
    assert [line.split()[-3:] for line in lines[1:3]] == [["ran", "no", "test"]] * 2
    assert total.failed == 2


def test_tox_journal_rows_only_for_environments_that_ran(tmp_path):
    journal = {"testenvs": {
        ".pkg": {"python": {}},
        "lint": {"result": {"success": True, "duration": 12.0},
                 "test": [{"command": ["/x/.tox/lint/bin/ruff", "check"]}]},
        "tests": {"result": {"success": True, "duration": 300.0},
                  "test": [{"command": ["/x/.tox/tests/bin/pytest", "--junitxml=y"]}]},
        "e2e-pip2124": {"python": {}},
    }}
    rows = run_all.env_results(journal, tmp_path)
    assert [(r.name, r.ran_pytest) for r in rows] == [("lint", False), ("tests", True)]


def test_tox_lives_in_a_venv_of_its_own_under_the_cache(monkeypatch, tmp_path):
    """Never in the Python that runs the script (0.1's command upgraded its packages)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert run_all.cache_dir() == tmp_path / "pip-doctor"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert run_all.cache_dir() == Path.home() / ".cache" / "pip-doctor"


# ------------------------------------------------------------------- minimums


def test_the_minimums_environment_pins_what_pyproject_declares():
    """tox's `minimums` installs tests/minimums.txt: the same versions as the `>=`
    of pyproject.toml (pip's is tested by e2e-pip2124)."""
    import minimums

    declared = minimums.declared_minimums((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pinned = minimums.pins(minimums.PINS_FILE.read_text(encoding="utf-8"))
    assert set(declared) == {"pip", "attrs", "packaging", "pluggy"}
    assert minimums.mismatches(declared, pinned, installed=pinned) == []
    tox_ini = (ROOT / "tox.ini").read_text(encoding="utf-8")
    assert "PIP_CONSTRAINT = {toxinidir}/tests/minimums.txt" in tox_ini
    assert "    minimums\n" in tox_ini  # in the default env_list, so CI runs it


def test_the_minimums_check_names_what_is_wrong():
    import minimums

    declared = {"pip": "21.2", "pluggy": "1.2", "attrs": "22.2"}
    assert minimums.mismatches(declared, {"pluggy": "1.2.0", "attrs": "22.2.0"},
                               {"pluggy": "1.2.0", "attrs": "22.2"}) == []
    wrong = minimums.mismatches(declared, {"pluggy": "1.0.0", "attrs": "22.2.0"},
                                {"pluggy": "1.7.0"})
    assert wrong == [
        "minimums.txt pins {'pluggy': '1.0.0', 'attrs': '22.2.0'}, pyproject.toml declares "
        "{'pluggy': '1.2', 'attrs': '22.2'}",
        "attrs is not installed here, not 22.2.0",
        "pluggy 1.7.0 here, not 1.0.0",
    ]


def test_the_oldest_python_declared_is_the_one_tested():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'requires-python = ">={run_all.OLDEST_PYTHON}"' in pyproject
    tox_ini = (ROOT / "tox.ini").read_text(encoding="utf-8")
    assert "    python39\n" in tox_ini  # in the default env_list, so CI runs it
    assert "base_python = {env:PIP_DOCTOR_PYTHON39:python3.9}" in tox_ini
    assert "skip_missing_interpreters = false" in tox_ini


def test_find_python_gives_a_python_of_that_version(tmp_path, monkeypatch):
    found = run_all.find_python(run_all.OLDEST_PYTHON)  # this machine has pyenv's 3.9
    assert found is not None
    assert run_all.runs_as(found, run_all.OLDEST_PYTHON)
    this = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert not run_all.runs_as(sys.executable, "2.7")
    assert run_all.runs_as(sys.executable, this)
    # a program of that name that is another version (as a pyenv shim can be) is passed over
    shim = tmp_path / "python2.5"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} \"$@\"\n")
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    assert shutil.which("python2.5") == str(shim)
    assert run_all.find_python("2.5") is None
