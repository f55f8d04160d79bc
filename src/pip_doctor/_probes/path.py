"""The ``path`` probe: the path the error names, measured.

The path is made absolute, resolved through symlinks (a loop is reported, not
followed), and when it no longer exists its nearest existing ancestor is
measured instead: owner, group, mode, whether this account may write there,
the mount it lies on, free space, and its ancestors.
"""

from __future__ import annotations

import os
import site
import stat
import sys
import time
from typing import Any, Optional

from pip_doctor import _fs
from pip_doctor._model import Probe, Situation


def given_path(situation: Situation) -> tuple[Optional[str], Optional[str]]:
    """``(source, path)``: the error's filename, filename2 (or those of the first
    error behind it that names one), or the scheme's purelib.
    """
    for error in situation.error.errors:  # the error, then those behind it
        if error.filename:
            return "filename", error.filename
        if error.filename2:
            return "filename2", error.filename2
    purelib = situation.fact("scheme", "purelib")
    if isinstance(purelib, str) and purelib:
        return "scheme", purelib
    return None, None


def environment_root(situation: Situation, path: str) -> Optional[str]:
    """The environment ``path`` lies in: an install option's directory, a venv or
    conda env around it, ``sys.prefix``, or the user base; None when none holds it.
    """
    options = situation.context.options
    candidates: list[Optional[str]] = [options.target, options.prefix, options.root]
    if options.user:
        candidates.append(site.getuserbase())
    current = path
    for _ in range(_fs.MAX_ANCESTORS):
        if _fs.is_environment(current):
            candidates.append(current)
            break
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    candidates += [sys.prefix, site.getuserbase(), python_prefix_of(path)]
    for candidate in candidates:
        if candidate and _fs.is_within(path, _fs.real(_fs.absolute(candidate))):
            return _fs.real(_fs.absolute(candidate))
    return None


def python_prefix_of(path: str) -> Optional[str]:
    """The prefix of the Python whose library ``path`` lies in (``/usr`` for
    ``/usr/lib/python3/dist-packages/x``): the part before ``lib/python3...``
    or ``lib64/python3...``, when it holds a ``bin/python3``; else None.
    """
    parts = path.split("/")
    for index in range(1, len(parts) - 1):
        if parts[index] in ("lib", "lib64") and parts[index + 1].startswith("python3"):
            prefix = "/".join(parts[:index]) or "/"
            if os.path.exists(os.path.join(prefix, "bin", "python3")):
                return prefix
    return None


def environment_kind(situation: Situation, root: Optional[str]) -> Optional[str]:
    """What ``root`` (the path's environment) is: ``install-option`` (``--target``,
    ``--prefix``, ``--root``), ``venv``, ``conda``, ``user`` (the user base), or
    ``system`` (a Python's own prefix); for this interpreter's environment, the
    ``environment`` probe's kind.
    """
    if root is None:
        return None
    options = situation.context.options
    for directory in (options.target, options.prefix, options.root):
        if directory and _fs.same_path(directory, root):
            return "install-option"
    if os.path.isfile(os.path.join(root, "pyvenv.cfg")):
        return "venv"
    if os.path.isdir(os.path.join(root, "conda-meta")):
        return "conda"
    if _fs.same_path(root, sys.prefix):
        kind = situation.fact("environment", "kind")
        return kind if isinstance(kind, str) else None
    if _fs.same_path(root, site.getuserbase()):
        return "user"
    return "system"


#: How long the search for a relative name under the install scheme may take (seconds).
LOCATE_BUDGET = 0.03


def _requirement_names(situation: Situation) -> set[str]:
    """Canonical project names of the requirements (``"Foo.Bar>=1"`` -> ``foo-bar``);
    a path, URL or option among them names no project here.
    """
    # Imported here: only a bare name from pip's uninstall (RECORD) needs it,
    # and packaging.requirements costs milliseconds to import.
    from packaging.requirements import InvalidRequirement, Requirement

    names: set[str] = set()
    for requirement in situation.context.requirements:
        try:
            names.add(_canonical(Requirement(requirement.strip()).name))
        except InvalidRequirement:
            continue
    return names


def _named_after(folder: str, names: set[str]) -> bool:
    """``folder`` (a package, a ``.dist-info``, or pip's ``~`` stash of either, whose
    first letter pip replaces with ``~``) belongs to one of the project ``names``.
    """
    stem = folder.split("-", 1)[0]  # "pd_probed-1.0.dist-info" -> "pd_probed"
    if stem.startswith("~"):
        rest = _canonical(stem[1:])
        return any(name[1:] == rest for name in names)
    return _canonical(stem) in names


def _canonical(name: str) -> str:
    """A project name as ``packaging`` normalises it (``Foo.Bar`` -> ``foo-bar``)."""
    from packaging.utils import canonicalize_name

    return canonicalize_name(name)


def locate(given: str, situation: Situation) -> tuple[Optional[str], int]:
    """``(path, matches)``: where a relative name lies under the install scheme.

    pip's uninstall removes directories through an open directory handle, so
    its errors can name a bare ``RECORD``. When the name is not found under the
    current directory, it is looked for in purelib/platlib and their immediate
    subdirectories. Among several matches one in a directory this account cannot
    write is preferred, then one in a directory named after a requirement, then
    one in pip's ``~`` stash of an uninstall.
    """
    bases = []
    for key in ("purelib", "platlib"):
        base = situation.fact("scheme", key)
        if isinstance(base, str) and base not in bases:
            bases.append(base)
    deadline = time.monotonic() + LOCATE_BUDGET
    matches: list[str] = []
    for base in bases:
        if os.path.lexists(os.path.join(base, given)):
            matches.append(os.path.join(base, given))
        try:
            with os.scandir(base) as entries:
                for entry in entries:
                    if time.monotonic() > deadline:
                        break
                    candidate = os.path.join(entry.path, given)
                    if entry.is_dir(follow_symlinks=False) and os.path.lexists(candidate):
                        matches.append(candidate)
        except OSError:
            continue
    if not matches:
        return None, 0
    wanted = _requirement_names(situation)

    def preference(candidate: str) -> tuple[bool, bool, bool]:
        parent = os.path.dirname(candidate)
        folder = os.path.basename(parent).lower()
        writable = _fs.can_write(parent, _fs.stat_or_none(parent)) is not False
        return writable, not _named_after(folder, wanted), not folder.startswith("~")

    return min(matches, key=preference), len(matches)


def _empty(source: Optional[str], given: Optional[str]) -> dict[str, Any]:
    keys = (
        "absolute", "resolved", "symlink_loop", "exists", "is_dir", "nearest_existing",
        "owner_uid", "owner_name", "group_gid", "group_name", "mode", "mode_text",
        "writable", "readable", "readonly_mount", "mount_point", "fs_type", "free_bytes",
        "total_bytes", "free_inodes", "ancestors", "environment_root", "environment_kind",
        "in_this_environment", "located", "located_matches", "noexec_mount", "name_max",
        "longest_name", "longest_name_bytes", "overlay_layer", "overlay_upperdir",
    )
    return {"source": source, "given": given, **dict.fromkeys(keys), "error": None}


def _own_stat(path: str) -> tuple[Optional[bool], Optional[bool]]:
    """``(exists, is_dir)`` of the path itself; None when it cannot be told."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False, False
    except NotADirectoryError:
        return False, False
    except (OSError, ValueError):
        return None, None
    if stat.S_ISLNK(st.st_mode):
        target = _fs.stat_or_none(path)
        return True, target is not None and stat.S_ISDIR(target.st_mode)
    return True, stat.S_ISDIR(st.st_mode)


def measure(source: Optional[str], given: str, situation: Situation) -> dict[str, Any]:
    facts = _empty(source, given)
    absolute = _fs.absolute(given)
    located: Optional[str] = None
    matches: Optional[int] = None
    if not os.path.isabs(given) and not os.path.lexists(absolute):
        located, matches = locate(given, situation)
    measured = located or absolute
    resolved, looped = _fs.resolve(measured)
    exists, is_dir = _own_stat(measured)
    found = _fs.nearest_existing(resolved or absolute)
    st = found.stat
    uid, gid = _fs.uid_of(st), _fs.gid_of(st)
    real_nearest = _fs.real(found.path)
    mount = _fs.mount_of(real_nearest)
    readonly = _fs.is_readonly(found.path)
    if readonly is None and mount is not None:
        readonly = mount.readonly
    free, total, inodes = _fs.space(found.path)
    root = environment_root(situation, resolved or measured)
    error = found.error
    readable = st is None or not stat.S_ISDIR(st.st_mode) or _fs.may(
        found.path, os.R_OK | os.X_OK
    ) is not False
    if error is None and not readable:
        error = f"permission denied reading {found.path}"
    facts.update(
        absolute=absolute,
        resolved=resolved,
        symlink_loop=looped,
        exists=exists,
        is_dir=is_dir,
        nearest_existing=found.path if st is not None else None,
        owner_uid=uid,
        owner_name=_fs.owner_of(found.path, st),
        group_gid=gid,
        group_name=_fs.group_name(gid),
        mode=_fs.mode_of(st),
        mode_text=_fs.mode_text(st),
        writable=_fs.can_write(found.path, st),
        readable=None if st is None else _fs.may(
            found.path, os.R_OK | os.X_OK if stat.S_ISDIR(st.st_mode) else os.R_OK),
        readonly_mount=readonly,
        mount_point=mount.point if mount is not None else None,
        fs_type=mount.fs_type if mount is not None else None,
        free_bytes=free,
        total_bytes=total,
        free_inodes=inodes,
        ancestors=_fs.ancestors(found.path),
        environment_root=root,
        environment_kind=environment_kind(situation, root),
        in_this_environment=_fs.same_path(root, sys.prefix) if root else False,
        located=located,
        located_matches=matches,
        error=error,
        noexec_mount=mount.noexec if mount is not None else None,
        name_max=_fs.name_max(found.path),
        **_longest_name(absolute),
        **_overlay(mount, resolved or absolute),
    )
    return facts


def _longest_name(path: str) -> dict[str, Any]:
    """The longest part of ``path`` and its length in bytes (what name limits count)."""
    parts = [part for part in path.replace("\\", "/").split("/") if part]
    if not parts:
        return {"longest_name": None, "longest_name_bytes": None}
    sizes = [len(part.encode("utf-8", "surrogateescape")) if _encodable(part) else len(part) * 3
             for part in parts]
    index = max(range(len(parts)), key=sizes.__getitem__)
    return {"longest_name": parts[index], "longest_name_bytes": sizes[index]}


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return False
    return True


def _overlay(mount: Optional[_fs.Mount], path: str) -> dict[str, Any]:
    """On an overlay mount: whether ``path`` (or its nearest existing part) is
    in the writable upper layer or only in a lower one (an image layer).
    """
    facts: dict[str, Any] = {"overlay_layer": None, "overlay_upperdir": None}
    if mount is None or mount.fs_type != "overlay":
        return facts
    upper = mount.option("upperdir")
    facts["overlay_upperdir"] = upper
    relative = os.path.relpath(path, mount.point) if _fs.is_within(path, mount.point) else None
    if upper is None or relative is None:
        return facts
    current = relative
    while current not in ("", ".", os.sep):
        if os.path.lexists(os.path.join(mount.point, current)):
            break
        current = os.path.dirname(current)
    in_upper = os.path.lexists(os.path.join(upper, current)) if current not in ("", ".") else True
    facts["overlay_layer"] = "upper" if in_upper else "lower"
    return facts


def run(situation: Situation) -> dict[str, Any]:
    source, given = given_path(situation)
    if given is None:
        facts = _empty(None, None)
        facts["error"] = "the error names no path and no install scheme is known"
        return facts
    return measure(source, given, situation)


PROBE = Probe(
    id="path",
    run=run,
    description="the path the error names: absolute, resolved, nearest existing "
    "ancestor, owner, mode, writable, mount, free space",
    timeout=0.2,
)
