"""The built-in probes, in real situations: accounts, ownership, mounts, odd paths.

Probes that depend on who runs them are run as the throwaway ``account`` with
Debian's ``/usr/bin/python3`` (or a venv made from it), importing pip-doctor
from a world-readable copy of ``src/`` next to copies of its dependencies.
"""

from __future__ import annotations

import errno
import glob
import json
import os
import pwd
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Optional

import attr
import packaging
import pluggy
import pytest

import pip_doctor
import scenarios
from pip_doctor import InstallContext, InstallOptions, _fs
from pip_doctor._model import ErrorInfo, Situation
from pip_doctor._probes import BUILTIN_PROBES, foreign_files

# the network probes first: after a network failure they need the budget most,
# and for any other error they return at once
PROBE_IDS = ("network", "network-probes", "interpreter", "environment", "account", "scheme",
             "path", "destinations", "foreign_files", "user_site", "leftovers",
             "temp", "cache", "in_use", "os_package", "source_tree")
DOCS = Path(__file__).resolve().parent.parent / "docs" / "facts.md"

RUNNER = r'''
import json, os, sys
from pip_doctor import InstallContext, InstallOptions, diagnose

request = json.loads(sys.argv[1])
filename = request["filename"]
if request.get("filename_hex") is not None:
    filename = bytes.fromhex(request["filename_hex"])
error = PermissionError(request.get("errno", 13), "Permission denied", filename)
context = InstallContext(options=InstallOptions(**request.get("options", {})))
report = diagnose(error, context=context)
print(json.dumps({
    "environment": report.facts.to_dict(),
    "problems": [p.to_dict() for p in report.problems],
    "diagnoses": [d.to_dict() for d in report.diagnoses],
}))
'''


# ------------------------------------------------------------------ helpers


@pytest.fixture(scope="session")
def library() -> Iterator[Path]:
    """A world-readable copy of ``src/`` and of pip-doctor's pure-Python dependencies."""
    if not scenarios.is_root():
        if os.environ.get("CI"):
            pytest.fail("scenario tests must run as root in CI")
        pytest.skip("needs root (real accounts)")
    lib = scenarios.shared_dir("pd-probes-lib-")
    shutil.copytree(scenarios.SRC / "pip_doctor", lib / "pip_doctor",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for module in (attr, pluggy, packaging):
        source = Path(module.__file__).parent
        shutil.copytree(source, lib / source.name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(Path(attr.__file__).parent.parent / "attrs", lib / "attrs",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (lib / "probe_runner.py").write_text(RUNNER)
    subprocess.run(["chmod", "-R", "a+rX", str(lib)], check=True)
    try:
        yield lib
    finally:
        shutil.rmtree(lib, ignore_errors=True)


def probe_as(
    account: Optional[scenarios.Account],
    library: Path,
    filename: Any,
    *,
    python: str = scenarios.SYSTEM_PYTHON,
    options: Optional[Mapping[str, Any]] = None,
    env: Optional[Mapping[str, str]] = None,
    cwd: Optional[str] = None,
) -> dict[str, Any]:
    """Diagnose an EACCES on ``filename`` in a fresh process run as ``account``."""
    request: dict[str, Any] = {"filename": filename, "options": dict(options or {})}
    if isinstance(filename, bytes):
        request = {**request, "filename": None, "filename_hex": filename.hex()}
    result = scenarios.run_as(
        account,
        [python, str(library / "probe_runner.py"), json.dumps(request)],
        env={"PYTHONPATH": str(library), **(env or {})},
        cwd=cwd,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    assert not [p for p in data["problems"] if p["source"].startswith("probe ")], data["problems"]
    return data


def facts_for(error: BaseException, context: Optional[InstallContext] = None) -> dict[str, Any]:
    """Diagnose in this process and return the facts, asserting no probe failed."""
    report = scenarios.diagnose_patiently(error, context)
    assert not [p for p in report.problems if p.source.startswith("probe ")], report.problems
    return report.facts.to_dict()


def eacces(filename: Any) -> PermissionError:
    return PermissionError(errno.EACCES, "Permission denied", filename)


def plain_venv(path: Path, owner: Optional[scenarios.Account] = None) -> Path:
    """A real venv made by Debian's Python, without pip (quick to make)."""
    scenarios.run_checked([scenarios.SYSTEM_PYTHON, "-m", "venv", "--without-pip", str(path)])
    if owner is not None:
        scenarios.chown_tree(path, owner)
    return path


# --------------------------------------------------------- shape and order


def test_builtin_probes_run_in_documented_order():
    assert tuple(p.id for p in BUILTIN_PROBES) == PROBE_IDS
    # each probe's own limit; the pass as a whole is bounded by the engine's probe budget
    assert sum(p.timeout for p in BUILTIN_PROBES if p.id != "foreign_files") < 2.0


def documented_keys() -> dict[str, set[str]]:
    """Probe id -> keys, read from the tables of docs/facts.md."""
    keys: dict[str, set[str]] = {}
    current = None
    for line in DOCS.read_text().splitlines():
        if line.startswith("## `"):
            current = line.split("`")[1]
            keys[current] = set()
        elif current and line.startswith("| `"):
            first_cell = line.split("|")[1]
            for part in first_cell.split("`")[1::2]:
                keys[current].add(part)
            # "`mode` | ...; `mode_text`: ..." documents a second key in the value cell
            for part in line.split("|")[2].split("`")[1::2]:
                if part.endswith("_text"):
                    keys[current].add(part)
    return keys


def test_every_probe_produces_exactly_the_documented_keys(tmp_path):
    facts = facts_for(eacces(str(tmp_path / "missing" / "file")))
    documented = documented_keys()
    for probe_id in PROBE_IDS:
        if probe_id.startswith("network"):
            assert facts[probe_id] == {}, probe_id  # measured only after a network failure
            continue
        assert set(facts[probe_id]) == documented[probe_id], probe_id


# ------------------------------------------------------- ownership, access


def test_root_owned_directory_is_not_writable_for_the_account(account, library, shared):
    system = shared / "system" / "lib"
    system.mkdir(parents=True)
    facts = probe_as(account, library, str(system / "pkg" / "module.py"))["environment"]
    path = facts["path"]
    assert path["exists"] is False
    assert path["nearest_existing"] == str(system)
    assert (path["owner_uid"], path["owner_name"]) == (0, "root")
    assert path["group_name"] == "root"
    assert path["writable"] is False
    assert path["mode_text"] == "drwxr-xr-x"
    assert path["ancestors"][0] == {"path": str(system), "owner_uid": 0, "owner_name": "root",
                                    "mode": "0o755", "writable": False, "searchable": True}
    assert path["readable"] is True  # a directory: read and search
    assert [a["path"] for a in path["ancestors"]][-1] == "/"
    assert facts["account"]["name"] == account.name
    assert facts["account"]["euid"] == account.uid
    assert facts["account"]["is_root"] is False


def test_private_file_and_a_directory_that_may_not_be_entered(account, library, shared):
    """What `requirements-file-unreadable` reads: whether the account may read
    the file, and enter each directory above it.
    """
    private = shared / "requirements.txt"
    private.write_text("pkg\n")
    private.chmod(0o600)
    path = probe_as(account, library, str(private))["environment"]["path"]
    assert (path["nearest_existing"], path["readable"]) == (str(private), False)
    assert path["ancestors"][0]["searchable"] is None  # a file
    assert path["ancestors"][1]["searchable"] is True
    closed = shared / "closed"
    closed.mkdir(mode=0o700)
    (closed / "r.txt").write_text("pkg\n")
    behind = probe_as(account, library, str(closed / "r.txt"))["environment"]["path"]
    assert behind["ancestors"][0]["path"] == str(closed)
    assert behind["ancestors"][0]["searchable"] is False
    private.chmod(0o644)
    assert probe_as(account, library, str(private))["environment"]["path"]["readable"] is True


def test_account_owned_directory_is_writable(account, library, shared):
    mine = shared / "mine"
    mine.mkdir()
    os.chown(mine, account.uid, account.gid)
    path = probe_as(account, library, str(mine / "x"))["environment"]["path"]
    assert (path["owner_name"], path["writable"]) == (account.name, True)


def test_unowned_uid_has_no_name(tmp_path):
    target = tmp_path / "orphan"
    target.mkdir()
    os.chown(target, 54321, 54321)
    path = facts_for(eacces(str(target / "f")))["path"]
    assert (path["owner_uid"], path["owner_name"]) == (54321, None)
    assert (path["group_gid"], path["group_name"]) == (54321, None)


def test_directory_the_account_cannot_read_is_recorded(account, library, shared):
    closed = shared / "closed"
    (closed / "inner").mkdir(parents=True)
    closed.chmod(0o700)
    path = probe_as(account, library, str(closed / "inner" / "file"))["environment"]["path"]
    assert path["nearest_existing"] == str(closed)
    assert path["owner_name"] == "root"
    assert path["error"] == f"permission denied reading {closed}"
    assert path["writable"] is False
    assert path["exists"] is None  # cannot be told from outside


SETEUID_RUNNER = r'''
import json, os, sys
from pip_doctor import diagnose
from pip_doctor._manager import get_manager

get_manager()
uid, gid, filename = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
os.setegid(gid)
os.seteuid(uid)  # the real uid stays root's, as under a set-user-id wrapper
report = diagnose(PermissionError(13, "Permission denied", filename))
print(json.dumps(report.facts.to_dict()["path"]))
'''


def test_readability_is_judged_by_the_effective_ids_like_writability(account, library, shared):
    """Real uid root, effective uid the account: the directory the account
    cannot enter is recorded as unreadable, as it is unwritable.
    """
    closed = shared / "closed"
    closed.mkdir()
    closed.chmod(0o700)
    runner = library / "seteuid_runner.py"
    runner.write_text(SETEUID_RUNNER)
    runner.chmod(0o644)
    result = subprocess.run(
        [scenarios.SYSTEM_PYTHON, str(runner), str(account.uid), str(account.gid),
         str(closed)],
        capture_output=True, text=True, env={"PYTHONPATH": str(library)}, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    path = json.loads(result.stdout)
    assert path["writable"] is False
    assert path["error"] == f"permission denied reading {closed}"


def test_another_interpreter_in_the_context_is_recorded_and_said_not_measured(tmp_path):
    other = scenarios.SYSTEM_PYTHON
    assert other != sys.executable
    report = pip_doctor.diagnose(eacces(str(tmp_path / "x")),
                                 context=InstallContext(interpreter=other))
    facts = report.facts.to_dict()["interpreter"]
    assert (facts["executable"], facts["context_interpreter"]) == (sys.executable, other)
    (said,) = [p.message for p in report.problems if other in p.message]
    assert said == (f"the install context names {other}, but the facts are of the Python "
                    f"running pip-doctor, {sys.executable}: run pip-doctor with {other} to "
                    f"diagnose that one")
    same = pip_doctor.diagnose(eacces(str(tmp_path / "x")))
    assert same.facts.get_fact("interpreter", "context_interpreter") == sys.executable
    assert same.problems == ()


# ------------------------------------------------------------------ mounts


def test_readonly_bind_mount_is_reported_even_for_root(tmp_path):
    place = tmp_path / "ro"
    place.mkdir()
    with scenarios.readonly_bind_mount(place):
        path = facts_for(eacces(str(place / "pkg")))["path"]
    assert path["readonly_mount"] is True
    assert path["writable"] is False
    assert path["mount_point"] == str(place)


def test_readonly_bind_mount_for_the_account(account, library, shared):
    place = shared / "ro"
    place.mkdir()
    os.chown(place, account.uid, account.gid)
    with scenarios.readonly_bind_mount(place):
        path = probe_as(account, library, str(place / "pkg"))["environment"]["path"]
    assert (path["owner_name"], path["readonly_mount"], path["writable"]) == (
        account.name, True, False)


def test_full_tmpfs_has_no_free_space(tmp_path):
    place = tmp_path / "tiny"
    with scenarios.tiny_tmpfs(place, size="256k"):
        scenarios.fill_filesystem(place)
        path = facts_for(OSError(errno.ENOSPC, "No space left on device",
                                 str(place / "pkg" / "data.bin")))["path"]
    assert path["fs_type"] == "tmpfs"
    assert path["mount_point"] == str(place)
    assert path["free_bytes"] < 8192
    assert 0 < path["total_bytes"] <= 256 * 1024
    assert path["free_inodes"] > 0
    assert path["writable"] is True  # space, not permission, is what is missing


def test_mount_point_with_a_space_is_unescaped(tmp_path):
    place = tmp_path / "with space"
    with scenarios.tiny_tmpfs(place, size="64k"):
        path = facts_for(eacces(str(place / "f")))["path"]
    assert (path["mount_point"], path["fs_type"]) == (str(place), "tmpfs")


# ----------------------------------------------------------- odd file names


def test_relative_filename_is_made_absolute_against_cwd(tmp_path, monkeypatch):
    (tmp_path / "rel").mkdir()
    monkeypatch.chdir(tmp_path)
    path = facts_for(eacces(os.path.join("rel", "pkg", "f.py")))["path"]
    assert path["given"] == os.path.join("rel", "pkg", "f.py")
    assert path["absolute"] == str(tmp_path / "rel" / "pkg" / "f.py")
    assert path["nearest_existing"] == str(tmp_path / "rel")


def test_bytes_filename_is_decoded(tmp_path):
    (tmp_path / "b.py").write_text("")
    path = facts_for(eacces(os.fsencode(tmp_path / "b.py")))["path"]
    assert path["given"] == str(tmp_path / "b.py")
    assert (path["exists"], path["is_dir"]) == (True, False)
    assert path["nearest_existing"] == str(tmp_path / "b.py")
    assert path["writable"] is True
    assert path["mode_text"].startswith("-")


def test_filename2_is_used_when_filename_is_missing(tmp_path):
    error = OSError(errno.EXDEV, "Invalid cross-device link")
    error.filename2 = str(tmp_path / "dst")  # the constructor sets it only with a filename
    path = facts_for(error)["path"]
    assert (path["source"], path["nearest_existing"]) == ("filename2", str(tmp_path))


def test_no_filename_measures_the_scheme_purelib():
    facts = facts_for(OSError("no errno, no filename"))
    assert facts["path"]["source"] == "scheme"
    assert facts["path"]["given"] == facts["scheme"]["purelib"]


def test_bare_name_from_pips_uninstall_is_located_under_the_scheme(tmp_path, monkeypatch):
    prefix = tmp_path / "prefix"
    context = InstallContext(options=InstallOptions(prefix=str(prefix)),
                             requirements=("Pd.Wanted>=2",))
    purelib = Path(facts_for(eacces(str(prefix)), context)["scheme"]["purelib"])
    for folder in ("alpha-1.0.dist-info", "pd_wanted-1.0.dist-info", "zeta-3.dist-info"):
        (purelib / folder).mkdir(parents=True)
        (purelib / folder / "RECORD").write_text("")
    monkeypatch.chdir(tmp_path)
    path = facts_for(eacces("RECORD"), context)["path"]
    assert path["absolute"] == str(tmp_path / "RECORD")
    assert path["located"] == str(purelib / "pd_wanted-1.0.dist-info" / "RECORD")
    assert path["located_matches"] == 3
    assert (path["exists"], path["nearest_existing"]) == (True, path["located"])
    assert path["environment_root"] == str(prefix)
    (tmp_path / "RECORD").write_text("")  # found under the current directory: no search
    path = facts_for(eacces("RECORD"), context)["path"]
    assert (path["located"], path["located_matches"]) == (None, None)


def test_vanished_path_reports_nearest_existing(tmp_path):
    gone = tmp_path / "a" / "b"
    gone.mkdir(parents=True)
    gone.rmdir()
    (tmp_path / "a").rmdir()
    path = facts_for(eacces(str(gone / "c.py")))["path"]
    assert (path["exists"], path["resolved"]) == (False, str(gone / "c.py"))
    assert path["nearest_existing"] == str(tmp_path)


def test_symlink_loop_is_reported_not_followed(tmp_path):
    (tmp_path / "one").symlink_to(tmp_path / "two")
    (tmp_path / "two").symlink_to(tmp_path / "one")
    path = facts_for(eacces(str(tmp_path / "one" / "pkg")))["path"]
    assert path["symlink_loop"] is True
    assert path["resolved"] is None
    assert path["nearest_existing"] == str(tmp_path)


def test_symlinks_are_resolved(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    path = facts_for(eacces(str(tmp_path / "link" / "f")))["path"]
    assert path["absolute"] == str(tmp_path / "link" / "f")
    assert path["resolved"] == str(tmp_path / "real" / "f")
    assert path["nearest_existing"] == str(tmp_path / "real")


def test_non_utf8_file_name(tmp_path):
    raw = os.fsencode(tmp_path) + b"/caf\xe9-\xff"
    with open(raw, "wb"):
        pass
    report = pip_doctor.diagnose(eacces(raw))
    path = report.facts.to_dict()["path"]
    assert os.fsencode(path["given"]) == raw
    assert path["exists"] is True
    assert os.fsencode(path["nearest_existing"]) == raw
    rendered = json.loads(report.to_json())["environment"]["path"]["given"]
    assert rendered.startswith(str(tmp_path) + "/caf")  # the renderer escapes what is not UTF-8


@pytest.mark.parametrize(
    "error",
    [
        OSError(),
        OSError(errno.EACCES, "Permission denied", ""),
        OSError(errno.EACCES, "Permission denied", "bad\0name"),
        OSError(errno.EACCES, "Permission denied", "/" + "x" * 5000),
        OSError(errno.ENAMETOOLONG, "File name too long", "/tmp/" + "y" * 300 + "/z"),
        ValueError("not even an OSError"),
    ],
    ids=["empty", "empty-name", "nul", "very-long", "component-too-long", "value-error"],
)
def test_odd_errors_still_give_every_probe_section(error):
    facts = facts_for(error)
    assert tuple(facts) == PROBE_IDS


def test_cwd_that_vanished(tmp_path, monkeypatch):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    path = facts_for(eacces("relative/file"))["path"]
    assert path["given"] == "relative/file"
    assert path["nearest_existing"] is None
    assert path["error"] == "nothing along the path exists"


# ----------------------------------------------------------- foreign files


def test_root_owned_file_in_the_accounts_venv(account, library, shared):
    venv = plain_venv(shared / "venv", owner=account)
    package = scenarios.site_packages(venv) / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")  # made by root: an earlier "sudo pip"
    os.chown(package.parent, account.uid, account.gid)
    facts = probe_as(account, library, str(package / "__init__.py"),
                     python=str(venv / "bin" / "python"))["environment"]
    assert facts["environment"]["kind"] == "venv"
    assert facts["path"]["environment_root"] == str(venv)
    found = facts["foreign_files"]
    assert found["root"] == str(venv)
    assert (found["root_owner_uid"], found["root_owner_name"]) == (account.uid, account.name)
    assert found["skipped"] is None
    assert found["count"] == 2
    assert {e["path"] for e in found["examples"]} == {str(package), str(package / "__init__.py")}
    assert all(e["owner_name"] == "root" for e in found["examples"])
    assert found["owners"] == [{"uid": 0, "name": "root", "count": 2}]
    assert (found["complete"], found["stopped"]) == (True, None)
    assert found["scanned"] >= 8


def test_foreign_scan_is_skipped_when_the_environment_is_not_the_accounts(
        account, library, shared):
    venv = plain_venv(shared / "rootvenv")
    facts = probe_as(account, library, str(scenarios.site_packages(venv) / "x"),
                     python=str(venv / "bin" / "python"))["environment"]
    found = facts["foreign_files"]
    assert (found["root"], found["root_owner_name"]) == (str(venv), "root")
    assert found["skipped"] == "the environment's directory belongs to another account"
    assert (found["scanned"], found["count"], found["complete"]) == (0, 0, False)


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory) -> Path:
    """A site-packages-like tree of 20,000 files in 400 packages."""
    root = tmp_path_factory.mktemp("bigenv")
    (root / "pyvenv.cfg").write_text("home = /usr/bin\n")
    site = root / "lib" / "python3.11" / "site-packages"
    for number in range(400):
        package = site / f"pkg{number:03d}"
        package.mkdir(parents=True)
        for index in range(50):
            (package / f"m{index:02d}.py").touch()
    return root


def test_foreign_scan_of_20000_files_stops_on_the_time_budget(big_tree):
    found = foreign_files.scan(str(big_tree), str(big_tree), budget=0.005)
    assert (found["stopped"], found["complete"]) == ("time", False)
    assert 0 < found["scanned"] < 20400


def test_foreign_scan_of_20000_files_within_the_default_budget(big_tree):
    found = foreign_files.scan(str(big_tree), str(big_tree))
    assert found["count"] == 0
    assert found["complete"] == (found["stopped"] is None)
    assert found["stopped"] in (None, "time")


def test_foreign_scan_stops_on_the_finding_limit_and_keeps_ten_examples(big_tree, account):
    package = big_tree / "lib" / "python3.11" / "site-packages" / "pkg123"
    files = sorted(package.iterdir())
    try:
        for file in files:
            os.chown(file, account.uid, account.gid)
        found = foreign_files.scan(str(big_tree), str(package / "m00.py"), budget=5)
    finally:
        for file in files:
            os.chown(file, 0, 0)
    assert (found["stopped"], found["count"]) == ("limit", foreign_files.LIMIT)
    assert len(found["examples"]) == foreign_files.EXAMPLES
    # the directory holding the failing path is walked first
    assert all(e["path"].startswith(str(package)) for e in found["examples"])
    assert found["owners"] == [{"uid": account.uid, "name": account.name,
                                "count": foreign_files.LIMIT}]


# ------------------------------------------------------------- environment


def test_system_python_for_the_account(account, library, shared):
    facts = probe_as(account, library, str(shared / "x"),
                     env={"SUDO_USER": "root", "SUDO_UID": "0"})["environment"]
    assert (facts["account"]["sudo_user"], facts["account"]["sudo_uid"]) == ("root", 0)
    assert facts["account"]["home"] == account.home
    environment = facts["environment"]
    assert environment["kind"] == "system"
    assert (environment["in_venv"], environment["system_site_packages"]) == (False, None)
    assert environment["externally_managed"] == "/usr/lib/python3.11/EXTERNALLY-MANAGED"
    assert environment["path_python"] == "/usr/bin/python3"  # as PATH names it
    assert environment["path_python_resolved"] == os.path.realpath("/usr/bin/python3")
    assert environment["path_python_prefix"] is None
    assert environment["mismatch"] is None
    assert (environment["mismatch_source"], environment["expected_root"]) == (None, None)
    assert facts["interpreter"]["executable"] == scenarios.SYSTEM_PYTHON
    assert facts["interpreter"]["pip_version"] is None  # pip is not running
    user_site = facts["user_site"]
    assert user_site["path"].startswith(account.home + "/.local/lib/python3")
    assert user_site["base"] == account.home + "/.local"
    assert (user_site["enabled"], user_site["allowed"]) == (True, True)
    assert (user_site["exists"], user_site["writable"]) == (False, True)
    assert user_site["scripts_dir"] == account.home + "/.local/bin"
    assert user_site["scripts_on_path"] is False
    assert facts["scheme"]["purelib"] == "/usr/local/lib/python3.11/dist-packages"
    assert facts["destinations"]["all_writable"] is False
    assert facts["foreign_files"]["skipped"] == "the path lies in no known environment"


def test_active_venv_for_the_account(account, library, shared):
    venv = plain_venv(shared / "active", owner=account)
    facts = probe_as(
        account, library, str(scenarios.site_packages(venv) / "x"),
        python=str(venv / "bin" / "python"),
        env={"VIRTUAL_ENV": str(venv), "PATH": f"{venv}/bin:/usr/bin:/bin"},
    )["environment"]
    environment = facts["environment"]
    assert (environment["kind"], environment["in_venv"]) == ("venv", True)
    assert environment["system_site_packages"] is False
    assert (environment["active"], environment["mismatch"]) == (True, None)
    assert environment["path_python_prefix"] == str(venv)
    assert environment["externally_managed"] is None
    assert facts["user_site"]["allowed"] is False
    assert facts["destinations"]["all_writable"] is True
    assert {i["role"] for i in facts["destinations"]["items"]} >= {"purelib", "scripts"}


def test_virtual_env_pointing_elsewhere_is_a_mismatch(account, library, shared):
    elsewhere = plain_venv(shared / "elsewhere", owner=account)
    facts = probe_as(
        account, library, str(shared / "x"),
        env={"VIRTUAL_ENV": str(elsewhere), "PATH": f"{elsewhere}/bin:/usr/bin:/bin"},
    )["environment"]
    environment = facts["environment"]
    assert environment["active"] is False
    assert environment["mismatch"] == f"VIRTUAL_ENV is {elsewhere} but pip runs in /usr"
    assert environment["path_python_prefix"] == str(elsewhere)


def test_python_on_path_from_another_venv_is_a_mismatch(account, library, shared):
    """PATH alone: the evidence names the python3 on PATH, not its symlink's target,
    and says whether the account could install into that environment.
    """
    other = plain_venv(shared / "other", owner=account)
    facts = probe_as(account, library, str(shared / "x"),
                     env={"PATH": f"{other}/bin:/usr/bin:/bin"})["environment"]
    environment = facts["environment"]
    assert environment["mismatch"] == (
        f"the python3 first on PATH is {other}/bin/python3 (environment {other}) "
        "but pip runs in /usr; no VIRTUAL_ENV or CONDA_PREFIX is set"
    )
    assert environment["mismatch_source"] == "PATH"
    assert environment["path_python"] == f"{other}/bin/python3"
    assert environment["path_python_resolved"] == os.path.realpath(other / "bin" / "python3")
    assert environment["expected_root"] == str(other)
    assert environment["expected_writable"] is True
    assert environment["expected_owner_name"] == account.name


def test_an_activated_venv_of_root_is_measured_as_not_writable(account, library, shared):
    theirs = plain_venv(shared / "theirs")  # root's
    facts = probe_as(account, library, str(shared / "x"),
                     env={"VIRTUAL_ENV": str(theirs), "PATH": f"{theirs}/bin:/usr/bin:/bin"})
    environment = facts["environment"]["environment"]
    assert environment["mismatch_source"] == "VIRTUAL_ENV"
    assert environment["expected_root"] == str(theirs)
    assert (environment["expected_writable"], environment["expected_owner_uid"]) == (False, 0)


def test_conda_prefix_pointing_elsewhere_is_a_mismatch(monkeypatch, tmp_path):
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.setenv("CONDA_PREFIX", str(tmp_path))
    environment = facts_for(eacces("/x"))["environment"]
    assert environment["conda_prefix"] == str(tmp_path)
    assert environment["mismatch"] == f"CONDA_PREFIX is {tmp_path} but pip runs in {sys.prefix}"


# ------------------------------------------------------------------ scheme


def test_scheme_comes_from_pip_when_pip_is_loaded(tmp_path):
    import pip._internal.locations  # noqa: F401  (loaded as in a pip run)

    prefix = tmp_path / "prefix"
    facts = facts_for(eacces(str(prefix)), InstallContext(
        options=InstallOptions(prefix=str(prefix))))
    scheme = facts["scheme"]
    assert scheme["source"] == "pip"
    assert scheme["purelib"].startswith(str(prefix) + "/lib/python3")
    assert scheme["scripts"] == str(prefix / "bin")
    assert scheme["target"] is None
    assert facts["path"]["environment_root"] == str(prefix)


def test_scheme_from_sysconfig_matches_pip():
    """A process that never loaded pip computes the same places with sysconfig."""
    code = (
        "import json, sys; from pip_doctor._model import InstallOptions as O;"
        "from pip_doctor._probes.scheme import scheme_for;"
        "opts = [O(), O(user=True), O(prefix='/opt/p'), O(root='/r'), O(target='/t')];"
        "first = [scheme_for(o) for o in opts];"
        "assert 'pip._internal.locations' not in sys.modules;"
        "import pip._internal.locations;"
        "print(json.dumps([first, [scheme_for(o) for o in opts]]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    without_pip, with_pip = json.loads(result.stdout)
    for (plain, plain_source), (pips, pip_source) in zip(without_pip, with_pip):
        assert (plain_source, pip_source) == ("sysconfig", "pip")
        for key in ("purelib", "platlib", "scripts", "data"):
            assert plain[key] == pips[key], key


def test_target_is_reported_and_is_the_destination(account, library, shared):
    target = shared / "target"
    target.mkdir()
    facts = probe_as(account, library, str(target / "pkg"),
                     options={"target": str(target)})["environment"]
    assert facts["scheme"]["target"] == str(target)
    assert facts["scheme"]["purelib"] == str(target)
    items = facts["destinations"]["items"]
    assert items[0]["role"] == "target"
    assert (items[0]["path"], items[0]["owner_name"], items[0]["writable"]) == (
        str(target), "root", False)
    assert facts["destinations"]["all_writable"] is False
    assert facts["path"]["environment_root"] == str(target)


def test_user_option_selects_the_user_scheme(account, library, shared):
    facts = probe_as(account, library, str(shared / "x"), options={"user": True})["environment"]
    assert facts["scheme"]["purelib"] == facts["user_site"]["path"]
    assert facts["scheme"]["scripts"] == facts["user_site"]["scripts_dir"]
    purelib = next(i for i in facts["destinations"]["items"] if i["role"] == "purelib")
    assert (purelib["exists"], purelib["nearest_existing"]) == (False, account.home)
    assert purelib["writable"] is True


# --------------------------------------------------------------- leftovers


def test_leftovers_of_a_failed_uninstall_are_listed(tmp_path):
    prefix = tmp_path / "prefix"
    context = InstallContext(options=InstallOptions(prefix=str(prefix)))
    purelib = facts_for(eacces(str(prefix)), context)["scheme"]["purelib"]
    Path(purelib).mkdir(parents=True)
    for name in ("~ip-1.0.dist-info", "~umpy", "numpy", "requests", "~z.pth"):
        (Path(purelib) / name).mkdir()
    leftovers = facts_for(eacces(str(prefix)), context)["leftovers"]
    assert leftovers["site_packages"] == purelib
    assert leftovers["items"] == ["~ip-1.0.dist-info", "~umpy", "~z.pth"]
    # the stash of numpy is recognised (numpy is installed beside it); the others are not
    assert [(d["name"], d["real"], d["owner_uid"]) for d in leftovers["details"]] == [
        ("~ip-1.0.dist-info", None, 0), ("~umpy", "numpy", 0), ("~z.pth", None, 0)]


ODD_CASES_RUN = r'''
import errno, json, os, sys
import pip_doctor
from pip_doctor import InstallContext, InstallOptions
from pip_doctor._model import ErrorInfo, Facts, Situation
from pip_doctor._probes import BUILTIN_PROBES

base = sys.argv[1]
cases = [
    (PermissionError(13, "Permission denied", base + "/loop/x"), InstallOptions()),
    (PermissionError(13, "Permission denied", os.fsencode(base) + b"/\xff"), InstallOptions()),
    (OSError(errno.ENOSPC, "No space"), InstallOptions(user=True)),
    (PermissionError(13, "Permission denied", "rel/x"), InstallOptions(target=base + "/t")),
    (OSError(), InstallOptions(prefix=base + "/p", root=base + "/r")),
]
os.environ.pop("HOME", None)  # expanduser then needs pwd
sections = []
for error, options in cases:
    situation = Situation(error=ErrorInfo.from_exception(error),
                          context=InstallContext(options=options))
    for probe in BUILTIN_PROBES:
        situation = Situation(error=situation.error, context=situation.context,
                              facts=situation.facts.with_section(probe.id, probe.run(situation)))
    sections.append(list(situation.facts))
print(json.dumps({"sections": sections}))
'''


def test_every_probe_measures_odd_cases_without_a_home(tmp_path):
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    result = subprocess.run([sys.executable, "-c", ODD_CASES_RUN, str(tmp_path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert all(tuple(s) == PROBE_IDS for s in outcome["sections"])


def run_probes_directly(error: BaseException, options: InstallOptions) -> dict[str, Any]:
    """The built-in probes in order, in this thread, without the engine."""
    situation = Situation(error=ErrorInfo.from_exception(error),
                          context=InstallContext(options=options))
    for probe in BUILTIN_PROBES:
        facts = situation.facts.with_section(probe.id, probe.run(situation))
        situation = Situation(error=situation.error, context=situation.context, facts=facts)
    return situation.facts.to_dict()


def test_windows_shapes_simulated(monkeypatch, tmp_path):
    """No uids and no pwd/grp, as on Windows: owners are null, nothing breaks."""
    monkeypatch.setattr(_fs, "HAS_UIDS", False)
    monkeypatch.setattr(_fs, "pwd", None)
    monkeypatch.setattr(_fs, "grp", None)
    for name in ("getuid", "geteuid", "getgid"):
        monkeypatch.delattr(os, name)
    monkeypatch.setenv("USERNAME", "alice")
    env = tmp_path / "env"
    env.mkdir()
    (env / "pyvenv.cfg").write_text("home = /usr/bin\n")
    facts = run_probes_directly(eacces(str(env / "pkg")), InstallOptions())
    assert {k: facts["account"][k] for k in ("uid", "euid", "gid", "name", "is_root")} == {
        "uid": None, "euid": None, "gid": None, "name": "alice", "is_root": False}
    path = facts["path"]
    assert (path["owner_uid"], path["owner_name"], path["group_gid"], path["group_name"]) == (
        None, None, None, None)
    assert path["ancestors"][0]["owner_uid"] is None
    assert facts["foreign_files"]["skipped"] == "file owners are not measured on this system"
    assert facts["foreign_files"]["root"] == str(env)


def _a_pyenv_python() -> str:
    """A pyenv-built Python of this machine (this machine kind ships several)."""
    found = sorted(glob.glob("/root/.pyenv/versions/3.1[1-9]*/bin/python3"))
    if not found:
        if os.environ.get("CI"):
            pytest.fail("no pyenv Python under /root/.pyenv/versions")
        pytest.skip("no pyenv Python here")
    return found[0]


def test_a_pyenv_python_is_recognised(library, tmp_path):
    python = _a_pyenv_python()
    prefix = subprocess.run([python, "-c", "import sys; print(sys.prefix)"], check=True,
                            capture_output=True, text=True).stdout.strip()
    facts = probe_as(None, library, str(tmp_path / "pkg"), python=python)["environment"]
    assert facts["environment"]["kind"] == "pyenv"
    assert facts["environment"]["root"] == prefix
    assert facts["interpreter"]["prefix"] == prefix


def test_ancestors_stop_at_forty(tmp_path):
    deep = tmp_path.joinpath(*["d"] * 45)
    deep.mkdir(parents=True)
    ancestors = facts_for(eacces(str(deep / "f")))["path"]["ancestors"]
    assert len(ancestors) == 40
    assert ancestors[0]["path"] == str(deep)
    assert ancestors[1]["path"] == str(deep.parent)


@pytest.mark.parametrize(("path", "parent", "inside"), [
    ("/srv/app/venv", "/srv/app", True),
    ("/srv/app", "/srv/app/", True),
    ("/srv/application", "/srv/app", False),
    ("/srv", "/srv/app", False),
    ("/anything", "/", True),
    ("C:\\Users\\a\\.venv", "C:\\Users\\a", True),
    ("C:\\Users\\ab", "C:\\Users\\a", False),
    (None, "/srv", False),
    ("/srv", None, False),
])
def test_is_within_compares_paths_not_prefixes(
    path: Optional[str], parent: Optional[str], inside: bool
) -> None:
    assert _fs.is_within(path, parent) is inside


def test_an_account_without_a_usable_home_gets_no_venv_there(library):
    """``nobody``'s home is /nonexistent: no fix may create a venv in it."""
    nobody = pwd.getpwnam("nobody")
    who = scenarios.Account("nobody", nobody.pw_uid, nobody.pw_gid, "/")
    env = {"HOME": nobody.pw_dir}
    system_site = "/usr/lib/python3/dist-packages/pkg"  # Debian's Python: system-site-packages
    data = probe_as(who, library, system_site, env=env, cwd="/")
    account = data["environment"]["account"]
    assert (account["home"], account["home_writable"]) == (nobody.pw_dir, False)
    commands = [c["text"] for d in data["diagnoses"] for f in d["fixes"]
                for c in f["commands"] if c["shell"] == "posix"]
    assert not [c for c in commands if nobody.pw_dir in c]
    venv_fixes = [f for d in data["diagnoses"] for f in d["fixes"] if "-m venv" in str(f)]
    assert venv_fixes
    assert all("DIRECTORY/.venv" in f["summary"] for f in venv_fixes)


def test_home_falls_back_to_a_writable_dollar_home(library, shared):
    nobody = pwd.getpwnam("nobody")
    who = scenarios.Account("nobody", nobody.pw_uid, nobody.pw_gid, "/")
    home = shared / "nobody-home"
    home.mkdir()
    os.chown(home, nobody.pw_uid, nobody.pw_gid)
    data = probe_as(who, library, str(shared / "pkg"), env={"HOME": str(home)}, cwd="/")
    account = data["environment"]["account"]
    assert (account["home"], account["home_writable"]) == (str(home), True)
    # A shared directory is writable but nobody's home: /tmp is never taken for one.
    data = probe_as(who, library, str(shared / "pkg"), env={"HOME": "/tmp"}, cwd="/")
    account = data["environment"]["account"]
    assert (account["home"], account["home_writable"]) == (nobody.pw_dir, False)


@pytest.mark.parametrize(
    ("requirements", "names"),
    [
        (("Pd.Wanted>=2",), {"pd-wanted"}),
        (("pd_wanted[extra] ; python_version > '3'",), {"pd-wanted"}),
        (("Foo__Bar @ https://example.org/foo.whl",), {"foo-bar"}),
        (("./local/dir", "-e", "https://example.org/x.tar.gz"), set()),
        (("ok==1", "not a requirement!"), {"ok"}),
    ],
    ids=["dots-and-case", "extras-marker", "url", "paths-and-options", "mixed"],
)
def test_requirement_names_are_canonical(requirements, names):
    from pip_doctor._probes.path import _requirement_names

    context = InstallContext(requirements=requirements)
    assert _requirement_names(Situation(error=ErrorInfo(type="OSError"), context=context)) == names


@pytest.mark.parametrize(
    ("folder", "named"),
    [("pd_wanted-1.0.dist-info", True), ("Pd.Wanted", True), ("~d_wanted-1.0.dist-info", True),
     ("~d_wanted", True), ("pd_wanted_more-1.0.dist-info", False), ("zeta", False)],
)
def test_a_folder_is_named_after_a_requirement(folder, named):
    from pip_doctor._probes.path import _named_after

    assert _named_after(folder, {"pd-wanted"}) is named
