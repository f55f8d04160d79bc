"""Writing the JSON report to a file: safely, completely, or not at all.

A report file is written to a temporary file in the same directory and then
renamed over the target, so a reader sees the old file or the whole new one,
never half of it. Missing parent directories are created. A symlink at the
target is followed only when the account running pip owns it (a symlink left
in a shared directory such as ``/tmp`` by another account is refused: it
could point at any file of the account's). On Windows, where ownership is not
measured here, a symlink at the target is always refused.
"""

from __future__ import annotations

import contextlib
import os
from typing import Optional


def write_report(path: str, text: str) -> None:
    """Write ``text`` to ``path`` (see the module docstring); raises ``OSError``."""
    import tempfile  # here: only a failure with a report path writes one

    target = _target(os.path.abspath(path))
    directory = os.path.dirname(target) or os.curdir
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=directory, prefix=f".{os.path.basename(target)}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, _file_mode(target))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _target(path: str) -> str:
    """The file to replace: ``path``, or where it links to when the link is
    the account's own (symlinks to symlinks: each must be).
    """
    seen = 0
    while os.path.islink(path):
        owner = _owner(path)
        if owner is None or owner != _account():
            raise PermissionError(
                f"not following the symlink {path!r}: it belongs to another account"
                if owner is not None
                else f"not following the symlink {path!r}"
            )
        seen += 1
        if seen > 32:
            raise OSError(f"too many levels of symbolic links: {path!r}")
        link = os.readlink(path)
        path = os.path.join(os.path.dirname(path), link)
    return path


def _owner(path: str) -> Optional[int]:
    if os.name != "posix":
        return None
    return os.lstat(path).st_uid


def _account() -> Optional[int]:
    geteuid = getattr(os, "geteuid", None)
    return geteuid() if geteuid is not None else None


def _file_mode(target: str) -> int:
    """The existing file's mode, else what ``open()`` would create (0666 - umask)."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask
