"""The Windows causes, on facts recorded on a real Windows CPython under Wine.

tests/data/windows-recorded.json holds what pip-doctor measured there (the
error, pip's part, every probe's facts) for a real ``[WinError 5]`` (an
unprivileged account, a Python installed by root at ``...\\Program Files``)
and a real ``[WinError 32]`` (a file held open by another Windows process);
tests/record_windows_facts.py writes it. Tests named "recorded" replay those
facts. Where Wine cannot reproduce a Windows behaviour (a 300-character path
with long paths off, an antivirus error, a Restart Manager that names the
holder, rights that allow the write), the test changes only the facts it names
and says so in its name ("recorded ... with ...").
"""

from __future__ import annotations

import copy
import errno
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

import pytest

from pip_doctor import _fixes
from pip_doctor._model import Diagnosis, ErrorInfo, Facts, InstallContext, Situation
from pip_doctor._rules import BUILTIN_RULES

RECORDED = json.loads(
    (Path(__file__).parent / "data" / "windows-recorded.json").read_text(encoding="utf-8")
)
ADMIN_CASE = "winerror-5-all-users-python"
HELD_CASE = "winerror-32-held-file"
PERMISSION_CAUSES = {"needs-admin", "system-site-packages", "install-target-not-writable",
                     "env-owned-by-other-user", "foreign-owned-files"}


def recorded(case: str, *, error: Optional[Mapping[str, Any]] = None,
             facts: Optional[Mapping[str, Mapping[str, Any]]] = None) -> Situation:
    """The recorded situation of ``case``, with ``error`` fields and ``facts`` keys replaced."""
    data = RECORDED[case]
    fields = {k: v for k, v in data["error"].items() if k not in ("family", "errno_name")}
    fields.update(error or {})
    number = fields.get("errno")
    environment = copy.deepcopy(data["environment"])
    for probe, values in (facts or {}).items():
        environment.setdefault(probe, {}).update(values)
    context = InstallContext(
        command=data["pip"]["command"],
        requirements=tuple(a for a in data["argv"][1:] if not a.startswith("-")),
        interpreter=environment["interpreter"]["executable"],
        pip_version=data["pip"]["version"],
    )
    return Situation(
        error=ErrorInfo(errno_name=errno.errorcode.get(number) if number else None, **fields),
        context=context,
        facts=Facts(environment),
    )


def diagnoses(situation: Situation) -> dict[str, Diagnosis]:
    found: dict[str, Diagnosis] = {}
    for rule in BUILTIN_RULES:
        result = rule.check(situation) if rule.serves(situation.error) else None
        if result is not None:
            assert isinstance(result, Diagnosis)
            found[rule.id] = result
    return found


def texts(diagnosis: Diagnosis, shell: str) -> list[str]:
    return [c.text for f in diagnosis.fixes for c in f.commands if c.shell == shell]


# ------------------------------------------------------------------ needs-admin


def test_recorded_winerror_5_all_users_python_is_needs_admin() -> None:
    found = diagnoses(recorded(ADMIN_CASE))
    assert set(found) == {"needs-admin"}
    result = found["needs-admin"]
    assert result.confidence == "high"
    evidence = "\n".join(result.evidence)
    assert "[WinError 5] Access denied" in evidence
    assert "NT AUTHORITY\\ANONYMOUS LOGON" in evidence  # the owner Wine gives root's files
    assert "no right to create files there" in evidence
    assert "Scripts" in evidence
    assert "uid" not in evidence
    assert "drwx" not in evidence


def test_recorded_needs_admin_speaks_windows() -> None:
    result = diagnoses(recorded(ADMIN_CASE))["needs-admin"]
    shells = {c.shell for f in result.fixes for c in f.commands}
    assert shells == {"powershell", "cmd"}
    everything = " ".join(texts(result, "powershell") + texts(result, "cmd")).lower()
    assert "sudo" not in everything
    assert "chmod" not in everything
    assert "chown" not in everything
    assert texts(result, "cmd")[0].startswith('"Z:\\tmp\\')  # the path with a space, quoted
    assert "\\Scripts\\python.exe -m pip install pd-tiny" in texts(result, "cmd")[1]
    assert result.warnings == (_fixes.WARN_ALWAYS_ELEVATED, _fixes.WARN_EVERYONE_FULL_CONTROL)
    elevated = [f for f in result.fixes if "elevated shell" in f.summary]
    assert [f.safety for f in elevated] == ["review"]


def test_recorded_winerror_5_with_rights_allowed_is_not_needs_admin() -> None:
    """Rights that allow the write (Wine gives none to another account): no cause
    named from a path that is not an all-users place.
    """
    allowed = recorded(ADMIN_CASE, facts={"path": {"writable": True},
                                          "windows": {"scripts_writable": True}})
    assert "needs-admin" not in diagnoses(allowed)


def test_recorded_winerror_5_rights_not_measured_under_program_files_is_medium() -> None:
    """Rights not measured (an API missing): the all-users place alone, medium."""
    root = "C:\\Program Files\\Python313"
    data = RECORDED[ADMIN_CASE]["environment"]
    old_root = data["environment"]["root"]
    filename = RECORDED[ADMIN_CASE]["error"]["filename"].replace(old_root, root)
    situation = recorded(
        ADMIN_CASE,
        error={"filename": filename},
        facts={"environment": {"root": root},
               "path": {"writable": None, "absolute": filename,
                        "nearest_existing": root + "\\Lib\\site-packages"},
               "windows": {"scripts_writable": None, "path_replaceable": None}},
    )
    result = diagnoses(situation)["needs-admin"]
    assert result.confidence == "medium"
    assert "were not measured" in " ".join(result.evidence)
    assert "under `C:\\Program Files`" in " ".join(result.evidence)


def test_needs_admin_never_on_posix() -> None:
    situation = recorded(ADMIN_CASE, facts={"interpreter": {"platform": "linux"}})
    assert "needs-admin" not in diagnoses(situation)


# ------------------------------------------------------------------ file in use


def test_recorded_winerror_32_is_not_a_permission_cause() -> None:
    situation = recorded(HELD_CASE)
    assert situation.error.family == "in-use"
    assert not PERMISSION_CAUSES & set(diagnoses(situation))


# --------------------------------------------------------------- path-too-long

LONG_NAME = "Z:\\tmp\\" + "\\".join(["deep-folder-name"] * 17) + "\\module.py"


def test_recorded_long_path_with_long_paths_off_is_path_too_long() -> None:
    """Recorded facts, with a 300-character path (Wine does not enforce MAX_PATH);
    LongPathsEnabled is as recorded: the key is absent under Wine, so off.
    """
    assert RECORDED[ADMIN_CASE]["environment"]["windows"]["long_paths_enabled"] is False
    situation = recorded(
        ADMIN_CASE,
        error={"type": "FileNotFoundError", "errno": errno.ENOENT, "winerror": 3,
               "strerror": "The system cannot find the path specified", "filename": LONG_NAME,
               "message": f"[WinError 3] The system cannot find the path specified: {LONG_NAME!r}"},
        facts={"windows": {"path": LONG_NAME, "path_length": len(LONG_NAME),
                           "longest_component": "deep-folder-name",
                           "longest_component_length": 16}},
    )
    assert len(LONG_NAME) > 260
    found = diagnoses(situation)
    assert "path-too-long" in found, found
    result = found["path-too-long"]
    assert result.confidence == "high"
    assert f"the path is {len(LONG_NAME)} characters long" in " ".join(result.evidence)
    assert any("reg add HKLM\\SYSTEM\\CurrentControlSet\\Control\\FileSystem" in t
               for t in texts(result, "cmd"))
    assert any("New-ItemProperty" in t for t in texts(result, "powershell"))
    assert result.fixes[0].safety == "review"  # machine-wide, needs an administrator


def test_recorded_long_component_is_path_too_long_even_with_long_paths_on() -> None:
    part = "x" * 300
    name = f"Z:\\tmp\\{part}.py"
    situation = recorded(
        ADMIN_CASE,
        error={"type": "OSError", "errno": errno.EINVAL, "winerror": 123, "filename": name,
               "strerror": "The filename, directory name, or volume label syntax is incorrect",
               "message": "[WinError 123] ..."},
        facts={"windows": {"path": name, "path_length": len(name), "long_paths_enabled": True,
                           "longest_component": part + ".py",
                           "longest_component_length": len(part) + 3}},
    )
    result = diagnoses(situation)["path-too-long"]
    assert "no part may be longer than 255" in " ".join(result.evidence)
    assert not any("New-ItemProperty" in t for t in texts(result, "powershell"))


def test_recorded_short_path_is_not_path_too_long() -> None:
    situation = recorded(ADMIN_CASE, error={"type": "FileNotFoundError", "errno": errno.ENOENT,
                                            "winerror": 2})
    assert "path-too-long" not in diagnoses(situation)


# ------------------------------------------------- blocked-by-security-software


def test_recorded_winerror_225_is_blocked_by_security_software() -> None:
    """Recorded facts with WinError 225 (no antivirus under Wine)."""
    situation = recorded(ADMIN_CASE, error={
        "type": "OSError", "errno": errno.EINVAL, "winerror": 225,
        "strerror": "Operation did not complete successfully because the file contains a "
        "virus or potentially unwanted software"})
    result = diagnoses(situation)["blocked-by-security-software"]
    assert result.confidence == "high"
    assert any("Get-MpThreatDetection" in t for t in texts(result, "powershell"))
    exclusion = [f for f in result.fixes if "exclude" in f.summary]
    assert [f.safety for f in exclusion] == ["review"]
    assert "real-time protection" in result.warnings[0]


@pytest.mark.parametrize(("writable", "expected"), [(True, "medium"), (None, "medium"),
                                                     (False, None)])
def test_recorded_einval_on_pip_temp_file(writable: Optional[bool],
                                          expected: Optional[str]) -> None:
    """EINVAL on pip's own fresh temp file; not when the account may not write there."""
    name = "C:\\users\\alice\\Temp\\pip-unpack-abc123\\numpy-2.1.0-cp313-win_amd64.whl"
    situation = recorded(
        ADMIN_CASE,
        error={"type": "OSError", "errno": errno.EINVAL, "winerror": None,
               "strerror": "Invalid argument", "filename": name},
        facts={"path": {"writable": writable}},
    )
    found = diagnoses(situation).get("blocked-by-security-software")
    assert (found.confidence if found else None) == expected


def test_no_security_software_cause_off_windows() -> None:
    situation = recorded(ADMIN_CASE, error={"winerror": 225},
                         facts={"interpreter": {"platform": "linux"}})
    assert "blocked-by-security-software" not in diagnoses(situation)


def test_recorded_winerror_32_is_file_in_use_holder_not_measured() -> None:
    """As measured under Wine: its Restart Manager names no process, so "not measured"."""
    result = diagnoses(recorded(HELD_CASE))["file-in-use"]
    assert result.confidence == "medium"
    assert "which process holds it was not measured" in result.evidence
    assert {c.shell for f in result.fixes for c in f.commands} == {"powershell", "cmd"}


def test_recorded_winerror_32_with_restart_manager_holders_names_the_process() -> None:
    """Recorded facts with what Windows' Restart Manager would add (Wine's names none)."""
    holders = [{"pid": 4242, "name": "Jupyter Notebook", "how": "restart-manager"}]
    situation = recorded(HELD_CASE, facts={"in_use": {"holders": holders, "measured": True,
                                                      "all_processes": True}})
    result = diagnoses(situation)["file-in-use"]
    assert result.confidence == "high"
    assert result.title.endswith("by Jupyter Notebook (pid 4242)")
    assert "process 4242 (Jupyter Notebook) holds it (Windows Restart Manager)" in result.evidence
    assert texts(result, "cmd")[0] == "taskkill /PID 4242"
    assert texts(result, "powershell")[0] == "Stop-Process -Id 4242"
    assert result.fixes[0].safety == "review"
    assert not any(t == "kill 4242" for t in texts(result, "posix"))


def test_recorded_winerror_32_on_pip_exe_is_the_self_upgrade() -> None:
    """Recorded facts with the failing file renamed to pip's own launcher."""
    site = RECORDED[HELD_CASE]["environment"]["environment"]["root"]
    pip_exe = site + "\\Scripts\\pip.exe"
    result = diagnoses(recorded(HELD_CASE, error={"filename": pip_exe}))["file-in-use"]
    assert "it is pip's own file: pip cannot replace what it runs from" in result.evidence
    cmd = texts(result, "cmd")
    assert any(t.endswith("-m pip install --upgrade pip") for t in cmd), cmd
    assert any(t.endswith("-m ensurepip --upgrade") for t in cmd), cmd


@pytest.mark.parametrize(("name", "writable", "expected"), [
    ("_speedups.cp313-win_amd64.pyd", True, "medium"),
    ("_speedups.cp313-win_amd64.pyd", False, None),
    ("module.py", True, None),
])
def test_recorded_winerror_5_on_a_loaded_module(name: str, writable: bool,
                                               expected: Optional[str]) -> None:
    """WinError 5 on a loaded .pyd where the account may write: in use, not rights."""
    site = RECORDED[ADMIN_CASE]["environment"]["scheme"]["purelib"]
    situation = recorded(ADMIN_CASE, error={"filename": f"{site}\\pkg\\{name}"},
                         facts={"path": {"writable": writable},
                                "windows": {"scripts_writable": True}})
    found = diagnoses(situation).get("file-in-use")
    assert (found.confidence if found else None) == expected


def test_recorded_winerror_32_in_onedrive_says_so() -> None:
    """Recorded facts with the environment in a OneDrive folder (none under Wine)."""
    root = RECORDED[HELD_CASE]["environment"]["environment"]["root"]
    situation = recorded(HELD_CASE, facts={"windows": {"onedrive": root,
                                                       "onedrive_roots": [root]}})
    evidence = diagnoses(situation)["file-in-use"].evidence
    assert any("OneDrive's synced folder" in line for line in evidence), evidence


@pytest.mark.parametrize(("alias", "this", "expected"), [
    (True, False, "WindowsApps alias"),
    (False, False, "another Python than the one that ran pip"),
    (False, True, None),
])
def test_recorded_needs_admin_names_the_python_on_path(alias: bool, this: bool,
                                                       expected: Optional[str]) -> None:
    """Recorded facts with a ``python`` on PATH (Wine's PATH has none)."""
    path_python = "C:\\Users\\alice\\AppData\\Local\\Microsoft\\WindowsApps\\python.exe"
    situation = recorded(ADMIN_CASE, facts={"windows": {
        "path_python": path_python, "path_python_is_alias": alias,
        "path_python_is_this": this}})
    evidence = " ".join(diagnoses(situation)["needs-admin"].evidence)
    if expected is None:
        assert "on PATH" not in evidence
    else:
        assert expected in evidence


def test_recorded_store_python_is_named() -> None:
    store = "C:\\Users\\alice\\AppData\\Local\\Packages\\PythonSoftwareFoundation.Python.3.13" \
        "_qbz5n2kfra8p0\\LocalCache\\local-packages"
    situation = recorded(ADMIN_CASE, facts={"windows": {"store_python": store}})
    assert any("Microsoft Store Python" in line
               for line in diagnoses(situation)["needs-admin"].evidence)


# ------------------------------------------------- the windows probe's helpers


def test_longest_component_ignores_the_drive() -> None:
    from pip_doctor._probes import windows

    assert windows.longest_component("C:\\a\\" + "b" * 300 + "\\c.py") == ("b" * 300, 300)
    assert windows.longest_component("") == (None, 0)


def test_store_prefix_and_onedrive_root() -> None:
    from pip_doctor._probes import windows

    user_base = ("C:\\Users\\a\\AppData\\Local\\Packages\\PythonSoftwareFoundation.Python.3.13_"
                 "qbz5n2kfra8p0\\LocalCache\\local-packages")
    assert windows.store_prefix(None, "C:\\Python313", user_base + "\\Python313") == user_base
    assert windows.store_prefix("C:\\Program Files\\Python313") is None
    assert windows.onedrive_root("C:\\Users\\a\\OneDrive\\proj\\.venv",
                                 ["C:\\Users\\a\\OneDrive"]) == "C:\\Users\\a\\OneDrive"
    assert windows.onedrive_root("C:\\Users\\a\\proj", ["C:\\Users\\a\\OneDrive"]) is None


def test_recorded_deleteme_rename_is_a_launcher_in_use() -> None:
    """Recorded facts with pip's ``X.exe -> X.exe.deleteme`` WinError 2 (Wine
    does not lock a running launcher).
    """
    scripts = RECORDED[ADMIN_CASE]["environment"]["windows"]["scripts"]
    exe = scripts + "\\black.exe"
    situation = recorded(ADMIN_CASE, error={
        "type": "FileNotFoundError", "errno": errno.ENOENT, "winerror": 2,
        "strerror": "The system cannot find the file specified", "filename": exe,
        "filename2": exe + ".deleteme"})
    found = diagnoses(situation)
    assert "file-in-use" in found, found
    result = found["file-in-use"]
    assert result.confidence == "medium"
    assert any(".deleteme" in line for line in result.evidence)
    assert "needs-admin" not in found  # a missing file is not a rights problem


def test_deleteme_off_windows_is_not_in_use() -> None:
    situation = recorded(ADMIN_CASE, error={
        "type": "FileNotFoundError", "errno": errno.ENOENT, "winerror": 2,
        "filename": "/x/black", "filename2": "/x/black.exe.deleteme"},
        facts={"interpreter": {"platform": "linux"}})
    assert "file-in-use" not in diagnoses(situation)


def test_the_windows_probe_produces_exactly_the_documented_keys() -> None:
    """Run here its platform-neutral half; the Win32 half fills the same keys."""
    from pip_doctor._probes import windows
    from test_probes import documented_keys

    facts = windows.run(recorded(ADMIN_CASE))
    assert set(facts) == documented_keys()["windows"]
    assert set(facts) == set(RECORDED[ADMIN_CASE]["environment"]["windows"])
