"""The causes added in 0.2, met for real: real pip, a throwaway unprivileged
account (or a uid with no account at all), real mounts (tmpfs, bind, overlay)
and the system's own Debian packages.

Each runs once, in the suite's environment: pip's behaviour in these cases
is the same across the supported versions (the start of each test says so
where it matters). The cases where it differs are in test_e2e_pip.py, which
runs against every supported pip.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Optional

import pytest

import scenarios
from scenarios import SYSTEM_PYTHON, Account
from test_e2e_pip import (  # noqa: F401  (fixtures)
    Bench,
    Run,
    Situation,
    bench,
    check_diagnosed,
    clone,
    pip,
    wheels,
)
from test_scenarios import pdlib  # noqa: F401  (a fixture)

pytestmark = pytest.mark.e2e

#: A uid that no account database entry names (an arbitrary container uid).
NO_ACCOUNT_UID = 45678

# ------------------------------------------------------------------ helpers

_BACKEND = '''
"""A PEP 517 backend in the source tree: no build requirements, no index."""
import base64, hashlib, os, zipfile

NAME, VERSION = "bigsdist", "1.0"


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    info = f"{NAME}-{VERSION}.dist-info"
    files = {
        f"{NAME}/__init__.py": b"",
        f"{NAME}/payload.bin": open("payload.bin", "rb").read(),
        f"{info}/METADATA":
            f"Metadata-Version: 2.1\\nName: {NAME}\\nVersion: {VERSION}\\n".encode(),
        f"{info}/WHEEL":
            b"Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\n"
            b"Tag: py3-none-any\\n",
    }
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as archive:
        lines = []
        for path, data in files.items():
            archive.writestr(path, data)
            lines.append(_record_line(path, data))
        lines.append(f"{info}/RECORD,,")
        archive.writestr(f"{info}/RECORD", "\\n".join(lines) + "\\n")
    return name
'''


def make_sdist(directory: Path, payload_bytes: int) -> Path:
    """``bigsdist-1.0.tar.gz``: an in-tree backend and an incompressible payload."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "PKG-INFO": b"Metadata-Version: 2.1\nName: bigsdist\nVersion: 1.0\n",
        "pyproject.toml": textwrap.dedent('''
            [build-system]
            requires = []
            build-backend = "backend"
            backend-path = ["."]
        ''').encode(),
        "backend.py": _BACKEND.encode(),
        "payload.bin": os.urandom(payload_bytes),
    }
    path = directory / "bigsdist-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(f"bigsdist-1.0/{name}")
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    path.chmod(0o644)
    return path


def report_of(path: Path) -> Optional[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def best(run: Run) -> dict[str, Any]:
    assert run.report is not None, run.stderr
    assert run.report["diagnoses"], (run.stderr, run.report["environment"])
    found: dict[str, Any] = run.report["diagnoses"][0]
    return found


def evidence(diagnosis: Mapping[str, Any]) -> str:
    return "\n".join(diagnosis["evidence"])


def posix(diagnosis: Mapping[str, Any]) -> list[str]:
    return [c["text"] for f in diagnosis["fixes"] for c in f["commands"] if c["shell"] == "posix"]


# ------------------------------------------------------ owner-write-bit-removed


@contextlib.contextmanager
def write_bit_off(base: Path, template: Path, bench: Bench) -> Iterator[Situation]:
    venv = clone(template, base / "venv", bench.account)
    site = scenarios.site_packages(venv)
    site.chmod(0o555)  # the account's own site-packages, made read-only
    yield Situation(pip(venv, "install", "--no-deps", "tinypkg"), {}, venv)


def test_owner_write_bit_removed(bench: Bench) -> None:
    pair = bench.both(write_bit_off, fix=True)
    report = check_diagnosed(pair.without, pair.with_doctor, "owner-write-bit-removed")
    diagnosis = report["diagnoses"][0]
    assert "mode dr-xr-xr-x (the owner's write bit is off)" in evidence(diagnosis)
    commands = posix(diagnosis)
    assert commands[0].startswith("chmod u+w /tmp/")
    # the user's own command (its options too, where pip's process captured its argv)
    assert commands[1].endswith(("-m pip install --no-deps tinypkg", "-m pip install tinypkg"))
    assert not [c for c in commands if "chown" in c]
    assert pair.fixed is not None
    assert pair.fixed.returncode == 0, pair.fixed
    assert "Successfully installed tinypkg" in pair.fixed.stdout


# ------------------------------------------------------------ disk-full (TMPDIR)


@pytest.fixture(scope="module")
def sdists() -> Iterator[Path]:
    directory = scenarios.shared_dir("pd-sdists-")
    make_sdist(directory, 2 * 1024 * 1024)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_full_tmpfs_tmpdir_is_named_and_the_build_moves(bench: Bench, sdists: Path) -> None:
    """TMPDIR on a real tmpfs, full; the destination has room. pip unpacks the
    sdist in TMPDIR and fails with ENOSPC there.
    """
    sdist = sdists / "bigsdist-1.0.tar.gz"

    @contextlib.contextmanager
    def full_tmpdir(base: Path, template: Path, bench: Bench) -> Iterator[Situation]:
        venv = clone(template, base / "venv", bench.account)
        tmp = base / "tmp"
        with scenarios.tiny_tmpfs(tmp, size="1m", mode="1777"):
            scenarios.fill_filesystem(tmp)
            # room for Python's own test of the directory (else it silently takes
            # /tmp), not for the package
            filler = tmp / "filler"
            os.truncate(filler, max(0, filler.stat().st_size - 256 * 1024))
            yield Situation(pip(venv, "install", "--no-index", str(sdist)),
                            {"TMPDIR": str(tmp)}, venv)

    pair = bench.both(full_tmpdir, fix=True)
    report = check_diagnosed(pair.without, pair.with_doctor, "disk-full")
    diagnosis = report["diagnoses"][0]
    assert diagnosis["title"].endswith(": the temporary directory"), diagnosis["title"]
    text = evidence(diagnosis)
    assert "tmpfs" in text
    assert "— full" in text
    assert "the destination" in text
    assert "free" in text
    commands = posix(diagnosis)
    assert commands[0] == f"mkdir -p {bench.account.home}/tmp"
    assert commands[1].startswith(f"env TMPDIR={bench.account.home}/tmp ")
    assert commands[1].endswith(str(sdist))
    assert pair.fixed is not None
    assert pair.fixed.returncode == 0, pair.fixed
    assert "Successfully installed bigsdist-1.0" in pair.fixed.stdout


# -------------------------------------------------------------- home-not-usable


@pytest.mark.parametrize("home", ["/", None], ids=["HOME=/", "no-HOME"])
def test_uid_without_an_account_and_no_home(bench: Bench, home: Optional[str]) -> None:
    """A container's arbitrary uid: no passwd entry; `--user` goes to /.local
    (HOME=/) or to a relative `~/.local` (no HOME), and fails.
    """
    runs = {}
    reports = bench.shared / "uid-reports"
    reports.mkdir(mode=0o777, exist_ok=True)
    reports.chmod(0o777)
    for variant in ("without", "with"):
        base = bench.shared / f"uid-{variant}"
        venv = clone(bench.templates[variant], base, None)  # root's, readable by all
        cfg = venv / "pyvenv.cfg"
        cfg.write_text(cfg.read_text().replace("include-system-site-packages = false",
                                               "include-system-site-packages = true"))
        report = reports / f"{variant}.json"
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PIP_CONFIG_FILE": os.devnull,
               "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_DOCTOR_REPORT": str(report),
               **bench.pip_env()}
        if home is not None:
            env["HOME"] = home
        done = subprocess.run(
            ["setpriv", "--reuid", str(NO_ACCOUNT_UID), "--regid", str(NO_ACCOUNT_UID),
             "--clear-groups", "--", *pip(venv, "install", "--user", "tinypkg")],
            env=env, cwd="/", capture_output=True, text=True, timeout=300, check=False)
        runs[variant] = Run(done.returncode, done.stdout, done.stderr, report_of(report))
    report = check_diagnosed(runs["without"], runs["with"], "home-not-usable")
    diagnosis = report["diagnoses"][0]
    assert report["environment"]["account"]["in_passwd"] is False
    text = evidence(diagnosis)
    if home == "/":
        assert "HOME is `/`" in text
        assert "`/.local`" in diagnosis["title"]
    else:
        assert f"uid {NO_ACCOUNT_UID} has no entry in the account database" in text
    assert posix(diagnosis)[1].startswith("env HOME=/tmp/home PIP_CACHE_DIR=/tmp/home/.cache/pip "
                                          "PYTHONUSERBASE=/tmp/home/.local ")


# ---------------------------------------------------------------- name-too-long


def test_target_with_a_name_part_over_the_filesystems_limit(bench: Bench) -> None:
    """ENAMETOOLONG from the final move into --target (outside pip's error
    handling: pip prints a traceback and exits 2).
    """
    long_part = "t" * 300

    @contextlib.contextmanager
    def long_target(base: Path, template: Path, bench: Bench) -> Iterator[Situation]:
        venv = clone(template, base / "venv", bench.account)
        yield Situation(pip(venv, "install", "--target", str(base / long_part / "lib"),
                            "tinypkg"), {}, venv)

    pair = bench.both(long_target)
    report = check_diagnosed(pair.without, pair.with_doctor, "name-too-long")
    assert pair.with_doctor.status == 2
    text = evidence(report["diagnoses"][0])
    assert "is 300 bytes" in text
    assert "allows names of at most 255 bytes" in text


# ----------------------------------------------------------- cross-device-rename


def test_rename_of_a_lower_layer_directory_on_a_real_overlay(
    account: Account, shared: Path, pdlib: Path,
) -> None:
    """A venv in the lower layer of a real overlay mount; renaming its package
    directory (what pip's uninstall stash does) gives EXDEV. pip itself falls
    back to copying there and succeeds; this is the error pip users meet when
    another tool (or an older pip's rename) does not fall back.
    """
    lower, upper, work, merged = (shared / n for n in ("lower", "upper", "work", "merged"))
    for directory in (lower, upper, work, merged):
        directory.mkdir()
    package = lower / "site" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    scenarios.chown_tree(lower, account)
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                    f"lowerdir={lower},upperdir={upper},workdir={work}", str(merged)],
                   check=True)
    code = textwrap.dedent(f"""
        import json, os
        from pip_doctor import diagnose
        try:
            os.rename({str(merged / 'site' / 'pkg')!r}, {str(merged / 'site' / '~kg')!r})
        except OSError as error:
            print(diagnose(error).to_json())
    """)
    try:
        done = scenarios.run_as(account, [SYSTEM_PYTHON, "-c", code],
                                env={"PYTHONPATH": str(pdlib)})
    finally:
        subprocess.run(["umount", str(merged)], check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["error"]["errno_name"] == "EXDEV"
    assert report["environment"]["path"]["fs_type"] == "overlay"
    assert report["environment"]["path"]["overlay_layer"] == "lower"
    diagnosis = report["diagnoses"][0]
    assert diagnosis["id"] == "cross-device-rename"
    assert diagnosis["confidence"] == "high"
    assert "lower, read-only layer" in evidence(diagnosis)


# ------------------------------------------------------------- os-owned-package


def _debian_file(package: str) -> Optional[str]:
    done = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=False)
    files = [line for line in done.stdout.splitlines()
             if line.startswith("/usr/lib/python3/dist-packages/") and line.endswith(".py")]
    return files[0] if done.returncode == 0 and files else None


def test_upstream_pip_uninstalling_a_debian_package(
    account: Account, shared: Path, pdlib: Path,
) -> None:
    """Debian's python3-six, uninstalled by the account with upstream pip (26.3)
    run by /usr/bin/python3: pip cannot move the package's files. pip-doctor's
    hook runs inside that pip (its wheel on PYTHONPATH with pip-doctor).
    """
    assert _debian_file("python3-six"), "python3-six is in tests/debian-packages.txt"
    wheel = scenarios.ensure_wheel(scenarios.wheelhouse(), "pip==26.3", "pip-26.3-*.whl")
    runner = ("import sys, runpy; sys.argv[0] = 'pip'; "
              "import _pip_doctor_boot; _pip_doctor_boot.install(); "
              "runpy.run_module('pip', run_name='__main__', alter_sys=True)")
    runs = {}
    shared.chmod(0o777)  # the account writes its reports here
    for variant, path in (("without", str(wheel)), ("with", f"{wheel}:{pdlib}")):
        report = shared / f"{variant}.json"
        code = runner if variant == "with" else runner.replace(
            "import _pip_doctor_boot; _pip_doctor_boot.install(); ", "")
        done = scenarios.run_as(
            account, [SYSTEM_PYTHON, "-c", code, "uninstall", "--break-system-packages", "-y",
                      "six"],
            env={"PYTHONPATH": path, "PIP_DOCTOR_REPORT": str(report), "PYTHONNOUSERSITE": "1"})
        runs[variant] = Run(done.returncode, done.stdout, done.stderr, report_of(report))
    without, with_doctor = runs["without"], runs["with"]
    # pip's own lines name its random temporary directories: compare the status
    # and that both say the same failure
    assert without.status == with_doctor.status == 2, (without.stderr, with_doctor.stderr)
    assert "ERROR: Exception:" in without.stderr
    assert "ERROR: Exception:" in with_doctor.stderr
    report = with_doctor.report
    assert report is not None, with_doctor.stderr
    diagnosis = report["diagnoses"][0]
    assert diagnosis["id"] == "os-owned-package", [d["id"] for d in report["diagnoses"]]
    assert "pip-doctor explain os-owned-package" in with_doctor.stderr
    assert "`python3-six`" in diagnosis["title"]
    assert report["environment"]["os_package"]["manager"] == "dpkg"
    assert not [c for c in posix(diagnosis) if "rm " in c or "chown" in c]


# ---------------------------------------------------------- externally-managed


def test_pep_668_refusal_with_a_venv_that_was_not_used(
    account: Account, shared: Path, pdlib: Path,
) -> None:
    """Debian's pip refuses /usr/bin/python3 (its EXTERNALLY-MANAGED marker)
    while the account's own venv is active: the real ExternallyManagedEnvironment
    pip raises, diagnosed as the account in that Python.
    """
    venv = scenarios.make_venv(shared / "proj-venv", owner=account)
    code = textwrap.dedent("""
        from pip._internal.utils.misc import check_externally_managed
        from pip_doctor import InstallContext, diagnose
        try:
            check_externally_managed()
        except Exception as error:
            context = InstallContext(argv=("install", "-r", "requirements.txt"),
                                     requirements=("-r", "requirements.txt"),
                                     failure="pip-error")
            print(diagnose(error, context=context).to_json())
    """)
    env = {"PYTHONPATH": str(pdlib), "VIRTUAL_ENV": str(venv),
           "PATH": f"{venv}/bin:/usr/bin:/bin"}
    done = scenarios.run_as(account, [SYSTEM_PYTHON, "-c", code], env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["error"]["type"] == "ExternallyManagedEnvironment"
    diagnosis = report["diagnoses"][0]
    assert diagnosis["id"] == "externally-managed"
    assert f"a virtual environment is active (`{venv}`)" in evidence(diagnosis)
    assert posix(diagnosis)[0] == f"{venv}/bin/python -m pip install -r requirements.txt"
    assert not [c for c in posix(diagnosis) if "--break-system-packages" in c]


# ------------------------------------------- pip's own errors, captured in pip


def _system_pip(account: Account, pdlib: Path, args: Sequence[str], report: Path,
                env: Mapping[str, str], *, hooked: bool) -> Run:
    """Debian's pip in /usr/bin/python3, with pip-doctor's start-up hook (its
    package on PYTHONPATH) or without it.
    """
    boot = "import _pip_doctor_boot; _pip_doctor_boot.install(); " if hooked else ""
    code = (f"import sys, runpy; sys.argv[0] = 'pip'; {boot}"
            "runpy.run_module('pip', run_name='__main__', alter_sys=True)")
    done = scenarios.run_as(
        account, [SYSTEM_PYTHON, "-c", code, *args],
        env={**env, "PYTHONPATH": str(pdlib) if hooked else "",
             "PIP_DOCTOR_REPORT": str(report), "PYTHONNOUSERSITE": "1"})
    return Run(done.returncode, done.stdout, done.stderr, report_of(report))


def test_pep_668_refusal_inside_pip_names_the_venv_that_was_not_used(
    account: Account, shared: Path, pdlib: Path, wheels: Path,
) -> None:
    """`pip install` with the system's pip while the account's venv is active:
    pip refuses (PEP 668, a DiagnosticPipError, exit 1); pip-doctor adds why.
    """
    venv = scenarios.make_venv(shared / "proj-venv", owner=account)
    shared.chmod(0o777)
    env = {"VIRTUAL_ENV": str(venv), "PATH": f"{venv}/bin:/usr/bin:/bin",
           "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels)}
    args = ("install", "--no-deps", "tinypkg")
    without = _system_pip(account, pdlib, args, shared / "without.json", env, hooked=False)
    with_doctor = _system_pip(account, pdlib, args, shared / "with.json", env, hooked=True)
    assert without.status == with_doctor.status == 1
    assert without.first_error_line == with_doctor.first_error_line
    assert "externally-managed-environment" in without.stderr
    report = with_doctor.report
    assert report is not None, with_doctor.stderr
    diagnosis = report["diagnoses"][0]
    assert diagnosis["id"] == "externally-managed", [d["id"] for d in report["diagnoses"]]
    assert f"a virtual environment is active (`{venv}`)" in evidence(diagnosis)
    assert posix(diagnosis)[0] == f"{venv}/bin/python -m pip install --no-deps tinypkg"
    assert "pip-doctor explain externally-managed" in with_doctor.stderr


def test_download_into_a_directory_the_account_cannot_write(bench: Bench) -> None:
    """`pip download -d DIR` where DIR is root's: pip crashes with a traceback
    (exit 2); pip-doctor names the directory and saves elsewhere instead.
    """

    @contextlib.contextmanager
    def roots_dir(base: Path, template: Path, bench: Bench) -> Iterator[Situation]:
        venv = clone(template, base / "venv", bench.account)
        out = base / "out"
        out.mkdir(mode=0o755)
        yield Situation(pip(venv, "download", "--no-deps", "-d", str(out / "new"), "tinypkg"),
                        {}, venv)

    pair = bench.both(roots_dir)
    report = check_diagnosed(pair.without, pair.with_doctor, "install-target-not-writable")
    assert pair.with_doctor.status == pair.without.status == 2
    diagnosis = report["diagnoses"][0]
    assert diagnosis["title"].startswith("The download directory")
    assert posix(diagnosis)[0].endswith(
        f"-m pip download -d {bench.account.home}/new --no-deps tinypkg")


def test_no_usable_temporary_directory(bench: Bench) -> None:
    """TMPDIR names a missing directory and /tmp, /var/tmp and the working
    directory are read-only (a mount namespace: real read-only bind mounts of
    this machine's /tmp and /var/tmp). Python finds no temporary directory;
    pip crashes before its own error handling.
    """
    account = bench.account
    runs = {}
    for variant in ("without", "with"):
        base = bench.shared / "scenario"  # the same path for both: pip's lines match
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir()
        venv = clone(bench.templates[variant], base / "venv", account)
        report = Path(account.home) / f"report-{variant}.json"
        with contextlib.suppress(FileNotFoundError):
            report.unlink()
        env = scenarios.account_env(account, {
            **bench.pip_env(), "TMPDIR": "/nonexistent/tmp", "PIP_DOCTOR_REPORT": str(report)})
        script = (
            "mount --make-rprivate / && "
            "for d in /tmp /var/tmp; do mount --bind $d $d && "
            "mount -o remount,bind,ro $d; done && cd / && "
            f"exec setpriv --reuid {account.uid} --regid {account.gid} --clear-groups -- "
            + " ".join(pip(venv, "install", "tinypkg"))
        )
        done = subprocess.run(["unshare", "-m", "sh", "-c", script], env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        runs[variant] = Run(done.returncode, done.stdout, done.stderr, report_of(report))
    report = check_diagnosed(runs["without"], runs["with"], "temp-dir-unusable")
    diagnosis = report["diagnoses"][0]
    assert "No usable temporary directory" in evidence(diagnosis)
    assert "TMPDIR is `/nonexistent/tmp`" in evidence(diagnosis)
    assert posix(diagnosis)[0] == f"mkdir -p {account.home}/tmp"


def test_uninstall_of_a_package_directory_something_is_mounted_on(bench: Bench) -> None:
    """EBUSY from a real mount point (root bind-mounted a directory onto the
    package's directory). The NFS `.nfsXXXX` case cannot be made here: no NFS
    server; the busy mount point is the real EBUSY this machine can give.
    """
    mounted: list[Path] = []

    @contextlib.contextmanager
    def busy(base: Path, template: Path, bench: Bench) -> Iterator[Situation]:
        venv = clone(template, base / "venv", bench.account)
        done = scenarios.run_as(bench.account, pip(venv, "install", "-q", "tinypkg"),
                                env=bench.pip_env())
        assert done.returncode == 0, done.stderr
        package = scenarios.site_packages(venv) / "tinypkg"
        # the same files, the account's, mounted over the package's directory
        # (pip skips the files of its record that it cannot see)
        source = base / "elsewhere"
        shutil.copytree(package, source)
        scenarios.chown_tree(source, bench.account)
        subprocess.run(["mount", "--bind", str(source), str(package)], check=True)
        mounted.append(package)
        try:
            yield Situation(pip(venv, "uninstall", "-y", "tinypkg"), {}, venv)
        finally:
            subprocess.run(["umount", str(package)], check=False)

    pair = bench.both(busy)
    report = check_diagnosed(pair.without, pair.with_doctor, "file-in-use")
    diagnosis = report["diagnoses"][0]
    assert report["error"]["family"] == "in-use"
    assert report["error"]["errno_name"] == "EBUSY"
    assert "is a mount point" in evidence(diagnosis)
    assert report["environment"]["in_use"]["measured"] is True


def test_in_use_probe_finds_a_real_holder(tmp_path: Path) -> None:
    """The holder scan against real processes: one with the file open, one
    with it mapped into memory.
    """
    from pip_doctor._probes import in_use
    from pip_doctor._probes.in_use import linux_holders

    target = tmp_path / "held.bin"
    target.write_bytes(b"\0" * 4096)
    opened = subprocess.Popen(["python3", "-c", "import sys,time; f=open(sys.argv[1]); "
                               "print('ready', flush=True); time.sleep(30)", str(target)],
                              stdout=subprocess.PIPE, text=True)
    mapped = subprocess.Popen(["python3", "-c", "import mmap,sys,time; f=open(sys.argv[1],'rb'); "
                               "m=mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ); f.close(); "
                               "print('ready', flush=True); time.sleep(30)", str(target)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert opened.stdout is not None
        assert mapped.stdout is not None
        assert opened.stdout.readline().strip() == mapped.stdout.readline().strip() == "ready"
        holders, measured = linux_holders([str(target)], seconds=2.0)
        maps_hold = in_use._maps_hold(str(mapped.pid), [str(target)])
    finally:
        opened.kill()
        mapped.kill()
        opened.wait()
        mapped.wait()
    assert measured
    found = {(h["pid"], h["how"]) for h in holders}
    assert (opened.pid, "fd") in found
    assert mapped.pid in {pid for pid, _how in found}  # Python's mmap keeps a copy of the fd
    assert maps_hold


def test_root_owned_cache_is_a_one_line_note_and_pip_goes_on(bench: Bench) -> None:
    """`sudo pip` without -H left the account's ~/.cache/pip to root: pip
    warns, disables its cache and installs; pip-doctor says why in a note and
    changes neither the outcome nor pip's lines.
    """
    cache = Path(bench.account.home) / ".cache" / "pip"
    shutil.rmtree(cache.parent, ignore_errors=True)  # what earlier runs left, the account's
    cache.mkdir(parents=True)  # made by root: root's

    @contextlib.contextmanager
    def own_venv(base: Path, template: Path, bench: Bench) -> Iterator[Situation]:
        venv = clone(template, base / "venv", bench.account)
        yield Situation(pip(venv, "install", "--no-deps", "tinypkg"), {}, venv)

    try:
        pair = bench.both(own_venv)
    finally:
        shutil.rmtree(Path(bench.account.home) / ".cache", ignore_errors=True)
    without, with_doctor = pair
    assert without.status == with_doctor.status == 0
    assert "is not owned or is not writable by the current user" in without.stderr
    assert with_doctor.stdout == without.stdout
    assert with_doctor.stderr.startswith(without.stderr.rstrip("\n"))
    report = with_doctor.report
    assert report is not None, with_doctor.stderr
    diagnosis = report["diagnoses"][0]
    assert diagnosis["id"] == "cache-dir-not-writable"
    assert diagnosis["confidence"] == "low"
    # one line after pip's; the report keeps the evidence and the fixes
    added = with_doctor.stderr[len(without.stderr.rstrip("\n")):].strip("\n")
    assert added == (f"pip-doctor note: pip went on without its cache: `{cache}` belongs to "
                     "root (uid 0) (more: pip-doctor explain cache-dir-not-writable)"), added
    assert f"`{cache}` belongs to root (uid 0)" in "\n".join(diagnosis["evidence"])
    assert diagnosis["fixes"]
    assert report["error"]["type"] == "PipWarning"
