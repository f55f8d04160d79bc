"""Filesystem measurements: owners, access, mounts, free space, and how sizes read.

A neutral floor: the probes measure with it, the rules, fixes, rules files
and renderers read paths and sizes with it; it imports nothing of pip-doctor.

Every function here returns plain values and never raises for a path that is
missing, unreadable or strange. Everything the functions use is imported at
the top: on pip 26.3 the probes run after pip has blocked late imports (``pwd``
is imported here for ``os.path.expanduser`` too, which imports it lazily).
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from typing import Any, Optional

import attrs

try:  # POSIX only
    import grp
    import pwd
except ImportError:  # Windows: owners are not uids there
    grp = None  # type: ignore[assignment]
    pwd = None  # type: ignore[assignment]

if sys.platform == "win32":  # owners and rights from the Win32 security API
    from pip_doctor import _windows

#: True where files have numeric owners (not on Windows).
HAS_UIDS = os.name == "posix" and hasattr(os, "geteuid")
#: How many ancestors of a path are described at most.
MAX_ANCESTORS = 40
MOUNTINFO = "/proc/self/mountinfo"
PROC_MOUNTS = "/proc/mounts"

_ACCESS_KWARGS: dict[str, Any] = (
    {"effective_ids": True} if os.access in os.supports_effective_ids else {}
)
_ST_RDONLY: int = getattr(os, "ST_RDONLY", 1)


def effective_uid() -> Optional[int]:
    """The effective uid of this process, or None on Windows."""
    return os.geteuid() if HAS_UIDS else None


def _passwd(uid: Optional[int]) -> Any:
    """The account database entry of ``uid``, or None."""
    if uid is None or pwd is None:
        return None
    try:
        return pwd.getpwuid(uid)
    except (KeyError, OverflowError, TypeError):
        return None


def owner_name(uid: Optional[int]) -> Optional[str]:
    """The account name of ``uid``, or None when unknown."""
    entry = _passwd(uid)
    return entry.pw_name if entry is not None else None


def owner_of(path: str, st: Optional[os.stat_result]) -> Optional[str]:
    """The name of the account that owns ``path``: from the account database
    on POSIX, from the file's security descriptor on Windows; None when not
    measured.
    """
    if sys.platform == "win32":
        return _windows.owner_name(path) if st is not None else None
    return owner_name(uid_of(st))


def home_of(uid: Optional[int]) -> Optional[str]:
    """The home directory of ``uid`` from the account database, or None."""
    entry = _passwd(uid)
    return entry.pw_dir if entry is not None else None


def group_name(gid: Optional[int]) -> Optional[str]:
    """The group name of ``gid``, or None when unknown."""
    if gid is None or grp is None:
        return None
    try:
        return grp.getgrgid(gid).gr_name
    except (KeyError, OverflowError, TypeError):
        return None


def reason(error: BaseException) -> str:
    """``"permission denied"``: an OSError's reason in lower case."""
    number = getattr(error, "errno", None)
    if isinstance(number, int):
        return os.strerror(number).lower()
    return type(error).__name__


def stat_or_none(path: str) -> Optional[os.stat_result]:
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def absolute(path: str) -> str:
    """``path`` made absolute against the current directory (kept if cwd is gone)."""
    if os.path.isabs(path):
        return os.path.normpath(path)
    try:
        return os.path.abspath(path)
    except OSError:  # the current directory was removed
        return path


def resolve(path: str) -> tuple[Optional[str], bool]:
    """``(resolved, looped)``: symlinks resolved, or ``(None, True)`` on a loop."""
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return None, True
    except ValueError:  # embedded NUL
        return None, False
    try:
        return os.path.realpath(path), False
    except (OSError, RuntimeError, ValueError):  # RuntimeError: loop on Python < 3.10
        return None, True


@attrs.frozen
class Existing:
    """The nearest existing ancestor of a path (the path itself when it exists)."""

    path: str
    stat: Optional[os.stat_result]
    error: Optional[str] = None


def nearest_existing(path: str) -> Existing:
    """Walk up from ``path`` to the first entry this process can stat.

    A component this account may not search (EACCES) is recorded in
    ``error`` and the walk goes on upwards.
    """
    current = path
    denied = False
    while True:
        try:
            st = os.stat(current)
        except OSError as failure:
            denied = denied or failure.errno == errno.EACCES
        except ValueError:  # an embedded NUL: no such file
            pass
        else:
            error = f"permission denied reading {current}" if denied else None
            return Existing(current, st, error)
        parent = os.path.dirname(current)
        if not parent or parent == current:
            return Existing(current, None, "nothing along the path exists" if not denied
                            else f"permission denied reading {current}")
        current = parent


def is_readonly(path: str) -> Optional[bool]:
    """True when the filesystem holding ``path`` is mounted read-only."""
    if not hasattr(os, "statvfs"):
        return None
    try:
        return bool(os.statvfs(path).f_flag & _ST_RDONLY)
    except (OSError, ValueError):
        return None


def may(path: str, mode: int) -> Optional[bool]:
    """``os.access`` for this process's effective ids (what the kernel checks
    when it opens files), None when it cannot be asked.
    """
    try:
        return os.access(path, mode, **_ACCESS_KWARGS)
    except (OSError, ValueError):
        return None


def can_write(path: str, st: Optional[os.stat_result]) -> Optional[bool]:
    """This account may create or change entries at ``path``.

    A directory needs write and search permission, a file write permission;
    a read-only mount says no even to root (for whom ``access`` may say yes).
    """
    if st is None:
        return None
    if sys.platform == "win32":  # the ACL decides; os.access only reads the read-only flag
        return _windows.can_write(path, stat.S_ISDIR(st.st_mode))
    allowed = may(path, os.W_OK | os.X_OK if stat.S_ISDIR(st.st_mode) else os.W_OK)
    if allowed and is_readonly(path):
        return False
    return allowed


def space(path: str) -> tuple[Optional[int], Optional[int], Optional[int]]:
    """``(free_bytes, total_bytes, free_inodes)`` available to this account."""
    if hasattr(os, "statvfs"):
        try:
            vfs = os.statvfs(path)
        except (OSError, ValueError):
            return None, None, None
        return vfs.f_bavail * vfs.f_frsize, vfs.f_blocks * vfs.f_frsize, vfs.f_favail
    return None, None, None


def name_max(path: str) -> Optional[int]:
    """The longest file name (bytes) the filesystem holding ``path`` allows
    (143 on eCryptfs, 255 on most others), None when it cannot be asked.
    """
    if not hasattr(os, "statvfs"):
        return None
    try:
        return int(os.statvfs(path).f_namemax) or None
    except (OSError, ValueError):
        return None


def uid_of(st: Optional[os.stat_result]) -> Optional[int]:
    return st.st_uid if st is not None and HAS_UIDS else None


def gid_of(st: Optional[os.stat_result]) -> Optional[int]:
    return st.st_gid if st is not None and HAS_UIDS else None


def mode_of(st: Optional[os.stat_result]) -> Optional[str]:
    """The permission bits, ``"0o755"``; None on Windows, whose modes are made up."""
    if st is None or not HAS_UIDS:
        return None
    return oct(stat.S_IMODE(st.st_mode))


def mode_text(st: Optional[os.stat_result]) -> Optional[str]:
    """``drwxr-xr-x``; None on Windows (see :func:`mode_of`)."""
    if st is None or not HAS_UIDS:
        return None
    return stat.filemode(st.st_mode)


def is_within(path: Optional[str], parent: Optional[str]) -> bool:
    """``path`` is ``parent`` or lies below it: a comparison of the text (both
    absolute; case-folded where this platform's paths are), for this
    machine's paths and for the Windows-shaped facts a rule may read.
    """
    if not path or not parent:
        return False
    parent = os.path.normcase(parent.rstrip("/\\") or parent)
    path = os.path.normcase(path)
    if path == parent:
        return True
    separator = "\\" if "\\" in parent and "/" not in parent else "/"
    return path.startswith(parent.rstrip(separator) + separator)


def real(path: str) -> str:
    """``os.path.realpath`` that never raises (loops and odd names kept as given)."""
    try:
        return os.path.realpath(path)
    except (OSError, RuntimeError, ValueError):
        return path


# ------------------------------------------------------------------ mounts


@attrs.frozen
class Mount:
    """One line of the mount table."""

    point: str
    fs_type: str
    readonly: bool
    #: The mount's own options (``ro``, ``noexec``, ``nosuid``...).
    options: tuple[str, ...] = ()
    #: The filesystem's options (an overlay's ``lowerdir=``, ``upperdir=``...).
    super_options: tuple[str, ...] = ()

    @property
    def noexec(self) -> bool:
        """Programs on this mount may not be executed."""
        return "noexec" in self.options

    def option(self, name: str) -> Optional[str]:
        """The value of ``name=...`` among the filesystem's options, or None."""
        prefix = name + "="
        for item in self.super_options:
            if item.startswith(prefix):
                return item[len(prefix):]
        return None


def _unescape(field: bytes) -> str:
    r"""A mount table field: ``\040``-style octal escapes decoded as file names are."""
    if b"\\" not in field:
        return os.fsdecode(field)
    out = bytearray()
    index = 0
    while index < len(field):
        octal = field[index + 1 : index + 4]
        if field[index : index + 1] == b"\\" and len(octal) == 3 and octal.isdigit():
            try:
                out.append(int(octal, 8) & 0xFF)
                index += 4
                continue
            except ValueError:
                pass
        out.append(field[index])
        index += 1
    return os.fsdecode(bytes(out))


def _read(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def mounts() -> list[Mount]:
    """The mount table of this process, in mount order (later lines cover earlier)."""
    data = _read(MOUNTINFO)
    found: list[Mount] = []
    if data is not None:
        for line in data.splitlines():
            fields = line.split(b" ")
            if b"-" not in fields or len(fields) < 6:
                continue
            tail = fields[fields.index(b"-") + 1 :]
            if not tail:
                continue
            options = fields[5].split(b",")
            found.append(Mount(
                _unescape(fields[4]), os.fsdecode(tail[0]), b"ro" in options,
                options=tuple(os.fsdecode(o) for o in options),
                super_options=tuple(_unescape(o) for o in tail[2].split(b","))
                if len(tail) > 2 else (),
            ))
        return found
    data = _read(PROC_MOUNTS)
    for line in (data or b"").splitlines():
        fields = line.split(b" ")
        if len(fields) >= 4:
            options = fields[3].split(b",")
            found.append(Mount(
                _unescape(fields[1]), os.fsdecode(fields[2]), b"ro" in options,
                options=tuple(os.fsdecode(o) for o in options),
            ))
    return found


def mount_of(path: str, table: Optional[list[Mount]] = None) -> Optional[Mount]:
    """The mount that holds ``path`` (a resolved path): the longest, latest match."""
    best: Optional[Mount] = None
    for mount in mounts() if table is None else table:
        if is_within(path, mount.point) and (
            best is None or len(mount.point) >= len(best.point)
        ):
            best = mount
    return best


# ------------------------------------------------------------ descriptions


def describe_place(path: str, table: Optional[list[Mount]] = None) -> dict[str, Any]:
    """What the ``destinations`` and ``user_site`` probes say about a directory."""
    found = nearest_existing(path)
    uid = uid_of(found.stat)
    readonly = is_readonly(found.path)
    if readonly is None:
        mount = mount_of(real(found.path), table)
        readonly = mount.readonly if mount is not None else None
    return {
        "path": path,
        "exists": found.path == path and found.stat is not None,
        "nearest_existing": found.path,
        "owner_uid": uid,
        "owner_name": owner_of(found.path, found.stat),
        "writable": can_write(found.path, found.stat),
        "readonly_mount": readonly,
        "free_bytes": space(found.path)[0],
    }


def ancestors(path: str, limit: int = MAX_ANCESTORS) -> list[dict[str, Any]]:
    """``path`` and its parents (at most ``limit``), each with owner, mode,
    writable, and for a directory whether this account may search it (enter
    it: open what lies inside), else None.
    """
    found: list[dict[str, Any]] = []
    current = path
    while len(found) < limit:
        st = stat_or_none(current)
        uid = uid_of(st)
        found.append(
            {
                "path": current,
                "owner_uid": uid,
                "owner_name": owner_of(current, st),
                "mode": mode_of(st),
                "writable": can_write(current, st),
                "searchable": may(current, os.X_OK)
                if st is not None and stat.S_ISDIR(st.st_mode) else None,
            }
        )
        parent = os.path.dirname(current)
        if not parent or parent == current:
            break
        current = parent
    return found


def is_environment(directory: str) -> bool:
    """``directory`` is the root of a venv (``pyvenv.cfg``) or a conda env."""
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg")) or os.path.isdir(
        os.path.join(directory, "conda-meta")
    )


def pyvenv_cfg(directory: str) -> dict[str, str]:
    """The keys of ``directory/pyvenv.cfg`` (lower-cased), empty when there is none."""
    data = _read(os.path.join(directory, "pyvenv.cfg"))
    values: dict[str, str] = {}
    for line in os.fsdecode(data or b"").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = value.strip()
    return values


def same_path(first: Optional[str], second: Optional[str]) -> bool:
    """Both name the same place once symlinks are resolved."""
    if not first or not second:
        return False
    return os.path.normcase(real(first)) == os.path.normcase(real(second))


def environ(name: str) -> Optional[str]:
    """An environment variable, None when unset or empty."""
    return os.environ.get(name) or None


__all__ = [
    "HAS_UIDS",
    "Existing",
    "Mount",
    "absolute",
    "ancestors",
    "can_write",
    "describe_place",
    "effective_uid",
    "environ",
    "group_name",
    "home_of",
    "is_environment",
    "is_readonly",
    "is_within",
    "may",
    "mode_text",
    "mount_of",
    "mounts",
    "nearest_existing",
    "owner_name",
    "owner_of",
    "pyvenv_cfg",
    "real",
    "reason",
    "resolve",
    "same_path",
    "space",
]


def human_bytes(count: int) -> str:
    """``1536`` -> ``"1.5 KiB"``, ``0`` -> ``"0 bytes"``: sizes as people read them
    (in evidence lines and in the measured facts alike).
    """
    size = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{count} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} bytes"  # pragma: no cover - the loop always returns
