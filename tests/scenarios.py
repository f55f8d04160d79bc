"""Real situations on disk for the tests: accounts, mounts, wheels, venvs.

The tests run as root (CI does). They create a throwaway unprivileged
account, real read-only bind mounts and small tmpfs mounts, and tiny wheels
installed with ``--no-index --find-links``. Debian's ``/usr/bin/python3`` is
the interpreter every account can run.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Optional

import attrs

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
#: The interpreter any account can run (root's default python lives in /root).
SYSTEM_PYTHON = "/usr/bin/python3"
#: Where the test run keeps wheels it builds or downloads (see wheelhouse()).
WHEELHOUSE = Path(os.environ.get("PIP_DOCTOR_WHEELHOUSE", ROOT / ".wheelhouse"))
#: The pip version put into scenario environments (tox sets one per env).
TEST_PIP = os.environ.get("PIP_DOCTOR_TEST_PIP", "")


#: A budget no loaded machine exhausts (``pip_doctor._engine.Budget`` fields):
#: tests that check what the built-in probes and rules find, not how fast, use
#: it, so a slow moment cannot turn a probe into a "timed out" problem. A
#: plugin's probe or rule keeps its own limit.
PATIENT = {"total": 60, "probes": 60, "builtin_scale": 100}


def diagnose_patiently(error: BaseException, context: Any = None) -> Any:
    """``pip_doctor.diagnose`` with the :data:`PATIENT` budget."""
    from pip_doctor import _api, _engine

    return _api.run_diagnosis(error, context, _engine.Budget(**PATIENT))


@attrs.frozen
class Account:
    name: str
    uid: int
    gid: int
    home: str


def is_root() -> bool:
    return os.geteuid() == 0


def create_account(prefix: str = "pdt") -> Account:
    """A fresh unprivileged account with a home directory (mode 0755)."""
    name = f"{prefix}{os.getpid() % 100000}{os.urandom(2).hex()}"[:31]
    run_checked(["useradd", "--create-home", "--shell", "/bin/sh", "--user-group", name])
    entry = pwd.getpwnam(name)
    os.chmod(entry.pw_dir, 0o755)
    return Account(name, entry.pw_uid, entry.pw_gid, entry.pw_dir)


def delete_account(account: Account) -> None:
    subprocess.run(["userdel", "--remove", "--force", account.name], capture_output=True)
    shutil.rmtree(account.home, ignore_errors=True)


def account_env(account: Account, extra: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """A clean environment for ``account``: no root-only paths, no pip config."""
    env = {
        "HOME": account.home,
        "USER": account.name,
        "LOGNAME": account.name,
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        "PIP_CONFIG_FILE": os.devnull,
        "PYTHONDONTWRITEBYTECODE": "1",
        # The tests check what is diagnosed, not how fast (benchmarks/ does):
        # a loaded machine must not turn a diagnosis into a timeout.
        "PIP_DOCTOR_TIMEOUT": "60",
    }
    env.update(extra or {})
    return env


def run_as(
    account: Optional[Account],
    argv: Sequence[str],
    *,
    env: Optional[Mapping[str, str]] = None,
    cwd: Optional[str] = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` as ``account`` (None: as root), capturing text output."""
    return subprocess.run(list(argv), **as_account(account, env, cwd), capture_output=True,
                          text=True, timeout=timeout, check=False)


def as_account(
    account: Optional[Account], env: Optional[Mapping[str, str]] = None,
    cwd: Optional[str] = None,
) -> dict[str, Any]:
    """``subprocess.run`` arguments that run a command as ``account`` (None:
    as root), in its clean environment (:func:`account_env`) and home.
    """
    if account is None:
        return {"env": {**os.environ, "PIP_CONFIG_FILE": os.devnull, **(env or {})},
                "cwd": cwd}
    return {"env": account_env(account, env), "cwd": cwd or account.home,
            "user": account.uid, "group": account.gid, "extra_groups": []}


def shared_dir(prefix: str = "pd-") -> Path:
    """A directory under /tmp that every account can enter (mode 0755)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


def chown_tree(path: os.PathLike[str] | str, account: Account) -> None:
    subprocess.run(["chown", "-R", f"{account.uid}:{account.gid}", str(path)], check=True)


# ----------------------------------------------------------------- mounts


@contextlib.contextmanager
def readonly_bind_mount(path: Path) -> Iterator[Path]:
    """Make ``path`` a read-only bind mount of itself for the block."""
    subprocess.run(["mount", "--bind", str(path), str(path)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(path)], check=True)
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@contextlib.contextmanager
def tiny_tmpfs(path: Path, size: str = "256k", mode: str = "1777",
               options: str = "") -> Iterator[Path]:
    """Mount a small tmpfs on ``path`` for the block (``options``: more mount
    options, such as ``noexec``).
    """
    path.mkdir(parents=True, exist_ok=True)
    flags = f"size={size},mode={mode}" + (f",{options}" if options else "")
    subprocess.run(["mount", "-t", "tmpfs", "-o", flags, "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill_filesystem(path: Path) -> None:
    """Write into ``path`` until the filesystem is full."""
    block = b"\0" * 65536
    with open(path / "filler", "wb", buffering=0) as handle:  # nothing left to flush at close
        try:
            while True:
                handle.write(block)
                handle.flush()
        except OSError:
            pass
    with contextlib.suppress(OSError):
        (path / "filler-small").write_bytes(b"\0" * 4096)


# ----------------------------------------------------------------- wheels


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def make_wheel(
    directory: Path,
    name: str,
    version: str = "1.0",
    *,
    files: Optional[Mapping[str, str]] = None,
    payload_bytes: int = 0,
    requires: Sequence[str] = (),
) -> Path:
    """A minimal pure-Python wheel; ``payload_bytes`` adds a data file of that
    size, ``requires`` its dependencies (``Requires-Dist``).
    """
    dist = name.replace("-", "_")
    contents: dict[str, bytes] = {
        f"{dist}/__init__.py": f'__version__ = "{version}"\n'.encode(),
    }
    for relative, text in (files or {}).items():
        contents[relative] = text.encode()
    if payload_bytes:
        contents[f"{dist}/payload.bin"] = os.urandom(payload_bytes)
    info = f"{dist}-{version}.dist-info"
    contents[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        + "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
    ).encode()
    contents[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: pip-doctor-tests\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    record = [_record_line(n, d) for n, d in contents.items()] + [f"{info}/RECORD,,"]
    contents[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in contents.items():
            archive.writestr(member, data)
    path.chmod(0o644)
    return path


def run_checked(argv: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` capturing its output; when it fails, the error shows all of it.

    Every helper that builds environments goes through here, so a failing pip
    says why (its stderr) instead of only "exit status 1".
    """
    done = subprocess.run(list(argv), capture_output=True, text=True, check=False, **kwargs)
    if done.returncode != 0:
        raise AssertionError(
            f"{shlex.join(str(arg) for arg in argv)}\nexited with status {done.returncode}"
            f"\n--- stdout ---\n{done.stdout}--- stderr ---\n{done.stderr}"
        )
    return done


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold ``directory``'s lock file: tox environments in parallel share a wheelhouse."""
    with open(directory / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def pip_doctor_wheel(directory: Path) -> Path:
    """pip-doctor's wheel of this checkout in ``directory``.

    ``PIP_DOCTOR_WHEEL`` names a wheel built once for the whole run (by
    tests/run_all.py); it is copied in when it is not there yet. Otherwise the
    wheel is built in a private directory and moved into place in one step.
    """
    directory.mkdir(parents=True, exist_ok=True)
    built_once = os.environ.get("PIP_DOCTOR_WHEEL")
    if built_once:
        wheel = directory / Path(built_once).name
        if not wheel.exists() or wheel.read_bytes() != Path(built_once).read_bytes():
            partial = directory / f".{wheel.name}.{os.getpid()}"
            shutil.copy(built_once, partial)
            partial.chmod(0o644)
            os.replace(partial, wheel)
        return wheel
    build_dir = Path(tempfile.mkdtemp(prefix=".build-", dir=directory))
    try:
        run_checked([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                     "-w", str(build_dir), str(ROOT)])
        (built,) = build_dir.glob("pip_doctor-*.whl")
        built.chmod(0o644)
        wheel = directory / built.name
        os.replace(built, wheel)
    finally:
        shutil.rmtree(build_dir, ignore_errors=True)
    return wheel


def download(house: Path, specs: Sequence[str], *, python: str = "") -> None:
    """``pip download`` wheels for ``specs`` into ``house`` (for ``python``'s version)."""
    run_checked([python or sys.executable, "-m", "pip", "download", "--no-deps",
                 "--only-binary=:all:", "-d", str(house), *specs])


def wheelhouse() -> Path:
    """pip-doctor's wheel and its dependencies' wheels, readable by every account.

    The dependency wheels are fetched once per wheelhouse (which tox
    environments share in a whole run); after that everything is installed
    with ``--no-index --find-links``.
    """
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)
    WHEELHOUSE.chmod(0o755)
    with locked(WHEELHOUSE):
        wanted = {"attrs": "attrs-*.whl", "pluggy": "pluggy-*.whl",
                  "packaging": "packaging-*.whl"}
        if TEST_PIP:
            wanted[f"pip=={TEST_PIP}"] = f"pip-{TEST_PIP}-*.whl"
        missing = [spec for spec, pattern in wanted.items() if not list(WHEELHOUSE.glob(pattern))]
        if missing:
            download(WHEELHOUSE, missing)
        pip_doctor_wheel(WHEELHOUSE)
        for wheel in WHEELHOUSE.glob("*.whl"):
            wheel.chmod(0o644)
    return WHEELHOUSE


def wheel_pattern(pin: str) -> str:
    """``attrs==25.3.0`` -> ``attrs-25.3.0-*.whl``."""
    name, version = pin.split("==")
    return f"{name.replace('-', '_')}-{version}-*.whl"


def pinned_wheelhouse(name: str, python: str, pins: Sequence[str]) -> Path:
    """A wheelhouse for another interpreter (an older Python) holding exactly
    ``pins`` (``name==version``, downloaded for ``python``) and pip-doctor's
    wheel: what an index publishes later changes nothing.
    """
    house = wheelhouse() / name
    house.mkdir(exist_ok=True)
    house.chmod(0o755)
    with locked(house):
        missing = [pin for pin in pins if not list(house.glob(wheel_pattern(pin)))]
        if missing:
            download(house, missing, python=python)
        pip_doctor_wheel(house)
        for wheel in house.glob("*.whl"):
            wheel.chmod(0o644)
    return house


def ensure_wheel(house: Path, spec: str, pattern: str) -> Path:
    """The wheel for ``spec`` in ``house``, downloaded once when missing."""
    with locked(house):
        found = sorted(house.glob(pattern))
        if not found:
            download(house, [spec])
            found = sorted(house.glob(pattern))
        found[0].chmod(0o644)
    return found[0]


def site_packages(venv: Path) -> Path:
    """The site-packages directory of the venv at ``venv``."""
    (found,) = venv.glob("lib/python3*/site-packages")
    return found


def make_venv(
    path: Path,
    *,
    owner: Optional[Account] = None,
    python: str = SYSTEM_PYTHON,
    pip_version: Optional[str] = None,
    with_pip_doctor: bool = False,
    system_site_packages: bool = False,
    wheels: Optional[Path] = None,
) -> Path:
    """A venv at ``path`` made with ``python``, owned by ``owner`` (None: root).

    pip is ``pip_version`` ("": the bundled one), by default the version under
    test (``PIP_DOCTOR_TEST_PIP``) when set, else the
    interpreter's bundled one; ``with_pip_doctor`` installs pip-doctor's wheel,
    from ``wheels`` when given (see :func:`pinned_wheelhouse`), else from the
    run's :func:`wheelhouse`.
    """
    argv = [python, "-m", "venv", str(path)]
    if system_site_packages:
        argv.append("--system-site-packages")
    run_checked(argv)
    venv_python = str(path / "bin" / "python")
    version = TEST_PIP if pip_version is None else pip_version
    if version or with_pip_doctor:
        house = wheels or wheelhouse()
        if version:
            ensure_wheel(house, f"pip=={version}", f"pip-{version}-*.whl")
        specs = [f"pip=={version}"] if version else []
        if with_pip_doctor:
            specs.append("pip-doctor")
        run_checked([venv_python, "-m", "pip", "install", "-q", "--no-index", "--find-links",
                     str(house), *specs])
    if owner is not None:
        chown_tree(path, owner)
    return path


# ---------------------------------------------------------------- plugins


def write_module(directory: Path, name: str, body: str) -> None:
    """A plugin module ``name`` in ``directory`` (on sys.path), imported afresh."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.py").write_text(textwrap.dedent(body))
    sys.modules.pop(name, None)


def write_distribution(site: Path, name: str, version: str, entry_points: dict[str, str]) -> None:
    """A real installed distribution's metadata in ``site``, as pip would leave it,
    with these entry points in the ``pip_doctor`` group.
    """
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    lines = "".join(f"{key} = {value}\n" for key, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[pip_doctor]\n{lines}")
    modules = "".join(f"{value.partition(':')[0]}.py,,\n" for value in entry_points.values())
    (info / "RECORD").write_text(f"{modules}{info.name}/METADATA,,\n")


def plugin_wheel(project: Path, wheels: Path, pattern: str) -> Path:
    """Build the plugin project at ``project`` into ``wheels`` (offline, no
    isolation) and return its wheel, readable by every account.
    """
    run_checked([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                 "-q", "-w", str(wheels), str(project)])
    (wheel,) = wheels.glob(pattern)
    wheel.chmod(0o644)
    return wheel
