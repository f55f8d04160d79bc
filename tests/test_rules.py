"""The built-in rules' decisions, as a table, and the promises every fix keeps.

The base facts below have the shape the built-in probes produce (taken from a
real run as an unprivileged account in a root-owned venv); each case changes
what it is about. Every case runs *all* built-in rules: the table states which
of them fire and with what confidence, and that the others stay silent. Two
more tests run the real probes: one as the throwaway account, one with a
mismatched ``VIRTUAL_ENV``.
"""

from __future__ import annotations

import copy
import errno
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

import pytest

from pip_doctor import (
    Diagnosis,
    ErrorInfo,
    Facts,
    InstallContext,
    InstallOptions,
    Situation,
    _links,
    diagnose,
)
from pip_doctor._explain import CAUSES, explain
from pip_doctor._rules import BUILTIN_RULES
from scenarios import Account, make_venv
from test_scenarios import diagnose_as, pdlib  # noqa: F401  (pdlib is a fixture)

VENV = "/srv/app/venv"
SITE = f"{VENV}/lib/python3.11/site-packages"
HOME = "/home/alice"


def _ancestors(*pairs: tuple[str, int]) -> list[dict[str, Any]]:
    names = {0: "root", 1000: "alice"}
    return [{"path": p, "owner_uid": u, "owner_name": names[u], "mode": "0o755",
             "writable": u == 1000} for p, u in pairs]


BASE: dict[str, dict[str, Any]] = {
    "interpreter": {"executable": f"{VENV}/bin/python", "version": "3.11.2",
                    "prefix": VENV, "base_prefix": "/usr", "platform": "linux"},
    "environment": {"kind": "venv", "root": VENV, "in_venv": True,
                    "system_site_packages": False, "virtual_env": VENV, "conda_prefix": None,
                    "active": True, "mismatch": None, "path_python": "/usr/bin/python3.11",
                    "path_python_prefix": VENV, "externally_managed": None},
    "account": {"uid": 1000, "euid": 1000, "gid": 1000, "name": "alice", "home": HOME,
                "is_root": False, "sudo_user": None, "sudo_uid": None},
    "scheme": {"purelib": SITE, "platlib": SITE, "scripts": f"{VENV}/bin", "data": VENV,
               "source": "pip", "target": None},
    "path": {"source": "filename", "given": f"{SITE}/pkg", "absolute": f"{SITE}/pkg",
             "resolved": f"{SITE}/pkg", "symlink_loop": False, "exists": False,
             "is_dir": False, "nearest_existing": SITE, "owner_uid": 0, "owner_name": "root",
             "group_gid": 0, "group_name": "root", "mode": "0o755",
             "mode_text": "drwxr-xr-x", "writable": False, "readonly_mount": False,
             "mount_point": "/", "fs_type": "ext4", "free_bytes": 10**10,
             "total_bytes": 10**11, "free_inodes": 10**6,
             "ancestors": _ancestors((SITE, 0), (f"{VENV}/lib", 0), (VENV, 0),
                                     ("/srv/app", 0), ("/srv", 0), ("/", 0)),
             "environment_root": VENV, "error": None},
    "destinations": {"items": [], "all_writable": False},
    "foreign_files": {"root": None, "root_owner_uid": None, "root_owner_name": None,
                      "scanned": 0, "count": 0, "examples": [], "owners": [],
                      "complete": False, "stopped": None,
                      "skipped": "the environment's directory belongs to another account"},
    "user_site": {"enabled": False, "path": f"{HOME}/.local/lib/python3.11/site-packages",
                  "base": f"{HOME}/.local", "on_sys_path": False, "exists": False,
                  "writable": True, "allowed": False, "scripts_dir": f"{HOME}/.local/bin",
                  "scripts_on_path": False},
}

OWN_VENV = {
    "path": {"ancestors": _ancestors((SITE, 1000), (f"{VENV}/lib", 1000), (VENV, 1000),
                                     ("/srv/app", 1000), ("/srv", 0), ("/", 0)),
             "nearest_existing": f"{SITE}/pkg", "exists": True, "owner_uid": 0},
    "foreign_files": {"root": VENV, "root_owner_uid": 1000, "root_owner_name": "alice",
                      "scanned": 120, "count": 3, "complete": True, "skipped": None,
                      "examples": [{"path": f"{SITE}/pkg", "owner_uid": 0,
                                    "owner_name": "root"}],
                      "owners": [{"uid": 0, "name": "root", "count": 3}]},
}

SYSTEM = {
    "interpreter": {"executable": "/usr/bin/python3", "prefix": "/usr", "base_prefix": "/usr"},
    "environment": {"kind": "system", "root": "/usr", "in_venv": False,
                    "system_site_packages": None, "virtual_env": None, "active": False,
                    "path_python_prefix": None,
                    "externally_managed": "/usr/lib/python3.11/EXTERNALLY-MANAGED"},
    "path": {"given": "/usr/local/lib/python3.11/dist-packages/pkg",
             "absolute": "/usr/local/lib/python3.11/dist-packages/pkg",
             "resolved": "/usr/local/lib/python3.11/dist-packages/pkg",
             "nearest_existing": "/usr/local/lib/python3.11/dist-packages",
             "ancestors": _ancestors(("/usr/local/lib/python3.11/dist-packages", 0),
                                     ("/usr/local/lib", 0), ("/usr/local", 0), ("/usr", 0),
                                     ("/", 0)),
             "environment_root": "/usr"},
    "user_site": {"enabled": True, "allowed": True, "on_sys_path": True},
}


def merge(*layers: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    result = copy.deepcopy(BASE)
    for layer in layers:
        for section, values in layer.items():
            result.setdefault(section, {}).update(copy.deepcopy(dict(values)))
    return result


def situation(facts: Mapping[str, Mapping[str, Any]], number: Optional[int] = errno.EACCES,
              filename: Optional[str] = f"{SITE}/pkg", requirements: tuple[str, ...] = ("pkg",),
              **options: Any) -> Situation:
    error = ErrorInfo(type="PermissionError", errno=number,
                      errno_name=errno.errorcode.get(number) if number else None,
                      strerror="Permission denied", filename=filename)
    context = InstallContext(options=InstallOptions(**options), requirements=requirements,
                             interpreter=str(facts["interpreter"]["executable"]))
    return Situation(error=error, context=context, facts=Facts(facts))


def decisions(s: Situation) -> dict[str, str]:
    found: dict[str, str] = {}
    for rule in BUILTIN_RULES:
        result = rule.check(s) if rule.serves(s.error) else None  # as the engine does
        if result is not None:
            assert isinstance(result, Diagnosis)
            assert result.id == rule.id
            found[rule.id] = result.confidence
    return found


MISMATCH = {"environment": {"mismatch": f"VIRTUAL_ENV is {HOME}/proj/.venv but pip runs in "
                                        f"{VENV}", "virtual_env": f"{HOME}/proj/.venv"}}

#: No activation variable: only the python3 first on PATH lies in another venv
#: (the demo run from a shell where a venv was activated: runuser keeps PATH).
PATH_ONLY = {"environment": {
    "virtual_env": None, "active": False, "mismatch_source": "PATH",
    "path_python": f"{HOME}/proj/.venv/bin/python3",
    "path_python_resolved": "/usr/bin/python3.11", "path_python_prefix": f"{HOME}/proj/.venv",
    "mismatch": f"the python3 first on PATH is {HOME}/proj/.venv/bin/python3 (environment "
                f"{HOME}/proj/.venv) but pip runs in {VENV}; no VIRTUAL_ENV or CONDA_PREFIX "
                "is set",
    "expected_root": f"{HOME}/proj/.venv", "expected_writable": True,
    "expected_owner_uid": 1000, "expected_owner_name": "alice"}}

CASES: list[tuple[str, dict[str, dict[str, Any]], dict[str, Any], dict[str, str]]] = [
    ("venv owned by root", merge(), {}, {"env-owned-by-other-user": "high"}),
    ("no errno is no evidence of a permission problem", merge(), {"number": None}, {}),
    ("ENOENT is not a permission problem", merge(), {"number": errno.ENOENT}, {}),
    ("EROFS on a read-only mount",
     merge({"path": {"readonly_mount": True, "mount_point": "/srv", "fs_type": "ext4"}}),
     {"number": errno.EROFS}, {"read-only-filesystem": "high"}),
    ("EACCES on a read-only mount",
     merge({"path": {"readonly_mount": True, "mount_point": "/srv"}}), {},
     {"read-only-filesystem": "medium", "env-owned-by-other-user": "high"}),
    ("ENOSPC", merge({"path": {"free_bytes": 0, "mount_point": "/srv"}}),
     {"number": errno.ENOSPC}, {"disk-full": "high"}),
    ("EDQUOT", merge(), {"number": getattr(errno, "EDQUOT", 122)}, {"disk-full": "high"}),
    ("no errno, no space measured", merge({"path": {"free_bytes": 0, "writable": True}}),
     {"number": None}, {"disk-full": "medium"}),
    ("root runs pip in root's venv", merge({"account": {"euid": 0, "uid": 0, "name": "root",
                                                        "is_root": True, "home": "/root"}}),
     {}, {}),
    ("activated another venv", merge(MISMATCH), {},
     {"wrong-environment": "high", "env-owned-by-other-user": "medium"}),
    ("python3 on PATH only: weak, below the measured owner", merge(PATH_ONLY), {},
     {"env-owned-by-other-user": "high", "wrong-environment": "low"}),
    ("python3 on PATH only, pip's own venv", merge(OWN_VENV, PATH_ONLY), {},
     {"foreign-owned-files": "high", "wrong-environment": "low"}),
    ("root-owned package in my venv", merge(OWN_VENV), {}, {"foreign-owned-files": "high"}),
    ("foreign files elsewhere in my venv",
     merge(OWN_VENV, {"path": {"owner_uid": 1000, "owner_name": "alice", "writable": True}}),
     {}, {"foreign-owned-files": "medium"}),
    ("my venv, nothing foreign",
     merge(OWN_VENV, {"path": {"owner_uid": 1000, "writable": True},
                      "foreign_files": {"count": 0, "examples": [], "owners": []}}),
     {}, {}),
    ("system Python", merge(SYSTEM), {"filename": "/usr/local/lib/python3.11/dist-packages/pkg"},
     {"system-site-packages": "high"}),
    ("system Python, path outside every environment",
     merge(SYSTEM, {"path": {"environment_root": None}}), {}, {}),
    ("--target owned by root",
     merge({"path": {"nearest_existing": "/srv/target", "environment_root": "/srv/target"}}),
     {"target": "/srv/target"}, {"install-target-not-writable": "high"}),
    ("--user with a root-owned ~/.local",
     merge(SYSTEM, {"path": {"nearest_existing": f"{HOME}/.local",
                             "environment_root": f"{HOME}/.local",
                             "ancestors": _ancestors((f"{HOME}/.local", 0), (HOME, 1000))}}),
     {"user": True}, {"install-target-not-writable": "high"}),
]


@pytest.mark.parametrize(("facts", "change", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_decisions(facts: dict[str, dict[str, Any]], change: dict[str, Any],
                        expected: dict[str, str]) -> None:
    assert decisions(situation(facts, **change)) == expected


def _diagnoses() -> list[tuple[str, Diagnosis]]:
    found = []
    for name, facts, change, _ in CASES:
        for rule in BUILTIN_RULES:
            result = rule.check(situation(facts, **change))
            if isinstance(result, Diagnosis):
                found.append((f"{name}: {rule.id}", result))
    return found


_ALL = _diagnoses()


@pytest.mark.parametrize("diagnosis", [d for _, d in _ALL], ids=[n for n, _ in _ALL])
def test_every_fix_keeps_the_contracts_promises(diagnosis: Diagnosis) -> None:
    known = {v.url for v in vars(_links).values() if isinstance(v, _links.Link)}
    assert diagnosis.evidence
    assert diagnosis.fixes
    assert diagnosis.links
    assert {link.url for link in diagnosis.links} <= known
    for fix in diagnosis.fixes:
        for command in fix.commands:
            words = shlex.split(command.text) if command.shell == "posix" else []
            text = command.text
            assert "sudo pip" not in text
            assert "777" not in text
            assert "--break-system-packages" not in text
            if "chown" in text:
                assert command.shell in ("posix", "fish")
                assert not (words and words[-1].startswith("/usr"))
            if words[:1] == ["sudo"]:
                assert fix.safety == "review"
        assert {c.shell for c in fix.commands} in (
            {"posix", "fish"}, {"posix", "fish", "powershell", "cmd"}
        )
    warnings = " ".join(diagnosis.warnings)
    if diagnosis.id != "disk-full":
        assert "sudo" in warnings


def _fix_text(facts: dict[str, dict[str, Any]], rule_id: str, **change: Any) -> list[str]:
    (rule,) = [r for r in BUILTIN_RULES if r.id == rule_id]
    result = rule.check(situation(facts, **change))
    assert isinstance(result, Diagnosis)
    return [f"{f.safety}: {c.text}" for f in result.fixes for c in f.commands
            if c.shell == "posix"]


def test_venv_first_and_no_user_install_under_pep_668() -> None:
    assert _fix_text(merge(SYSTEM), "system-site-packages") == [
        f"safe: /usr/bin/python3 -m venv {HOME}/.venv",
        f"safe: {HOME}/.venv/bin/python -m pip install pkg",
    ]


def test_user_install_offered_where_allowed_and_visible() -> None:
    facts = merge(SYSTEM, {"environment": {"externally_managed": None}})
    assert "safe: /usr/bin/python3 -m pip install --user pkg" in _fix_text(
        facts, "system-site-packages"
    )
    (rule,) = [r for r in BUILTIN_RULES if r.id == "system-site-packages"]
    result = rule.check(situation(facts))
    assert isinstance(result, Diagnosis)
    assert result.fixes[1].summary == (
        f"Install for your account only, into your user site-packages ({HOME}/.local); its "
        f"commands go to {HOME}/.local/bin, which is not on your PATH"
    )
    hidden = merge(facts, {"user_site": {"enabled": False}})
    assert not any("--user" in t for t in _fix_text(hidden, "system-site-packages"))


def test_chown_only_of_what_the_account_should_own() -> None:
    # /srv/app/venv is root's, its parent too: no chown, a venv of one's own.
    assert not any("chown" in t for t in _fix_text(merge(), "env-owned-by-other-user"))
    mine = merge({"path": {"ancestors": _ancestors((SITE, 0), (VENV, 0), ("/srv/app", 1000))}})
    assert _fix_text(mine, "env-owned-by-other-user")[0] == f"review: sudo chown -R alice {VENV}"


def test_unknown_requirements_use_a_named_placeholder() -> None:
    (rule,) = [r for r in BUILTIN_RULES if r.id == "system-site-packages"]
    result = rule.check(situation(merge(SYSTEM), requirements=()))
    assert isinstance(result, Diagnosis)
    assert "in place of PACKAGE" in result.fixes[0].summary
    assert result.fixes[0].commands[1].text.endswith(" -m pip install PACKAGE")


def test_paths_with_spaces_and_quotes_are_quoted_per_shell() -> None:
    odd = "/srv/it's my app/venv"
    facts = merge({"path": {"environment_root": odd,
                            "ancestors": _ancestors((odd, 0), ("/srv/it's my app", 1000))}})
    (rule,) = [r for r in BUILTIN_RULES if r.id == "env-owned-by-other-user"]
    result = rule.check(situation(facts))
    assert isinstance(result, Diagnosis)
    chown = {c.shell: c.text for c in result.fixes[0].commands}
    assert shlex.split(chown["posix"]) == ["sudo", "chown", "-R", "alice", odd]
    assert chown["fish"] == "sudo chown -R alice '/srv/it\\'s my app/venv'"


def _wrong_environment(facts: dict[str, dict[str, Any]]) -> Diagnosis:
    (rule,) = [r for r in BUILTIN_RULES if r.id == "wrong-environment"]
    result = rule.check(situation(facts))
    assert isinstance(result, Diagnosis)
    return result


def test_path_alone_names_the_python_on_path_not_its_target() -> None:
    result = _wrong_environment(merge(PATH_ONLY))
    assert result.title == (f"pip runs in `{VENV}`, not in the environment of the `python3` "
                            f"first on your PATH (`{HOME}/proj/.venv`)")
    assert f"{HOME}/proj/.venv/bin/python3 (environment" in result.evidence[0]
    assert "/usr/bin/python3.11" not in " ".join(result.evidence)
    assert _fix_text(merge(PATH_ONLY), "wrong-environment")[0] == (
        f"safe: {HOME}/proj/.venv/bin/python3 -m pip install pkg"
    )


def test_no_fix_into_an_environment_the_account_cannot_write() -> None:
    """The environment meant belongs to root: running pip there cannot work, so
    it is not offered (and never as safe); the evidence says why.
    """
    for source in (PATH_ONLY, MISMATCH):
        facts = merge(source, {"environment": {
            "expected_root": f"{HOME}/proj/.venv", "expected_writable": False,
            "expected_owner_uid": 0, "expected_owner_name": "root"}})
        result = _wrong_environment(facts)
        assert result.evidence[-1] == (f"`{HOME}/proj/.venv` belongs to root (uid 0), and you "
                                       "may not install there either")
        texts = _fix_text(facts, "wrong-environment")
        assert not any(f"{HOME}/proj/.venv/bin" in text for text in texts), texts
        assert texts[0] == f"safe: {VENV}/bin/python -m venv {HOME}/.venv"


def test_explain_covers_every_builtin_cause() -> None:
    assert set(CAUSES) == {rule.id for rule in BUILTIN_RULES}
    for cause_id in CAUSES:
        text = explain(cause_id)
        assert text is not None
        assert text.startswith(f"{cause_id}: ")
        for heading in ("What it is", "Why it happens", "How to fix it", "How to prevent it"):
            assert f"\n{heading}\n" in text
        assert all(len(line) <= 80 or "https://" in line for line in text.splitlines())
    assert explain("acme/nope") is None


def test_real_probes_as_the_account_in_a_root_owned_venv(
    account: Account, shared: Path, pdlib: Path  # noqa: F811
) -> None:
    venv = make_venv(shared / "venv")
    python = str(venv / "bin" / "python")
    site = next((venv / "lib").glob("python3.*")) / "site-packages"
    error = {"errno": 13, "strerror": "Permission denied", "filename": str(site / "pkg"),
             "filename2": None}
    report = diagnose_as(account, python, error, lib=pdlib,
                         env={"VIRTUAL_ENV": str(venv)}, requirements=["pkg"])
    facts = report["environment"]
    assert facts["path"]["environment_root"] == str(venv)
    got = decisions(situation(facts, filename=str(site / "pkg")))
    assert got == {"env-owned-by-other-user": "high"}
    got = decisions(situation(facts, number=errno.EROFS, filename=str(site / "pkg")))
    assert got == {"read-only-filesystem": "high"}


def test_real_environment_probe_with_another_venv_activated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "proj" / ".venv"
    monkeypatch.setenv("VIRTUAL_ENV", str(other))
    report = diagnose(PermissionError(13, "Permission denied", f"{sys.prefix}/lib/x"),
                      context=InstallContext(requirements=("pkg",)))
    diagnosis = report.get("wrong-environment")
    assert diagnosis is not None, report.facts.to_dict()["environment"]
    assert diagnosis.evidence[0] == f"VIRTUAL_ENV is {other} but pip runs in {sys.prefix}"
    assert diagnosis.fixes[0].commands[0].text == f"{other}/bin/python -m pip install pkg"


def test_enospc_without_a_file_does_not_blame_a_filesystem_with_space() -> None:
    facts = merge({"path": {"source": "scheme", "free_bytes": 10**9, "mount_point": "/"}})
    (rule,) = [r for r in BUILTIN_RULES if r.id == "disk-full"]
    result = rule.check(situation(facts, number=errno.ENOSPC, filename=None))
    assert isinstance(result, Diagnosis)
    assert result.title == "No space left on a filesystem pip writes to"
    assert ("the error names no file, and none of the places pip writes to that were "
            "measured is full") in result.evidence
    texts = [c.text for f in result.fixes for c in f.commands if c.shell == "posix"]
    assert f"env TMPDIR={HOME}/tmp {VENV}/bin/python -m pip install pkg" in texts


def test_enospc_without_a_file_or_a_measurement_says_it_was_not_measured() -> None:
    facts = merge({"path": {"source": "scheme", "free_bytes": None, "total_bytes": None,
                            "free_inodes": None, "mount_point": "/"}})
    (rule,) = [r for r in BUILTIN_RULES if r.id == "disk-full"]
    result = rule.check(situation(facts, number=errno.ENOSPC, filename=None))
    assert isinstance(result, Diagnosis)
    assert "not full" not in " ".join(result.evidence)
    assert ("the error names no file, and the free space of the places pip writes to "
            "was not measured") in result.evidence


def test_windows_system_python_simulated() -> None:
    """Facts in the shape the probes give on Windows (no uids): venv paths and
    quoting follow the platform, and no chown is offered. The failing place is
    not writable (the base facts): needs-admin, not system-site-packages.
    """
    prefix = "C:\\Program Files\\Python311"
    site = f"{prefix}\\Lib\\site-packages"
    facts = merge({
        "interpreter": {"executable": f"{prefix}\\python.exe", "platform": "win32",
                        "prefix": prefix, "base_prefix": prefix},
        "environment": {"kind": "other", "root": prefix, "in_venv": False, "virtual_env": None,
                        "path_python_prefix": None, "system_site_packages": None},
        "account": {"uid": None, "euid": None, "gid": None, "name": "alice",
                    "home": "C:\\Users\\alice", "is_root": False},
        "path": {"given": f"{site}\\pkg", "absolute": f"{site}\\pkg", "resolved": f"{site}\\pkg",
                 "nearest_existing": site, "owner_uid": None, "owner_name": "Administrators",
                 "ancestors": [], "environment_root": prefix, "mount_point": None},
    })
    got = situation(facts, filename=f"{site}\\pkg")
    assert decisions(got) == {"needs-admin": "high"}
    (rule,) = [r for r in BUILTIN_RULES if r.id == "needs-admin"]
    result = rule.check(got)
    assert isinstance(result, Diagnosis)
    by_shell = {}
    for command in result.fixes[0].commands:
        by_shell.setdefault(command.shell, []).append(command.text)
    assert by_shell["powershell"] == [
        "& 'C:\\Program Files\\Python311\\python.exe' -m venv C:\\Users\\alice\\.venv",
        "C:\\Users\\alice\\.venv\\Scripts\\python.exe -m pip install pkg",
    ]
    assert by_shell["cmd"][0] == (
        '"C:\\Program Files\\Python311\\python.exe" -m venv C:\\Users\\alice\\.venv'
    )
    assert not any("chown" in c.text for f in result.fixes for c in f.commands)


def test_no_chown_inside_the_base_interpreter_even_in_ones_home() -> None:
    """A venv inside the account's own pyenv build is still not chowned."""
    base = f"{HOME}/.pyenv/versions/3.11.7"
    venv = f"{base}/envs/app"
    facts = merge({"interpreter": {"base_prefix": base},
                   "path": {"environment_root": venv,
                            "ancestors": _ancestors((venv, 0), (f"{base}/envs", 1000))}})
    texts = _fix_text(facts, "env-owned-by-other-user")
    assert texts
    assert not any("chown" in t for t in texts)


@pytest.mark.parametrize("site", [
    f"{HOME}/.pyenv/versions/3.11.7/lib/python3.11/site-packages",
    "/usr/local/lib/python3.11/dist-packages",
], ids=["pyenv build in one's home", "user-owned /usr/local"])
def test_foreign_files_in_a_base_python_are_not_chowned(site: str) -> None:
    """The account owns a base interpreter's site-packages and some files in
    it are root's: the cause is named, but a system or base Python is never
    given a ``chown``.
    """
    prefix = site.split("/lib/", 1)[0] if "pyenv" in site else "/usr"
    facts = merge({
        "interpreter": {"executable": f"{prefix}/bin/python3", "prefix": prefix,
                        "base_prefix": prefix},
        "environment": {"kind": "system", "root": prefix, "in_venv": False},
        "path": {"nearest_existing": f"{site}/pkg", "exists": True, "owner_uid": 0,
                 "ancestors": _ancestors((f"{site}/pkg", 0), (site, 1000)),
                 "environment_root": prefix},
        "foreign_files": {"root": site, "root_owner_uid": 1000, "root_owner_name": "alice",
                          "scanned": 40, "count": 2, "complete": True, "skipped": None,
                          "examples": [{"path": f"{site}/pkg", "owner_uid": 0,
                                        "owner_name": "root"}],
                          "owners": [{"uid": 0, "name": "root", "count": 2}]},
    })
    texts = _fix_text(facts, "foreign-owned-files", filename=f"{site}/pkg")
    assert texts
    assert not any("chown" in t for t in texts)


def test_foreign_files_in_ones_own_venv_are_given_back_wherever_it_is() -> None:
    """The account's venv in a directory root owns (``/srv`` here): its
    root-owned files are still the account's to take back.
    """
    facts = merge(OWN_VENV, {"path": {"ancestors": _ancestors(
        (SITE, 1000), (f"{VENV}/lib", 1000), (VENV, 1000), ("/srv/app", 0), ("/srv", 0))}})
    assert _fix_text(facts, "foreign-owned-files")[0] == f"review: sudo chown -R alice {VENV}"


@pytest.mark.parametrize(("number", "named"), [(errno.EACCES, True), (errno.ENOSPC, False)])
def test_no_fix_creates_anything_in_a_home_that_is_not_the_accounts(number: int,
                                                                     named: bool) -> None:
    """``nobody``'s home is /nonexistent: fixes say DIRECTORY instead, and why."""
    # For ENOSPC the measured filesystem has room: the full one is elsewhere
    # (the temporary directory, say), and a fix builds in a directory of one's own.
    facts = merge({"account": {"home": "/nonexistent", "home_writable": False},
                   "path": {"source": "filename" if named else "scheme"}})
    target = "/srv/shared/target"
    s = situation(facts, number=number, filename=f"{target}/pkg" if named else None,
                  target=target)
    fixes = [f for rule in BUILTIN_RULES for d in ([rule.check(s)] if rule.check(s) else [])
             for f in d.fixes]
    assert fixes
    texts = [c.text for f in fixes for c in f.commands]
    assert not [t for t in texts if "/nonexistent" in t]
    placed = [f for f in fixes if any("DIRECTORY" in c.text for c in f.commands)]
    assert placed
    assert all("/nonexistent is missing or not yours" in f.summary for f in placed)


def test_a_failed_uninstall_is_never_told_to_install() -> None:
    """``pip uninstall`` of a root-owned package: no fix installs anything."""
    s = situation(BASE, requirements=("rootpkg",))
    s = Situation(error=s.error, facts=s.facts,
                  context=InstallContext(command="uninstall", requirements=("rootpkg",),
                                         interpreter=s.context.interpreter))
    fixes = [f for rule in BUILTIN_RULES for d in ([rule.check(s)] if rule.check(s) else [])
             for f in d.fixes]
    assert fixes
    texts = [c.text for f in fixes for c in f.commands]
    assert not [t for t in texts if " install" in t], texts
    assert not [f for f in fixes if "install into it" in f.summary]
