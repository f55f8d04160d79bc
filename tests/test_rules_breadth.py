"""The causes added in 0.2, decided from measured facts (the shape the real
probes give; the real failures are in test_e2e_breadth.py): which rule fires,
with what confidence, on which evidence, and the fixes each offers.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Mapping, Sequence
from typing import Any, Optional

import pytest

from pip_doctor import Diagnosis, ErrorInfo, Facts, InstallContext, InstallOptions, Situation
from pip_doctor._explain import CAUSES
from pip_doctor._rules import BUILTIN_RULES
from test_rules import HOME, SITE, VENV, _ancestors, merge

TMP = "/tmp"


def decide(facts: Mapping[str, Mapping[str, Any]], error: ErrorInfo, *,
           argv: tuple[str, ...] = ("install", "pkg"), log: tuple[str, ...] = (),
           **options: Any) -> dict[str, Diagnosis]:
    context = InstallContext(options=InstallOptions(**options), requirements=("pkg",),
                             argv=argv, log=log,
                             interpreter=str(facts["interpreter"]["executable"]))
    situation = Situation(error=error, context=context, facts=Facts(facts))
    found = {}
    for rule in BUILTIN_RULES:
        if rule.serves(error):
            result = rule.check(situation)
            if isinstance(result, Diagnosis):
                found[result.id] = result
    return found


def oserror(number: int, filename: Optional[str] = f"{SITE}/pkg",
            filename2: Optional[str] = None) -> ErrorInfo:
    return ErrorInfo.from_exception(OSError(number, "x", filename, None, filename2))


def posix(diagnosis: Diagnosis) -> list[str]:
    return [c.text for f in diagnosis.fixes for c in f.commands if c.shell == "posix"]


MY_VENV = {"path": {"ancestors": _ancestors((SITE, 1000), (f"{VENV}/lib", 1000), (VENV, 1000),
                                            ("/srv/app", 1000), ("/srv", 0), ("/", 0)),
                    "owner_uid": 1000, "owner_name": "alice"},
           "foreign_files": {"root": VENV, "root_owner_uid": 1000, "count": 0}}


def test_owner_write_bit_removed() -> None:
    facts = merge(MY_VENV)
    facts["path"]["ancestors"][0]["mode"] = "0o555"
    found = decide(facts, oserror(errno.EACCES))
    assert list(found) == ["owner-write-bit-removed"]
    best = found["owner-write-bit-removed"]
    assert best.confidence == "high"
    assert f"`{SITE}` is yours, mode dr-xr-xr-x" in " ".join(best.evidence)
    texts = posix(best)
    assert texts[0] == f"chmod u+w {SITE}"
    assert f"chmod -R u+w {VENV}" in texts
    assert not [t for t in texts if "chown" in t or "venv " in t]


def test_owner_write_bit_is_not_blamed_for_someone_elses_directory() -> None:
    facts = merge()
    facts["path"]["ancestors"][0]["mode"] = "0o555"  # root's
    assert "owner-write-bit-removed" not in decide(facts, oserror(errno.EACCES))


SPACE = {
    "temp": {"used": TMP, "mount_point": TMP, "fs_type": "tmpfs", "free_bytes": 0,
             "free_inodes": 100, "variable": None, "value": None, "fell_back": False},
    "cache": {"dir": f"{HOME}/.cache/pip", "disabled": False, "mount_point": "/home",
              "fs_type": "ext4", "free_bytes": 10**10, "free_inodes": 10**5},
}


def test_disk_full_names_the_full_temporary_directory_and_builds_elsewhere() -> None:
    failing = f"{TMP}/pip-install-abc/big/data.bin"
    facts = merge(SPACE, {"path": {"source": "filename", "resolved": failing,
                                   "mount_point": TMP, "fs_type": "tmpfs", "free_bytes": 0}})
    found = decide(facts, oserror(errno.ENOSPC, failing),
                   argv=("install", "--no-index", "--find-links", "/w", "-U", "big"))
    best = found["disk-full"]
    assert best.title == "No space left on `/tmp`: the temporary directory"
    text = "\n".join(best.evidence)
    assert "is in pip's build directory" in text
    assert "the temporary directory `/tmp` (filesystem `/tmp`, tmpfs): 0 bytes free — full" in text
    assert "pip's cache" in text
    assert "9.3 GiB free" in text
    assert posix(best)[:2] == [f"mkdir -p {HOME}/tmp",
                               f"env TMPDIR={HOME}/tmp {VENV}/bin/python -m pip install "
                               "--no-index --find-links /w -U big"]


def test_disk_full_in_the_cache_purges_it_or_goes_without() -> None:
    failing = f"{HOME}/.cache/pip/wheels/ab/x.whl"
    facts = merge(SPACE, {"temp": {"free_bytes": 10**9},
                          "cache": {"free_bytes": 0},
                          "path": {"source": "filename", "resolved": failing,
                                   "mount_point": "/home", "free_bytes": 0}})
    best = decide(facts, oserror(errno.ENOSPC, failing))["disk-full"]
    assert "pip's cache" in best.title
    assert posix(best) == [f"{VENV}/bin/python -m pip cache purge",
                           f"{VENV}/bin/python -m pip install --no-cache-dir pkg"]


def test_temp_dir_missing_and_no_usable_one() -> None:
    facts = merge({"temp": {"variable": "TMPDIR", "value": "/scratch/tmp", "value_exists": False,
                            "used": None, "usable": False, "fell_back": False,
                            "error": "No usable temporary directory found in ['/scratch/tmp', "
                                     "'/tmp', '/var/tmp', '/usr/tmp', '/']"}})
    error = ErrorInfo.from_exception(FileNotFoundError(
        errno.ENOENT, "No usable temporary directory found in [...]"))
    best = decide(facts, error)["temp-dir-unusable"]
    assert best.confidence == "high"
    assert ("TMPDIR is `/scratch/tmp`; Python found no usable directory: `/scratch/tmp` "
            "does not exist") in best.evidence
    assert posix(best)[-1] == "mkdir -p /scratch/tmp"


def test_temp_dir_on_a_noexec_mount_under_a_refused_build() -> None:
    facts = merge({"temp": {"used": TMP, "noexec": True, "mount_point": TMP, "usable": True}})
    error = ErrorInfo(type="InstallationSubprocessError", reference="subprocess-exited-with-error",
                      message="/bin/sh: 1: ./configure: Permission denied")
    best = decide(facts, error)["temp-dir-unusable"]
    assert "noexec" in best.title
    assert posix(best)[1].startswith(f"env TMPDIR={HOME}/tmp ")


def test_cache_dir_with_a_root_owned_part() -> None:
    cache = f"{HOME}/.cache/pip"
    facts = merge({"cache": {"dir": cache, "disabled": False, "owner_uid": 1000,
                             "owner_name": "alice", "writable": True,
                             "foreign": [{"path": f"{cache}/wheels", "owner_uid": 0,
                                          "owner_name": "root"}], "foreign_count": 1},
                   "path": {"resolved": f"{cache}/wheels/ab", "owner_uid": 0}})
    best = decide(facts, oserror(errno.EACCES, f"{cache}/wheels/ab"))["cache-dir-not-writable"]
    assert best.confidence == "high"
    assert f"`{cache}/wheels` belongs to root (uid 0)" in best.evidence
    assert posix(best) == [f"sudo chown -R alice {cache}",
                           f"{VENV}/bin/python -m pip install --no-cache-dir pkg"]


def test_cache_warning_alone_is_a_low_note() -> None:
    facts = merge({"cache": {"dir": "/root/.cache/pip", "disabled": False, "owner_uid": 0,
                             "owner_name": "root", "writable": False}})
    log = ("The directory '/root/.cache/pip' or its parent directory is not owned or is not "
           "writable by the current user. The cache has been disabled.",)
    # as pip's process captures the warning: the cache directory is its file name
    error = ErrorInfo(type="PipWarning", message=log[0], reference="cache-dir-disabled",
                      filename="/root/.cache/pip")
    facts["path"].update(resolved="/root/.cache/pip", absolute="/root/.cache/pip")
    best = decide(facts, error, log=log)["cache-dir-not-writable"]
    assert best.confidence == "low"
    assert best.title == "pip went on without its cache: `/root/.cache/pip` belongs to root (uid 0)"
    assert not [t for t in posix(best) if "chown" in t]  # /root is not alice's


@pytest.mark.parametrize("home_env", [None, "/"])
def test_home_not_usable(home_env: Optional[str]) -> None:
    facts = merge({"account": {"in_passwd": False, "home_env": home_env, "home": None,
                               "name": None, "euid": 12345, "home_writable": False},
                   "user_site": {"base": "/.local" if home_env else "~/.local"}})
    failing = "/.local/lib" if home_env else "~/.local/lib"
    found = decide(facts, oserror(errno.EACCES, failing), user=True)
    best = found["home-not-usable"]
    assert best.confidence == "high"
    assert posix(best)[1].startswith("env HOME=/tmp/home PIP_CACHE_DIR=/tmp/home/.cache/pip "
                                     "PYTHONUSERBASE=/tmp/home/.local ")


def test_leftover_stash_of_a_failed_upgrade() -> None:
    stash = f"{SITE}/~ootpkg"
    facts = merge({"leftovers": {"site_packages": SITE, "items": ["~ootpkg"], "details": [
        {"name": "~ootpkg", "path": stash, "real": "rootpkg", "owner_uid": 0,
         "owner_name": "root"}]}})
    found = decide(facts, oserror(errno.EACCES, f"{stash}/__init__.py"))
    best = found["leftover-stash"]
    assert best.confidence == "medium"  # root's files: foreign-owned-files is the cause
    assert f"sudo rm -rf -- '{stash}'" in posix(best)
    beside = decide(facts, oserror(errno.EACCES, f"{SITE}/other"))
    assert beside["leftover-stash"].confidence == "medium"  # root's files pip moved aside
    warning = "WARNING: Ignoring invalid distribution ~ootpkg (/x)"
    quiet = decide(facts, ErrorInfo(type="Warning", message=warning), log=(warning,))
    assert quiet["leftover-stash"].confidence == "low"


def test_cross_device_rename_on_overlay() -> None:
    facts = merge({"path": {"fs_type": "overlay", "mount_point": "/", "overlay_layer": "lower"}})
    best = decide(facts, oserror(errno.EXDEV, f"{SITE}/pkg", f"{SITE}/~kg"))[
        "cross-device-rename"]
    assert best.confidence == "high"
    assert any("lower, read-only layer" in line for line in best.evidence)


def test_name_too_long_on_ecryptfs() -> None:
    name = "x" * 150
    facts = merge({"path": {"fs_type": "ecryptfs", "mount_point": HOME, "name_max": 143,
                            "longest_name": name, "longest_name_bytes": 150}})
    best = decide(facts, oserror(errno.ENAMETOOLONG, f"{HOME}/{name}"))["name-too-long"]
    assert "eCryptfs" in " ".join(best.evidence)
    assert any("TMPDIR=/var/tmp/alice/tmp PIP_CACHE_DIR=/var/tmp/alice/cache" in t
               for t in posix(best))


def test_file_in_use_names_the_holder() -> None:
    facts = merge({"in_use": {"holders": [{"pid": 4242, "name": "gunicorn", "how": "map"}],
                              "measured": True, "mount_points": []}})
    best = decide(facts, oserror(errno.ETXTBSY, f"{VENV}/bin/tool"))["file-in-use"]
    assert best.title == "The file pip must change is in use by gunicorn (pid 4242)"
    assert posix(best)[0] == "kill 4242"


def test_externally_managed_with_an_unused_venv() -> None:
    facts = merge({"interpreter": {"executable": "/usr/bin/python3"},
                   "environment": {"root": "/usr", "kind": "system",
                                   "virtual_env": f"{HOME}/proj/.venv",
                                   "externally_managed": "/usr/lib/python3.11/EXTERNALLY-MANAGED"}})
    error = ErrorInfo(type="ExternallyManagedEnvironment",
                      reference="externally-managed-environment",
                      message="This environment is externally managed")
    found = decide(facts, error, argv=("install", "-r", "req.txt"))
    best = found["externally-managed"]
    assert posix(best)[0] == f"{HOME}/proj/.venv/bin/python -m pip install -r req.txt"
    assert any("--break-system-packages" in w for w in best.warnings)
    assert not [t for t in posix(best) if "--break-system-packages" in t]


def test_os_owned_package() -> None:
    facts = merge({"os_package": {"path": "/usr/lib/python3/dist-packages/six.py",
                                  "manager": "dpkg", "package": "python3-six",
                                  "measured": True},
                   "environment": {"kind": "system"}})
    found = decide(facts, oserror(errno.EACCES, "/usr/lib/python3/dist-packages/six.py"),
                   argv=("install", "-U", "six"))
    best = found["os-owned-package"]
    assert "`python3-six`" in best.title
    assert not [t for t in posix(best) if "rm " in t]


def test_every_new_cause_has_an_explanation_and_declares_families() -> None:
    new = {"owner-write-bit-removed", "temp-dir-unusable", "cache-dir-not-writable",
           "home-not-usable", "leftover-stash", "cross-device-rename", "name-too-long",
           "file-in-use", "externally-managed", "os-owned-package"}
    assert new <= set(CAUSES)
    ids = {rule.id for rule in BUILTIN_RULES}
    assert new <= ids
    for rule in BUILTIN_RULES:
        if rule.id in new:
            assert "network" not in rule.families, rule.id


# ------------------------------------------------------- fixes fit the command


def test_a_fix_reruns_the_users_command_with_only_the_destination_changed() -> None:
    facts = merge()
    argv = ("install", "-U", "--pre", "--no-index", "--find-links", "/srv/wheels", "-r",
            "req.txt", "-c", "constraints.txt", "--no-deps", "--user", "--target=/x", "pip")
    best = decide(facts, oserror(errno.EACCES), argv=argv)["env-owned-by-other-user"]
    venv_install = [t for t in posix(best) if "/.venv/bin/python -m pip" in t]
    assert venv_install == [f"{HOME}/.venv/bin/python -m pip install -U --pre --no-index "
                            "--find-links /srv/wheels -r req.txt -c constraints.txt "
                            "--no-deps pip"]


def test_conda_environments_get_conda_fixes_and_no_user_hint() -> None:
    facts = merge({"environment": {"kind": "conda", "conda_prefix": VENV, "virtual_env": None},
                   "interpreter": {"version": "3.11.2"},
                   "user_site": {"enabled": True, "allowed": True}})
    best = decide(facts, oserror(errno.EACCES))["env-owned-by-other-user"]
    texts = posix(best)
    assert "conda create -y -n pip-env python=3.11" in texts
    assert "conda run -n pip-env python -m pip install pkg" in texts
    assert not [t for t in texts if "--user" in t]
    assert any("conda environment" in w and "--user" in w for w in best.warnings)


@pytest.mark.parametrize(("command", "flag", "dest"), [("download", "-d", "download_dir"),
                                                       ("wheel", "-w", "wheel_dir")])
def test_download_or_wheel_into_a_directory_the_account_cannot_write(
    command: str, flag: str, dest: str,
) -> None:
    out = "/srv/out"
    facts = merge({"path": {"nearest_existing": out, "environment_root": None,
                            "ancestors": _ancestors((out, 0), ("/srv", 0), ("/", 0))},
                   "environment": {"kind": "venv"}})
    error = oserror(errno.EACCES, out)
    context = InstallContext(command=command, argv=(command, flag, out, "--no-deps", "pkg"),
                             pip_options={dest: out},
                             interpreter=str(facts["interpreter"]["executable"]))
    situation = Situation(error=error, context=context, facts=Facts(facts))
    (rule,) = [r for r in BUILTIN_RULES if r.id == "install-target-not-writable"]
    result = rule.check(situation)
    assert isinstance(result, Diagnosis)
    assert result.title.startswith(f"The {command} directory `{out}` ({flag})")
    assert posix(result) == [f"{VENV}/bin/python -m pip {command} {flag} {HOME}/out --no-deps pkg"]


def test_credentials_in_the_users_index_url_are_masked_in_the_rerun(tmp_path: Any) -> None:
    from pip_doctor import diagnose

    venv = tmp_path / "venv"
    venv.mkdir()
    argv = ("install", "--index-url", "https://alice:s3cr3t@pypi.example/simple", "pkg")
    report = diagnose(OSError(errno.ENOSPC, "No space left on device", str(venv / "x")),
                      context=InstallContext(argv=argv, requirements=("pkg",)))
    texts = [c.text for d in report.diagnoses for f in d.fixes for c in f.commands]
    assert texts
    assert not [t for t in texts if "s3cr3t" in t]
    assert [t for t in texts if "--index-url https://***@pypi.example/simple pkg" in t]


def test_enospc_with_no_file_named_in_a_full_venv_moves_the_venv_first() -> None:
    """The write error names no file; the destination (measured by the path
    probe, source "scheme") is on a full filesystem of its own.
    """
    facts = merge(SPACE, {"temp": {"free_bytes": 10**9},
                          "path": {"source": "scheme", "mount_point": "/srv", "fs_type": "tmpfs",
                                   "free_bytes": 0}})
    best = decide(facts, oserror(errno.ENOSPC, None))["disk-full"]
    assert best.title.endswith(": the destination")
    first_safe = next(f for f in best.fixes if f.safety == "safe")
    assert "virtual environment" in first_safe.summary


# ------------------------------------------------- requirements-file-unreadable


def open_failure(number: int, filename: str) -> ErrorInfo:
    """pip's InstallationError raised while handling the OSError of ``open``."""
    try:
        try:
            raise OSError(number, os.strerror(number), filename)
        except OSError as exc:  # pip raises inside `except`: the OSError is the context
            raise RuntimeError(f"Could not open requirements file: {exc}")  # noqa: B904
    except RuntimeError as error:
        return ErrorInfo.from_exception(error)
    raise AssertionError("unreachable")


def unreadable_file(path: str, owner: int, mode: str, readable: bool = False,
                    parents: Sequence[tuple[str, int, bool]] = ()) -> dict[str, Any]:
    names = {0: "root", 1000: "alice"}
    ancestors = [{"path": path, "owner_uid": owner, "owner_name": names[owner], "mode": mode,
                  "writable": False, "searchable": None}]
    ancestors += [{"path": p, "owner_uid": u, "owner_name": names[u], "mode": "0o755",
                   "writable": u == 1000, "searchable": s} for p, u, s in parents]
    return {"path": {"given": path, "absolute": path, "resolved": path, "exists": True,
                     "nearest_existing": path, "owner_uid": owner, "owner_name": names[owner],
                     "mode": mode, "mode_text": "-rw-------", "readable": readable,
                     "ancestors": ancestors, "environment_root": None}}


REQS = "/srv/deploy/requirements.txt"
R_ARGV = ("install", "--no-index", "-r", REQS)


def test_requirements_file_of_another_account() -> None:
    facts = merge(unreadable_file(REQS, 0, "0o600",
                                  parents=[("/srv/deploy", 0, True), ("/srv", 0, True)]))
    found = decide(facts, open_failure(errno.EACCES, REQS), argv=R_ARGV)
    assert list(found) == ["requirements-file-unreadable"]  # no cause about writing
    best = found["requirements-file-unreadable"]
    assert best.confidence == "high"
    assert f"`{REQS}` belongs to root (uid 0), mode -rw-------; you may not read it" in (
        best.evidence)
    assert [f.safety for f in best.fixes] == ["review"]
    assert posix(best) == [f"sudo cp {REQS} {HOME}/requirements.txt",
                           f"sudo chown alice {HOME}/requirements.txt",
                           f"{VENV}/bin/python -m pip install --no-index -r "
                           f"{HOME}/requirements.txt"]
    assert not [t for t in posix(best) if "sudo pip" in t or "chmod" in t]


def test_own_requirements_file_without_read_permission() -> None:
    path = f"{HOME}/proj/requirements.txt"
    facts = merge(unreadable_file(path, 1000, "0o000", parents=[(f"{HOME}/proj", 1000, True)]))
    found = decide(facts, open_failure(errno.EACCES, path), argv=("install", "-r", path))
    assert list(found) == ["requirements-file-unreadable"]  # not owner-write-bit-removed
    best = found["requirements-file-unreadable"]
    assert best.fixes[0].safety == "safe"
    assert posix(best)[:2] == [f"chmod u+r {path}", f"{VENV}/bin/python -m pip install -r {path}"]


def test_root_owned_requirements_file_in_the_accounts_checkout() -> None:
    path = f"{HOME}/proj/requirements.txt"
    facts = merge(unreadable_file(path, 0, "0o600", parents=[(f"{HOME}/proj", 1000, True)]))
    best = decide(facts, open_failure(errno.EACCES, path),
                  argv=("install", f"--requirement={path}"))["requirements-file-unreadable"]
    assert posix(best)[0] == f"sudo chown alice {path}"
    assert best.fixes[0].safety == "review"
    # the copy's rerun replaces the joined form too
    assert posix(best)[-1].endswith(f"install --requirement={HOME}/requirements.txt")


def test_requirements_file_behind_a_directory_the_account_may_not_enter() -> None:
    path = "/home/bob/reqs.txt"
    facts = merge({"path": {"given": path, "absolute": path, "resolved": path,
                            "nearest_existing": "/home/bob", "readable": False,
                            "owner_uid": 0, "owner_name": "root",
                            "ancestors": [{"path": "/home/bob", "owner_uid": 0,
                                           "owner_name": "root", "mode": "0o700",
                                           "writable": False, "searchable": False},
                                          {"path": "/home", "owner_uid": 0,
                                           "owner_name": "root", "mode": "0o755",
                                           "writable": False, "searchable": True}]}})
    best = decide(facts, open_failure(errno.EACCES, path),
                  argv=("install", "-r", path))["requirements-file-unreadable"]
    assert best.title.endswith("you may not enter `/home/bob`")
    assert any("`/home/bob` belongs to root (uid 0), mode drwx------; you may not enter it"
               in line for line in best.evidence)


def test_requirements_file_measured_readable_is_not_the_cause() -> None:
    facts = merge(unreadable_file(REQS, 0, "0o644", readable=True,
                                  parents=[("/srv/deploy", 0, True)]))
    assert "requirements-file-unreadable" not in decide(
        facts, open_failure(errno.EACCES, REQS), argv=R_ARGV)


def test_a_missing_requirements_file_is_not_a_permission_cause() -> None:
    facts = merge(unreadable_file(REQS, 0, "0o600"))
    assert decide(facts, open_failure(errno.ENOENT, REQS), argv=R_ARGV) == {}


# --------------------------------------------------- source-tree-not-writable

PROJECT = "/srv/src/proj"
EGG_LINE = "error: could not create 'src/proj.egg-info': Permission denied"


def tree_facts(owner: int = 0, writable: bool = False) -> dict[str, Any]:
    names = {0: "root", 1000: "alice"}
    place = {"nearest_existing": f"{PROJECT}/src", "owner_uid": owner,
             "owner_name": names[owner], "mode": "0o755", "mode_text": "drwxr-xr-x",
             "writable": writable}
    return merge({"source_tree": {
        "denied_line": EGG_LINE, "denied_path": "src/proj.egg-info", "projects": [PROJECT],
        "project": PROJECT, "tried": f"{PROJECT}/src/proj.egg-info", "tried_place": place,
        "project_place": {**place, "nearest_existing": PROJECT}}})


def build_failure() -> ErrorInfo:
    return ErrorInfo(type="InstallationSubprocessError",
                     message="Getting requirements to build editable exited with 1")


def test_source_tree_of_another_account() -> None:
    found = decide(tree_facts(), build_failure(), argv=("install", "-e", PROJECT),
                   log=(f"Getting requirements to build editable exited with 1\n{EGG_LINE}",))
    assert list(found) == ["source-tree-not-writable"]
    best = found["source-tree-not-writable"]
    assert best.confidence == "high"
    text = "\n".join(best.evidence)
    assert EGG_LINE in text
    assert f"`{PROJECT}/src` belongs to root (uid 0), mode drwxr-xr-x; you may not write" in text
    assert posix(best) == [f"cp -R {PROJECT} {HOME}/proj",
                           f"{VENV}/bin/python -m pip install -e {HOME}/proj"]
    assert best.fixes[0].safety == "safe"
    assert any("`--user` does not help" in w for w in best.warnings)


def test_source_tree_in_the_accounts_home_left_to_root() -> None:
    facts = tree_facts()
    checkout = f"{HOME}/proj"
    for key in ("project", "tried"):
        facts["source_tree"][key] = facts["source_tree"][key].replace(PROJECT, checkout)
    best = decide(facts, build_failure(), argv=("install", checkout))["source-tree-not-writable"]
    assert posix(best)[0] == f"sudo chown -R alice {checkout}"
    assert best.fixes[0].safety == "review"
    assert posix(best)[2] == f"cp -R {checkout} {HOME}/proj-copy"


def test_source_tree_measured_writable_is_not_the_cause() -> None:
    assert decide(tree_facts(owner=1000, writable=True), build_failure(),
                  argv=("install", PROJECT)) == {}


def test_source_tree_probe_reads_the_build_output(tmp_path: Any) -> None:
    from pip_doctor._probes import source_tree

    project = tmp_path / "proj"
    (project / "src").mkdir(parents=True)
    error = ErrorInfo(type="FailedToPrepareCandidate",
                      message=f"Failed to build 'file://{project}' when getting requirements "
                      "to build wheel")
    log = ("Getting requirements to build wheel exited with 1\n[3 lines of output]\n"
           "running egg_info\ncreating src/proj.egg-info\n" + EGG_LINE + "\n[end of output]",)
    situation = Situation(error=error, context=InstallContext(argv=("install", "."), log=log),
                          facts=Facts({}))
    facts = source_tree.run(situation)
    assert facts["denied_line"] == EGG_LINE
    assert facts["project"] == str(project)
    assert facts["tried"] == str(project / "src" / "proj.egg-info")
    assert facts["tried_place"]["nearest_existing"] == str(project / "src")
    # a denied write outside every project of the command is not the project's
    outside = ("PermissionError: [Errno 13] Permission denied: '/usr/lib/x'",)
    other = source_tree.run(Situation(error=error, context=InstallContext(log=outside),
                                      facts=Facts({})))
    assert other["denied_line"]
    assert other["project"] is None
    nothing = source_tree.run(Situation(error=error, context=InstallContext(), facts=Facts({})))
    assert nothing["denied_line"] is None


def test_noexec_temp_dir_is_named_only_for_what_could_not_run() -> None:
    """A denied program (a bare name found on the build's PATH, or a path in
    the temporary directory) on a noexec TMPDIR is the temporary directory's
    cause; a denied write into a root-owned project is not.
    """
    noexec = {"temp": {"used": "/scratch", "noexec": True, "mount_point": "/scratch",
                       "usable": True}}
    program = ErrorInfo(type="FailedToPrepareCandidate", message="Failed to build 'x'")
    ran = decide(merge(noexec), program,
                 log=("PermissionError: [Errno 13] Permission denied: 'ninja'",))
    assert "the build could not run a program: `PermissionError: [Errno 13] Permission " \
        "denied: 'ninja'`" in ran["temp-dir-unusable"].evidence
    loaded = decide(merge(noexec), program, log=(
        "ImportError: /scratch/pip-build-env-1/overlay/x.so: failed to map segment from "
        "shared object",))
    assert "temp-dir-unusable" in loaded
    facts = merge(noexec, tree_facts())
    written = decide(facts, build_failure(), argv=("install", PROJECT), log=(EGG_LINE,))
    assert list(written) == ["source-tree-not-writable"]
    elsewhere = decide(merge(noexec), program, log=(
        "PermissionError: [Errno 13] Permission denied: '/usr/lib/x'",))
    assert "temp-dir-unusable" not in elsewhere
