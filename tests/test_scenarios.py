"""The engine on real situations: real accounts, ownership, mounts and pip.

Each test builds a situation on disk as root, makes a real ``pip install`` fail
as the throwaway unprivileged ``account``, diagnoses that very error as the
account with the interpreter pip ran in, checks the top cause and that the
evidence names the measured owner and path, then runs the proposed fix's posix
commands for real and checks that the install now succeeds.

pip is pointed at a local wheelhouse through ``PIP_NO_INDEX``/``PIP_FIND_LINKS``
so that the fix commands run exactly as pip-doctor printed them.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Optional

import pytest

import scenarios
from scenarios import SYSTEM_PYTHON, Account, make_venv, make_wheel, run_as

pytestmark = pytest.mark.e2e

#: ``str(error)`` of an OSError after pip's own first line ("... due to an
#: OSError: ") or, where pip does not handle it, the traceback's last line.
_PIP_LINE = re.compile(
    r"^(?:ERROR: Could not install packages due to an OSError|\w*Error): "
    r"\[Errno (\d+)\] ([^:\n]+?)(?:: (.+))?$",
    re.MULTILINE,
)

_DIAGNOSE = """
import json, sys
from pip_doctor import InstallContext, InstallOptions, _api, _engine
spec = json.loads(sys.argv[1])
error = OSError(spec["errno"], spec["strerror"], spec["filename"], None, spec["filename2"])
context = InstallContext(options=InstallOptions(**spec["options"]),
                         requirements=spec["requirements"], interpreter=sys.executable)
budget = _engine.Budget(**spec["budget"])  # patient: the facts, not the speed, are tested
print(_api.run_diagnosis(error, context, budget).to_json())
"""


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="session")
def pdlib(wheelhouse: Path) -> Iterator[Path]:
    """pip-doctor and its runtime dependencies in a directory every account can
    put on PYTHONPATH (any interpreter under test can then diagnose).
    """
    lib = scenarios.shared_dir("pd-lib-")
    scenarios.run_checked(
        [SYSTEM_PYTHON, "-m", "pip", "install", "-q", "--no-deps", "--target", str(lib),
         "--no-index", "--find-links", str(wheelhouse),
         "pip-doctor", "attrs", "pluggy", "packaging"],
        env={"PATH": "/usr/bin:/bin", "PIP_CONFIG_FILE": "/dev/null"},
    )
    subprocess.run(["chmod", "-R", "a+rX", str(lib)], check=True)
    try:
        yield lib
    finally:
        shutil.rmtree(lib, ignore_errors=True)


@pytest.fixture
def wheels(shared: Path) -> Path:
    """A wheelhouse of tiny packages for the scenario installs."""
    house = shared / "wheels"
    make_wheel(house, "pdt-pkg", "1.0")
    make_wheel(house, "pdt-pkg", "2.0")
    make_wheel(house, "pdt-big", "1.0", payload_bytes=4 * 1024 * 1024)
    house.chmod(0o755)
    return house


@pytest.fixture
def clean_home(account: Account) -> Iterator[Account]:
    """The account, with what a fix may create in its home removed afterwards."""
    yield account
    for name in (".venv", ".venv-pip-doctor", ".local", ".cache", "target", "target-new"):
        path = Path(account.home) / name
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


# ------------------------------------------------------------------- helpers


def pip_env(wheels: Path, extra: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels), **(extra or {})}


def activated(venv: Path, env: Mapping[str, str]) -> dict[str, str]:
    """The environment variables of a shell where ``venv`` is activated."""
    return {**env, "VIRTUAL_ENV": str(venv), "PATH": f"{venv}/bin:/usr/local/bin:/usr/bin:/bin"}


def failed_error(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The OSError pip reported, read back from pip's own first line."""
    assert result.returncode != 0, result.stdout + result.stderr
    found = _PIP_LINE.search(result.stderr)
    assert found, result.stderr
    number, strerror, rest = found.groups()
    names = [ast.literal_eval(part) for part in rest.split(" -> ")] if rest else [None]
    return {
        "errno": int(number),
        "strerror": strerror,
        "filename": names[0],
        "filename2": names[1] if len(names) > 1 else None,
    }


def diagnose_as(
    account: Account,
    python: str,
    error: Mapping[str, Any],
    *,
    lib: Path,
    env: Mapping[str, str],
    requirements: Sequence[str],
    **options: Any,
) -> dict[str, Any]:
    """Diagnose ``error`` as ``account`` in ``python``; the JSON report."""
    spec = {**error, "options": options, "requirements": list(requirements),
            "budget": scenarios.PATIENT}
    result = run_as(account, [python, "-c", _DIAGNOSE, json.dumps(spec)],
                    env={**env, "PYTHONPATH": str(lib)})
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    rule_problems = [p for p in report["problems"] if p["source"].startswith("rule ")]
    assert not rule_problems, rule_problems
    return report


def top(report: Mapping[str, Any]) -> dict[str, Any]:
    assert report["diagnoses"], json.dumps(report["environment"], indent=1)
    best: dict[str, Any] = report["diagnoses"][0]
    return best


def evidence_text(diagnosis: Mapping[str, Any]) -> str:
    return "\n".join(diagnosis["evidence"])


def first_fix(diagnosis: Mapping[str, Any], safety: str) -> dict[str, Any]:
    for fix in diagnosis["fixes"]:
        if fix["safety"] == safety:
            return dict(fix)
    raise AssertionError(f"no {safety} fix in {diagnosis['fixes']}")


def posix_commands(fix: Mapping[str, Any]) -> list[str]:
    commands = [c["text"] for c in fix["commands"] if c["shell"] == "posix"]
    assert commands, fix
    return commands


def run_fix(account: Optional[Account], fix: Mapping[str, Any], env: Mapping[str, str]) -> None:
    """Run the fix's posix commands with ``sh`` as ``account`` (None: as root).

    A command that says ``sudo`` is run as root; this machine has no ``sudo``
    program, so the word itself is dropped.
    """
    for text in posix_commands(fix):
        as_root = shlex.split(text)[0] == "sudo"
        if as_root:
            text = text.split(" ", 1)[1]
        result = run_as(None if as_root else account, ["sh", "-c", text], env=env)
        assert result.returncode == 0, (text, result.stdout, result.stderr)


def imports(account: Account, python: str, module: str, version: str) -> bool:
    result = run_as(account, [python, "-c", f"import {module}; print({module}.__version__)"])
    return result.returncode == 0 and result.stdout.strip() == version


# --------------------------------------------------------------------- tests


def test_system_python_owned_by_root(clean_home: Account, wheels: Path, pdlib: Path) -> None:
    account = clean_home
    env = pip_env(wheels, {"PYTHONNOUSERSITE": "1"})
    failing = run_as(account, [SYSTEM_PYTHON, "-m", "pip", "install", "pdt-pkg"],
                     env={**env, "PIP_BREAK_SYSTEM_PACKAGES": "1"})
    error = failed_error(failing)
    report = diagnose_as(account, SYSTEM_PYTHON, error, lib=pdlib, env=env,
                         requirements=["pdt-pkg"])
    best = top(report)
    assert best["id"] == "system-site-packages"
    assert best["confidence"] == "high"
    nearest = report["environment"]["path"]["nearest_existing"]
    assert error["filename"].startswith(nearest)
    assert f"`{nearest}` is owned by root (uid 0)" in evidence_text(best)
    assert f"you are {account.name} (uid {account.uid})" in evidence_text(best)
    assert "EXTERNALLY-MANAGED" in evidence_text(best)
    fixes = " ".join(c["text"] for f in best["fixes"] for c in f["commands"])
    assert "--user" not in fixes  # PEP 668 marker and no user site: no --user
    assert "sudo" not in fixes
    fix = first_fix(best, "safe")
    run_fix(account, fix, pip_env(wheels))
    assert imports(account, f"{account.home}/.venv/bin/python", "pdt_pkg", "2.0")


@pytest.fixture
def other_account() -> Iterator[Account]:
    """A second unprivileged account, removed after the test."""
    other = scenarios.create_account("pdo")
    try:
        yield other
    finally:
        scenarios.delete_account(other)


@pytest.mark.parametrize("owner", ["root", "another account"])
def test_venv_owned_by_another_account(
    clean_home: Account, other_account: Account, shared: Path, wheels: Path, pdlib: Path,
    owner: str,
) -> None:
    account = clean_home
    if owner == "root":  # as with `sudo python3 -m venv`
        venv, owner_text = make_venv(shared / "venv"), "root (uid 0)"
    else:
        venv = make_venv(shared / "venv", owner=other_account)
        owner_text = f"{other_account.name} (uid {other_account.uid})"
    env = activated(venv, pip_env(wheels))
    python = str(venv / "bin" / "python")
    error = failed_error(run_as(account, [python, "-m", "pip", "install", "pdt-pkg"], env=env))
    report = diagnose_as(account, python, error, lib=pdlib, env=env, requirements=["pdt-pkg"])
    best = top(report)
    assert best["id"] == "env-owned-by-other-user"
    assert best["confidence"] == "high"
    assert f"`{venv}` is owned by {owner_text}; you are {account.name} (uid {account.uid})" in (
        evidence_text(best)
    )
    # The venv is not the account's to take: no chown is offered.
    assert all("chown" not in c["text"] for f in best["fixes"] for c in f["commands"])
    run_fix(account, first_fix(best, "safe"), pip_env(wheels))
    assert imports(account, f"{account.home}/.venv/bin/python", "pdt_pkg", "2.0")


@pytest.mark.parametrize("activation", ["PATH only", "VIRTUAL_ENV"])
def test_demo_run_from_a_shell_with_roots_venv_activated(
    clean_home: Account, shared: Path, wheels: Path, pdlib: Path, activation: str,
) -> None:
    """``examples/try-it.sh`` run from a shell with a venv activated: pip runs in
    a root-owned venv, while the python3 first on the account's PATH lies in
    another root-owned venv (``runuser`` keeps PATH; VIRTUAL_ENV may or may not
    be passed). The measured owner is the cause; PATH alone is weak evidence;
    the other venv, which the account cannot write, is never the safe fix.
    """
    account = clean_home
    venv = make_venv(shared / "venv")
    mine = make_venv(shared / "activated")  # the caller's (root's) venv
    env = pip_env(wheels, {"PATH": f"{mine}/bin:/usr/local/bin:/usr/bin:/bin"})
    if activation == "VIRTUAL_ENV":
        env["VIRTUAL_ENV"] = str(mine)
    python = str(venv / "bin" / "python")
    error = failed_error(run_as(account, [python, "-m", "pip", "install", "pdt-pkg"], env=env))
    report = diagnose_as(account, python, error, lib=pdlib, env=env, requirements=["pdt-pkg"])
    found = {d["id"]: d for d in report["diagnoses"]}
    wrong = found["wrong-environment"]
    assert f"`{mine}` belongs to root (uid 0), and you may not install there either" in (
        evidence_text(wrong)
    )
    for diagnosis in report["diagnoses"]:
        for fix in diagnosis["fixes"]:
            assert not any(str(mine) in c["text"] for c in fix["commands"]), fix
    if activation == "PATH only":
        assert top(report)["id"] == "env-owned-by-other-user"
        assert top(report)["confidence"] == "high"
        assert wrong["confidence"] == "low"
        assert f"python3 first on PATH is {mine}/bin/python3 (environment {mine})" in (
            wrong["evidence"][0]
        )
    else:  # an activation variable is strong evidence: it leads, the owner follows
        assert [d["id"] for d in report["diagnoses"][:2]] == [
            "wrong-environment", "env-owned-by-other-user"]
    run_fix(account, first_fix(top(report), "safe"), pip_env(wheels))
    assert imports(account, f"{account.home}/.venv/bin/python", "pdt_pkg", "2.0")


def test_venv_in_home_made_with_sudo_is_given_back(
    clean_home: Account, wheels: Path, pdlib: Path
) -> None:
    account = clean_home
    venv = make_venv(Path(account.home) / ".venv")  # root-owned, inside the account's home
    env = activated(venv, pip_env(wheels))
    python = str(venv / "bin" / "python")
    install = [python, "-m", "pip", "install", "pdt-pkg"]
    error = failed_error(run_as(account, install, env=env))
    report = diagnose_as(account, python, error, lib=pdlib, env=env, requirements=["pdt-pkg"])
    best = top(report)
    assert best["id"] == "env-owned-by-other-user"
    chown = first_fix(best, "review")
    assert posix_commands(chown) == [f"sudo chown -R {account.name} {venv}"]
    run_fix(account, chown, env)
    assert run_as(account, install, env=env).returncode == 0
    assert imports(account, python, "pdt_pkg", "2.0")


def _venv_with_root_owned_package(account: Account, shared: Path, wheels: Path
                                  ) -> tuple[Path, dict[str, str]]:
    """The account's venv into which root installed ``pdt-pkg`` 1.0 (a ``sudo pip``)."""
    venv = make_venv(shared / "venv", owner=account)
    env = activated(venv, pip_env(wheels))
    python = str(venv / "bin" / "python")
    assert run_as(None, [python, "-m", "pip", "install", "pdt-pkg==1.0"], env=env).returncode == 0
    return venv, env


def test_root_owned_package_in_users_venv(
    clean_home: Account, shared: Path, wheels: Path, pdlib: Path
) -> None:
    account = clean_home
    make_wheel(wheels, "pdt-fork", "1.0", files={"pdt_pkg/fork.py": "FORK = True\n"})
    venv, env = _venv_with_root_owned_package(account, shared, wheels)
    python = str(venv / "bin" / "python")
    install = [python, "-m", "pip", "install", "pdt-fork"]  # writes into pdt_pkg/ too
    error = failed_error(run_as(account, install, env=env))
    report = diagnose_as(account, python, error, lib=pdlib, env=env, requirements=["pdt-fork"])
    best = top(report)
    assert best["id"] == "foreign-owned-files", best
    assert best["confidence"] == "high"
    text = evidence_text(best)
    assert f"`{venv}` is owned by you, {account.name} (uid {account.uid})" in text
    site = f"{venv}/lib/python3.11/site-packages"
    assert f"`{site}/pdt_pkg` is owned by root (uid 0)" in text
    chown = first_fix(best, "review")
    assert posix_commands(chown) == [f"sudo chown -R {account.name} {venv}"]
    run_fix(account, chown, env)
    assert run_as(account, install, env=env).returncode == 0
    assert imports(account, python, "pdt_pkg.fork", "1.0") is False  # fork.py has no version
    assert run_as(account, [python, "-c", "import pdt_pkg.fork"]).returncode == 0


def test_upgrade_of_root_owned_package_in_users_venv(
    clean_home: Account, shared: Path, wheels: Path, pdlib: Path
) -> None:
    """pip's uninstall names a bare ``RECORD``; the diagnosis still finds the cause."""
    account = clean_home
    venv, env = _venv_with_root_owned_package(account, shared, wheels)
    python = str(venv / "bin" / "python")
    upgrade = [python, "-m", "pip", "install", "pdt-pkg==2.0"]
    error = failed_error(run_as(account, upgrade, env=env))
    report = diagnose_as(account, python, error, lib=pdlib, env=env,
                         requirements=["pdt-pkg==2.0"])
    best = top(report)
    assert best["id"] == "foreign-owned-files", best
    assert "root (uid 0)" in evidence_text(best)
    chown = first_fix(best, "review")
    assert posix_commands(chown) == [f"sudo chown -R {account.name} {venv}"]
    run_fix(account, chown, env)
    assert run_as(account, upgrade, env=env).returncode == 0
    assert imports(account, python, "pdt_pkg", "2.0")


def test_unwritable_target(clean_home: Account, shared: Path, wheels: Path, pdlib: Path) -> None:
    account = clean_home
    venv = make_venv(shared / "venv", owner=account)
    python = str(venv / "bin" / "python")
    target = shared / "target"
    target.mkdir(mode=0o755)
    env = activated(venv, pip_env(wheels))
    error = failed_error(run_as(
        account, [python, "-m", "pip", "install", "--target", str(target), "pdt-pkg"], env=env
    ))
    report = diagnose_as(account, python, error, lib=pdlib, env=env, requirements=["pdt-pkg"],
                         target=str(target))
    best = top(report)
    assert best["id"] == "install-target-not-writable", best
    assert best["confidence"] == "high", best
    assert f"`{target}` is owned by root (uid 0)" in evidence_text(best)
    fix = first_fix(best, "safe")
    assert f"--target {account.home}/target" in posix_commands(fix)[0]
    run_fix(account, fix, env)
    installed = Path(account.home) / "target" / "pdt_pkg" / "__init__.py"
    assert installed.is_file()
    assert installed.stat().st_uid == account.uid


def test_read_only_bind_mount(clean_home: Account, shared: Path, wheels: Path, pdlib: Path) -> None:
    account = clean_home
    place = shared / "ro"
    place.mkdir(mode=0o755)
    venv = make_venv(place / "venv", owner=account)
    python = str(venv / "bin" / "python")
    env = activated(venv, pip_env(wheels))
    with scenarios.readonly_bind_mount(place):
        error = failed_error(run_as(account, [python, "-m", "pip", "install", "pdt-pkg"], env=env))
        assert error["errno"] == 30
        report = diagnose_as(account, python, error, lib=pdlib, env=env,
                             requirements=["pdt-pkg"])
        best = top(report)
        assert best["id"] == "read-only-filesystem"
        assert best["confidence"] == "high"
        assert f"on `{place}`" in evidence_text(best)
        assert "mounted read-only" in evidence_text(best)
        run_fix(account, first_fix(best, "safe"), pip_env(wheels))
    assert imports(account, f"{account.home}/.venv/bin/python", "pdt_pkg", "2.0")


def test_tiny_full_tmpfs(clean_home: Account, shared: Path, wheels: Path, pdlib: Path) -> None:
    account = clean_home
    small = shared / "small"
    with scenarios.tiny_tmpfs(small, size="64m", mode="0755"):
        venv = make_venv(small / "venv", owner=account)
        python = str(venv / "bin" / "python")
        env = activated(venv, pip_env(wheels))
        scenarios.fill_filesystem(small)
        error = failed_error(run_as(account, [python, "-m", "pip", "install", "pdt-big"], env=env))
        assert error["errno"] == 28
        report = diagnose_as(account, python, error, lib=pdlib, env=env,
                             requirements=["pdt-big"])
        best = top(report)
        assert best["id"] == "disk-full"
        assert best["confidence"] == "high"
        text = evidence_text(best)
        assert f"(filesystem `{small}`, tmpfs): 0 bytes free — full" in text
        assert f"your home `{account.home}` is not on `{small}`" in text
        run_fix(account, first_fix(best, "safe"), pip_env(wheels))
    assert imports(account, f"{account.home}/.venv/bin/python", "pdt_big", "1.0")
