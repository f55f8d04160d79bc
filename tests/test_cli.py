"""The ``pip-doctor`` command line, run for real.

Commands that do not depend on who runs them run as root through
``python -m pip_doctor``. ``check``, ``diagnose`` and ``install`` run as the
throwaway ``account``, through the console script of a venv that has
pip-doctor's built wheel installed, on real ownership situations.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import scenarios
from pip_doctor import _cli, _manager

# ------------------------------------------------------------------ helpers


def run_module(*args: str, env: dict[str, str] | None = None,
               ) -> subprocess.CompletedProcess[str]:
    """``python -m pip_doctor ARGS`` in this interpreter, as the current user."""
    full_env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, **(env or {})}
    return subprocess.run([sys.executable, "-m", "pip_doctor", *args], env=full_env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def place(account: scenarios.Account) -> Iterator[Path]:
    """A module-wide directory under /tmp that every account can enter."""
    path = scenarios.shared_dir("pd-cli-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def venv(account: scenarios.Account, place: Path, wheelhouse: Path) -> Path:
    """The account's own venv (Debian's Python) with pip-doctor's wheel installed."""
    return scenarios.make_venv(place / "venv", owner=account, with_pip_doctor=True)


def site_packages(venv: Path) -> Path:
    (found,) = venv.glob("lib/python3*/site-packages")
    return found


def doctor(account: scenarios.Account, venv: Path, *args: str,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The venv's ``pip-doctor`` console script, run as ``account``."""
    return scenarios.run_as(account, [str(venv / "bin" / "pip-doctor"), *args],
                            env={"SHELL": "/bin/bash", **(env or {})})


def check_json(account: scenarios.Account, venv: Path, *args: str) -> tuple[int, dict]:
    result = doctor(account, venv, "check", "--format", "json", *args)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


# ---------------------------------------------------------- help, version


def test_help_names_every_subcommand_and_version_names_the_interpreter():
    result = run_module("--help")
    assert result.returncode == 0
    for command in ("install", "check", "diagnose", "explain", "plugins"):
        assert f"    {command}  " in result.stdout
    version = run_module("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("pip-doctor ")
    assert sys.executable in version.stdout


def test_no_subcommand_prints_help_and_exits_2():
    result = run_module()
    assert result.returncode == 2
    assert "usage: pip-doctor" in result.stdout


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["diagnose"], "give --errno and --filename"),
        (["diagnose", "--errno", "EWHATEVER", "--filename", "/x"], "unknown errno"),
        (["diagnose", "--filename", "/x"], "--filename needs --errno"),
        (["diagnose", "--message", "x", "--filename2", "/y"], "--filename needs --errno"),
        (["diagnose", "--errno", "99999", "--filename", "/x"], "unknown errno '99999'"),
        (["diagnose", "--errno", "-5", "--filename", "/x"], "unknown errno '-5'"),
        (["diagnose", "--errno", "0", "--filename", "/x"], "unknown errno '0'"),
        (["diagnose", "--errno", "EACCES", "--filename", ""], "--filename is empty"),
        (["diagnose", "--errno", "99999", "--filename", ""], "--filename is empty"),
        (["check", "--shell", "tcsh"], "unknown shell"),
        (["check", "--user", "--target", "/x"], "not allowed with argument"),
    ],
)
def test_bad_arguments_exit_2_with_a_reason(args, complaint):
    result = run_module(*args)
    assert result.returncode == 2
    assert complaint in result.stderr


def test_an_errno_without_a_file_measures_where_pip_would_install():
    """Documented: --errno alone is an error that names no file (pip's ENOSPC may)."""
    result = run_module("diagnose", "--errno", "ENOSPC", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["error"]["errno_name"], data["error"]["filename"]) == ("ENOSPC", None)
    assert data["environment"]["path"]["source"] == "scheme"
    message = run_module("diagnose", "--message", "disk on fire", "--format", "json")
    assert json.loads(message.stdout)["error"]["message"] == "disk on fire"


@pytest.mark.parametrize("command", [["plugins"], ["diagnose", "--errno", "EACCES",
                                                    "--filename", "/nowhere/x"]])
def test_format_json_and_json_are_one_option_on_every_command(command):
    spelled = [json.loads(run_module(*command, *flag).stdout)
               for flag in (["--format", "json"], ["--json"])]
    for data in spelled:
        data.get("environment", {}).pop("foreign_files", None)  # timings differ
    assert spelled[0].keys() == spelled[1].keys()
    if command == ["plugins"]:
        assert spelled[0] == spelled[1]


def test_json_is_utf8_and_text_is_escaped_when_stdout_cannot_encode(tmp_path):
    place = tmp_path / "café ☕"
    place.mkdir()
    args = ("diagnose", "--errno", "EACCES", "--filename", str(place / "x"))
    env = {"PYTHONIOENCODING": "ascii"}
    full_env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, **env}
    raw = subprocess.run([sys.executable, "-m", "pip_doctor", *args, "--format", "json"],
                         env=full_env, capture_output=True, check=False)
    assert raw.returncode == 0, raw.stderr
    assert json.loads(raw.stdout.decode("utf-8"))["error"]["filename"] == str(place / "x")
    text = run_module(*args, env=env)
    assert text.returncode == 0, text.stderr
    assert "caf\\xe9 \\u2615" in text.stdout
    assert "×" not in text.stdout


# ---------------------------------------------------------------- explain


def test_explain_lists_every_cause_id_with_its_title():
    from pip_doctor._explain import CAUSES

    result = run_module("explain")
    assert result.returncode == 0
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    listed = [line.split()[0] for line in result.stdout.splitlines() if line[2:3].strip()]
    assert listed == list(CAUSES)
    for cause_id in ("system-site-packages", "env-owned-by-other-user", "foreign-owned-files",
                     "install-target-not-writable", "wrong-environment",
                     "read-only-filesystem", "disk-full"):
        assert cause_id in listed


def test_explain_of_a_cause_prints_its_long_text():
    from pip_doctor._explain import explain

    result = run_module("explain", "foreign-owned-files")
    assert result.returncode == 0
    assert result.stdout.strip() == (explain("foreign-owned-files") or "").strip()
    assert len(result.stdout) > 200


def test_explain_of_an_unknown_id_lists_the_known_ones_and_exits_2():
    result = run_module("explain", "no-such-cause")
    assert result.returncode == 2
    assert "unknown cause id 'no-such-cause'" in result.stderr
    assert "disk-full" in result.stderr


# ---------------------------------------------------------------- plugins


@pytest.fixture
def plugin_dir(tmp_path: Path) -> Path:
    (tmp_path / "pd_cli_good.py").write_text(textwrap.dedent("""
        from pip_doctor import Probe, Rule, hookimpl

        @hookimpl
        def pip_doctor_probes():
            return [Probe(id="cligood/probe", run=lambda situation: {})]

        @hookimpl
        def pip_doctor_rules():
            return [Rule(id="cligood/rule", check=lambda situation: None),
                    Rule(id="cligood/blocked-rule", check=lambda situation: None)]
    """))
    (tmp_path / "pd_cli_bad.py").write_text("raise RuntimeError('cannot start')\n")
    (tmp_path / "pd_cli_blocked.py").write_text("")
    return tmp_path


def test_plugins_json_lists_builtins_and_env_plugins_with_status(plugin_dir, monkeypatch):
    env = {
        "PYTHONPATH": str(plugin_dir),
        "PIP_DOCTOR_PLUGINS": "pd_cli_good,pd_cli_bad,pd_cli_blocked",
        "PIP_DOCTOR_BLOCK": "pd_cli_blocked,cligood/blocked-rule",
    }
    result = run_module("plugins", "--json", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    plugins = {p["name"]: p for p in data["plugins"]}
    assert plugins["pip_doctor.probes"]["origin"] == "builtin"
    assert "path" in plugins["pip_doctor.probes"]["probes"]
    assert "foreign-owned-files" in plugins["pip_doctor.rules"]["rules"]
    good = plugins["pd_cli_good"]
    assert (good["origin"], good["status"]) == ("env", "loaded")
    assert good["probes"] == ["cligood/probe"]
    assert good["rules"] == ["cligood/rule", "cligood/blocked-rule"]
    assert good["blocked_ids"] == ["cligood/blocked-rule"]
    assert plugins["pd_cli_bad"]["status"] == "failed"
    assert "cannot start" in plugins["pd_cli_bad"]["error"]
    assert plugins["pd_cli_blocked"]["status"] == "blocked"
    # the same as the manager in a process with the same environment
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.syspath_prepend(str(plugin_dir))
    _manager.reset_manager()
    assert data["plugins"] == [info.to_dict() for info in _manager.get_manager().infos]


@pytest.mark.parametrize(
    ("option", "env", "expected"),
    [
        ([], {"SHELL": "/bin/bash"}, """'/opt/bob'"'"'s env/python' -m pip list"""),
        ([], {"SHELL": "/usr/bin/fish"}, "'/opt/bob\\'s env/python' -m pip list"),
        (["--shell", "powershell"], {"SHELL": "/usr/bin/fish"},
         "& '/opt/bob''s env/python' -m pip list"),
        ([], {"PIP_DOCTOR_SHELL": "cmd"}, '"/opt/bob\'s env/python" -m pip list'),
    ],
)
def test_fix_commands_follow_the_shell_option_and_environment(tmp_path, option, env,
                                                               expected):
    (tmp_path / "pd_cli_fix.py").write_text(textwrap.dedent("""
        from pip_doctor import Diagnosis, Fix, Rule, hookimpl, shell_commands

        def _always(situation):
            return Diagnosis(id="clifix/always", title="Always", confidence="high",
                             fixes=[Fix(summary="List", commands=shell_commands(
                                 ["/opt/bob's env/python", "-m", "pip", "list"]))])

        @hookimpl
        def pip_doctor_rules():
            return [Rule(id="clifix/always", check=_always)]
    """))
    result = run_module("diagnose", "--errno", "13", "--filename", str(tmp_path / "x"),
                        *option, env={"PYTHONPATH": str(tmp_path),
                                      "PIP_DOCTOR_PLUGINS": "pd_cli_fix",
                                      "PIP_DOCTOR_SHELL": "", **env})
    assert result.returncode == 0, result.stderr
    assert f"\n        {expected}\n" in result.stdout


def test_plugins_text_shows_each_plugin_and_its_ids():
    result = run_module("plugins")
    assert result.returncode == 0
    assert "pip_doctor.probes  [loaded, builtin: pip-doctor" in result.stdout
    assert "    rules: " in result.stdout
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    # Ids are wrapped between ids, never inside one (not at their hyphens).
    listed = " ".join(line.strip() for line in result.stdout.splitlines()
                      if line.startswith("      ") or ": " in line).replace(",", " ").split()
    for rule in _manager.get_manager().get_rules():
        assert rule.item.id in listed


def test_a_reader_that_goes_away_is_not_an_error():
    shell = f"{sys.executable} -m pip_doctor plugins --json | head -c 10 >/dev/null"
    result = subprocess.run(["sh", "-c", shell], capture_output=True, text=True, check=False)
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------- progress


def read_all(fd: int) -> str:
    """Everything written to a pseudo-terminal so far."""
    os.set_blocking(fd, False)
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode()


def test_progress_shows_on_a_terminal_after_a_moment_and_is_erased():
    leader, follower = os.openpty()
    stream = open(follower, "w", encoding="utf-8")  # noqa: SIM115
    try:
        with _cli.progress("probing", stream=stream, after=0.05):
            time.sleep(0.4)
        shown = read_all(leader)
    finally:
        stream.close()
        os.close(leader)
    assert "pip-doctor: probing... " in shown
    assert shown.endswith("\r\x1b[K")


def output_on_a_terminal(*args: str, env: dict[str, str]) -> str:
    """What ``python -m pip_doctor ARGS`` writes when its stdout is a terminal."""
    leader, follower = os.openpty()
    try:
        full_env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, **env}
        subprocess.run([sys.executable, "-m", "pip_doctor", *args], env=full_env,
                       stdout=follower, stderr=subprocess.DEVNULL, timeout=120, check=False)
        return read_all(leader)
    finally:
        os.close(follower)
        os.close(leader)


@pytest.mark.parametrize(
    ("on_terminal", "env", "coloured"),
    [
        (True, {}, True),
        (True, {"NO_COLOR": "1"}, False),
        (False, {}, False),
        (False, {"FORCE_COLOR": "1"}, True),
        (True, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
)
def test_colour_only_on_a_terminal_honouring_no_color_and_force_color(
    tmp_path, on_terminal, env, coloured
):
    args = ("diagnose", "--errno", "EACCES", "--filename", str(tmp_path / "x"))
    env = {"TERM": "xterm", **env}
    for name in ("NO_COLOR", "FORCE_COLOR"):
        env.setdefault(name, "")
    out = output_on_a_terminal(*args, env=env) if on_terminal else run_module(
        *args, env=env).stdout
    assert "pip-doctor" in out
    assert ("\x1b[" in out) is coloured


def test_no_progress_when_quick_or_not_on_a_terminal(tmp_path):
    leader, follower = os.openpty()
    stream = open(follower, "w", encoding="utf-8")  # noqa: SIM115
    log = open(tmp_path / "log", "w", encoding="utf-8")  # noqa: SIM115
    try:
        with _cli.progress("quick", stream=stream, after=0.5):
            pass
        with _cli.progress("slow", stream=log, after=0.01):
            time.sleep(0.1)
        assert read_all(leader) == ""
    finally:
        stream.close()
        log.close()
        os.close(leader)
    assert (tmp_path / "log").read_text() == ""


# ------------------------------------------------------- diagnose (account)


def test_diagnose_a_described_error_on_a_root_owned_directory(account, venv, place):
    locked = place / "locked dir"
    locked.mkdir(exist_ok=True)
    result = doctor(account, venv, "diagnose", "--errno", "EACCES", "--filename",
                    str(locked / "pkg" / "x.py"), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["schema_version"] == 1
    assert data["error"]["errno"] == 13
    assert data["environment"]["path"]["nearest_existing"] == str(locked)
    assert data["environment"]["path"]["owner_name"] == "root"
    assert data["environment"]["path"]["writable"] is False
    assert data["environment"]["account"]["name"] == account.name
    text = doctor(account, venv, "diagnose", "--errno", "13", "--filename",
                  str(locked / "pkg" / "x.py"))
    assert text.returncode == 0
    assert "\x1b" not in text.stdout  # not a terminal: no colour
    if data["diagnoses"]:
        assert f"pip-doctor explain {data['diagnoses'][0]['id']}" in text.stdout
    else:
        assert "no known cause matched" in text.stdout
        assert "owner root" in text.stdout


def test_diagnose_a_path_of_another_python_for_what_it_is(account, venv, place):
    """The README's use for ``uv pip``: a path in the system Python's site-packages,
    diagnosed from a venv's pip-doctor, is that Python's, not "no known cause".
    """
    path = "/usr/lib/python3/dist-packages/foo"
    result = doctor(account, venv, "diagnose", "--errno", "EACCES", "--filename", path, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    facts = data["environment"]["path"]
    assert (facts["environment_root"], facts["environment_kind"]) == ("/usr", "system")
    assert facts["in_this_environment"] is False
    best = data["diagnoses"][0]
    assert best["id"] == "system-site-packages"
    assert best["title"].startswith("pip is installing into the system Python at `/usr`")
    assert any("not in the environment of the Python that measured it" in line
               for line in best["evidence"])
    # A venv of another account, named from outside it: whose environment it is.
    theirs = scenarios.make_venv(place / "theirs-venv")
    other = doctor(account, venv, "diagnose", "--errno", "EACCES", "--filename",
                   str(site_packages(theirs) / "pkg"), "--json")
    other_data = json.loads(other.stdout)
    assert other_data["environment"]["path"]["environment_kind"] == "venv"
    assert other_data["diagnoses"][0]["id"] == "env-owned-by-other-user"
    assert f"`{theirs}`" in other_data["diagnoses"][0]["title"]


# ---------------------------------------------------------- check (account)


def test_check_is_clear_in_the_accounts_own_venv(account, venv):
    result = doctor(account, venv, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verdict: clear" in result.stdout
    assert str(site_packages(venv)) in result.stdout
    code, data = check_json(account, venv)
    assert code == 0
    assert data["clear"] is True
    assert data["findings"] == [] or all(f["severity"] == "note" for f in data["findings"])
    assert {d["role"] for d in data["destinations"]} >= {"purelib", "scripts"}
    assert all(d["writable"] for d in data["destinations"])
    assert data["schema_version"] == 1
    # A preflight has no error: its JSON says so, and invents none.
    assert (data["command"], data["error"]) == ("check", None)
    assert "pip-doctor check" not in json.dumps(data["environment"])


def test_check_finds_a_root_owned_package_in_the_accounts_venv(account, venv):
    package = site_packages(venv) / "rootowned"
    package.mkdir()  # made by root: owned by root
    (package / "__init__.py").write_text("")
    try:
        result = doctor(account, venv, "check")
        code, data = check_json(account, venv)
    finally:
        shutil.rmtree(package)
    assert result.returncode == 1
    assert "belong to other accounts (root: 2)" in " ".join(result.stdout.split())
    assert str(package) in result.stdout
    assert code == 1
    assert data["clear"] is False
    (foreign,) = [f for f in data["findings"] if f["kind"] == "foreign-files"]
    assert foreign["severity"] == "problem"
    assert str(package / "__init__.py") in foreign["paths"]
    assert foreign["cause"] == "foreign-owned-files"
    assert "more: pip-doctor explain foreign-owned-files" in result.stdout


def test_check_finds_leftovers_and_shows_how_to_remove_them(account, venv):
    stash = site_packages(venv) / "~ldpkg"
    stash.mkdir()
    scenarios.chown_tree(stash, account)
    try:
        result = doctor(account, venv, "check")
    finally:
        shutil.rmtree(stash)
    assert result.returncode == 1
    assert "~ldpkg" in result.stdout
    assert f"rm -rf -- '{stash}'" in result.stdout


def test_check_with_user_in_a_venv_says_pip_will_refuse(account, venv):
    code, data = check_json(account, venv, "--user")
    assert code == 1
    assert data["options"]["user"] is True
    assert "user-not-allowed" in {f["kind"] for f in data["findings"]}


def test_check_of_a_root_owned_target_as_the_account(account, venv, place):
    target = place / "target"
    target.mkdir(exist_ok=True)
    code, data = check_json(account, venv, "--target", str(target))
    assert code == 1
    assert data["options"]["target"] == str(target)
    kinds = {f["kind"] for f in data["findings"]}
    assert "not-writable" in kinds
    (finding,) = [f for f in data["findings"] if f["paths"] == [str(target)]]
    assert "belongs to root" in finding["message"]
    assert finding["cause"] == "install-target-not-writable"


def test_check_in_roots_venv_as_the_account_offers_a_venv_of_its_own(account, place):
    """Not writable, no option chose the place: the fix is a venv the account owns;
    the scan's note speaks of the environment's directory, not of "root".
    """
    theirs = scenarios.make_venv(place / "roots-venv", with_pip_doctor=True)
    result = doctor(account, theirs, "check")
    code, data = check_json(account, theirs)
    assert result.returncode == code == 1
    (purelib,) = [f for f in data["findings"]
                  if f["kind"] == "not-writable" and "purelib" in f["message"]]
    assert purelib["cause"] == "env-owned-by-other-user"
    (fix,) = purelib["fixes"]
    assert fix["safety"] == "safe"
    assert fix["commands"][0]["text"] == f"{theirs}/bin/python -m venv {account.home}/.venv"
    assert "environment's directory belongs to another account" in " ".join(result.stdout.split())
    assert "(root is not" not in result.stdout
    # The fix's lines are indented under their finding and still fit 80 columns.
    long = [line for line in result.stdout.splitlines()
            if len(line) > 80 and not line.lstrip().startswith("/")]
    assert long == []


# -------------------------------------------------------- install (account)


def test_install_gives_pips_message_and_status_then_the_diagnosis(account, venv, place):
    wheels = place / "wheels"
    scenarios.make_wheel(wheels, "pdcli-pkg", "1.0")
    scenarios.make_wheel(wheels, "pdcli-pkg", "2.0")
    python = str(venv / "bin" / "python")

    def install_old_version_as_root() -> None:
        """The same start for each run: version 1.0 freshly installed by root."""
        subprocess.run([python, "-m", "pip", "uninstall", "-y", "-q", "pdcli-pkg"],
                       check=False, capture_output=True)
        for leftover in site_packages(venv).glob("~*"):
            shutil.rmtree(leftover)
        scenarios.run_checked([python, "-m", "pip", "install", "-q", "--no-index",
                               "--find-links", str(wheels), "pdcli-pkg==1.0"])

    args = ["--no-index", "--find-links", str(wheels), "pdcli-pkg==2.0"]
    try:
        install_old_version_as_root()
        plain = scenarios.run_as(account, [python, "-m", "pip", "install", *args],
                                 env={"PIP_DOCTOR_DISABLE": "1"})
        install_old_version_as_root()  # the failed upgrade may have changed the venv
        result = doctor(account, venv, "install", *args, env={"PIP_DOCTOR_DISABLE": "1"})
    finally:
        subprocess.run([python, "-m", "pip", "uninstall", "-y", "-q", "pdcli-pkg"],
                       check=False, capture_output=True)
        for leftover in site_packages(venv).glob("~*"):
            shutil.rmtree(leftover)
    assert plain.returncode == result.returncode == 1
    first = "ERROR: Could not install packages due to an OSError"
    assert first in plain.stderr
    assert first in result.stderr
    # pip's own text comes first, unchanged, then pip-doctor's
    ours = result.stderr[result.stderr.index(first):]
    theirs = plain.stderr[plain.stderr.index(first):]
    assert ours.startswith(theirs.rstrip("\n"))
    assert "\npip-doctor: " in ours
    assert "pip-doctor" not in plain.stderr
