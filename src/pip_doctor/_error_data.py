"""An exception as plain JSON data, and the family of failure it belongs to.

Standard library only and cheap to import: pip's process imports this when a
command fails, and hands the data to a child process that diagnoses it.

``exception_data(error)`` never raises. ``classify(data)`` names the family of
failure: ``permission``, ``in-use``, ``space``, ``read-only``, ``name``,
``missing``, ``cross-device``, ``network`` or ``other``. Rules serve families,
so a permission rule never sees a network error or an error nobody recognised.
"""

from __future__ import annotations

import errno as _errno
import os
import re
from collections.abc import Mapping
from typing import Any, Optional

#: The families, in the contract's order.
FAMILIES: tuple[str, ...] = (
    "permission", "in-use", "space", "read-only", "name", "missing", "cross-device",
    "network", "other",
)

#: How many causes deep :func:`exception_data` follows ``__cause__``/``__context__``.
MAX_DEPTH = 8

_EDQUOT: int = getattr(_errno, "EDQUOT", 122)

#: errno -> family. ENOTEMPTY is cross-device only from a rename (two file names).
_ERRNO_FAMILIES: dict[int, str] = {
    _errno.EACCES: "permission",
    _errno.EPERM: "permission",
    _errno.EBUSY: "in-use",
    _errno.ETXTBSY: "in-use",
    _errno.ENOSPC: "space",
    _EDQUOT: "space",
    _errno.EROFS: "read-only",
    _errno.ENAMETOOLONG: "name",
    _errno.ENOENT: "missing",
    _errno.EXDEV: "cross-device",
}
for _name in ("ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "ETIMEDOUT", "EHOSTUNREACH",
              "ENETUNREACH", "ENETDOWN", "EHOSTDOWN", "ENETRESET"):
    if hasattr(_errno, _name):
        _ERRNO_FAMILIES[getattr(_errno, _name)] = "network"

#: Windows error codes (``OSError.winerror``) -> family. CPython maps 5, 32 and
#: 33 all to EACCES; the winerror tells them apart.
_WINERROR_FAMILIES: dict[int, str] = {
    5: "permission",        # ERROR_ACCESS_DENIED
    32: "in-use",           # ERROR_SHARING_VIOLATION
    33: "in-use",           # ERROR_LOCK_VIOLATION
    112: "space",           # ERROR_DISK_FULL
    39: "space",            # ERROR_HANDLE_DISK_FULL
    19: "read-only",        # ERROR_WRITE_PROTECT
    206: "name",            # ERROR_FILENAME_EXCED_RANGE
    2: "missing",           # ERROR_FILE_NOT_FOUND
    3: "missing",           # ERROR_PATH_NOT_FOUND
    17: "cross-device",     # ERROR_NOT_SAME_DEVICE
    10060: "network",       # WSAETIMEDOUT
    10061: "network",       # WSAECONNREFUSED
    10054: "network",       # WSAECONNRESET
    10065: "network",       # WSAEHOSTUNREACH
    10051: "network",       # WSAENETUNREACH
    11001: "network",       # WSAHOST_NOT_FOUND
}

#: Modules whose exceptions are network failures, wherever they appear in an
#: error's class tree or cause chain (pip vendors requests and urllib3).
_NETWORK_MODULES = (
    "requests", "urllib3", "pip._vendor.requests", "pip._vendor.urllib3", "ssl", "_ssl",
    "socket", "http.client", "urllib.error", "truststore", "pip._vendor.truststore",
    "httpx", "httpcore",
)
#: Single classes that are network failures.
_NETWORK_CLASSES = frozenset({
    "pip._internal.exceptions.NetworkConnectionError",
})

#: Windows' path limit (MAX_PATH) and the longest name part most filesystems allow.
_MAX_PATH = 260
_MAX_NAME = 255

#: Errors that a too-long path shows up as (Windows says "not found" or "invalid").
_PATH_ERRNOS = frozenset({_errno.ENOENT, _errno.EINVAL, _errno.ENAMETOOLONG})
_PATH_WINERRORS = frozenset({2, 3, 123, 206})

_ERRNO_IN_TEXT = re.compile(r"\[Errno (\d+)\]")


# ---------------------------------------------------------------------- data


def exception_data(error: BaseException) -> dict[str, Any]:
    """``error`` as plain JSON data (see the module docstring). Never raises."""
    return _data(error, 0, set())


def _data(error: BaseException, depth: int, seen: set[int]) -> dict[str, Any]:
    seen.add(id(error))
    kind = type(error)
    data: dict[str, Any] = {
        "type": _safe(lambda: kind.__name__, "BaseException"),
        "module": _safe(lambda: str(kind.__module__), ""),
        "mro": _safe(lambda: [_qualname(cls) for cls in kind.__mro__], []),
        "errno": _int_attr(error, "errno"),
        "strerror": _text_attr(error, "strerror"),
        "filename": _text_attr(error, "filename"),
        "filename2": _text_attr(error, "filename2"),
        "winerror": _int_attr(error, "winerror"),
        "message": _message(error),
        "reference": _text_attr(error, "reference", paths=False),
        "cause": None,
    }
    cause = _safe(lambda: _cause_of(error), None)
    if cause is not None and depth < MAX_DEPTH and id(cause) not in seen:
        data["cause"] = _data(cause, depth + 1, seen)
    return data


def _safe(get: Any, default: Any) -> Any:
    try:
        return get()
    except KeyboardInterrupt:
        raise
    except BaseException:  # an attribute that raises SystemExit is still only data
        return default


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _cause_of(error: BaseException) -> Optional[BaseException]:
    cause = error.__cause__
    if cause is None and not error.__suppress_context__:
        cause = error.__context__
    return cause if isinstance(cause, BaseException) else None


def _int_attr(error: BaseException, name: str) -> Optional[int]:
    value = _safe(lambda: getattr(error, name, None), None)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return int(value)


def _text_attr(error: BaseException, name: str, *, paths: bool = True) -> Optional[str]:
    value = _safe(lambda: getattr(error, name, None), None)
    return _safe(lambda: _as_text(value, paths), None)  # type: ignore[no-any-return]


def _as_text(value: object, paths: bool) -> Optional[str]:
    """A string as is; for file names, bytes and path objects decoded the way
    Python decodes paths, anything else as its ``str``.
    """
    if value is None or isinstance(value, str):
        return None if value is None else str(value)
    if not paths:
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, bytes):
        return os.fsdecode(value)
    return str(value)


def _message(error: BaseException) -> str:
    # a broken __str__ must not break the diagnosis: the type name stands in
    fallback = _safe(lambda: type(error).__name__, "BaseException")
    return _safe(lambda: str(error), fallback)  # type: ignore[no-any-return]


# ------------------------------------------------------------------ families


def classify(data: Mapping[str, Any]) -> str:
    """The family of the error described by ``data`` (from :func:`exception_data`).

    A network class anywhere in the error's class tree or cause chain makes it
    ``network``; otherwise the first error of the chain whose errno, winerror
    or (for ``shutil.Error``) listed errors name a family decides.
    """
    chain = _chain(data)
    if any(_is_network(item) for item in chain):
        return "network"
    for item in chain:
        family = _own_family(item)
        if family is not None:
            return family
    return "other"


def _chain(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    chain: list[Mapping[str, Any]] = []
    item: Any = data
    while isinstance(item, Mapping) and len(chain) <= MAX_DEPTH:
        chain.append(item)
        item = item.get("cause")
    return chain


def _names(item: Mapping[str, Any]) -> list[str]:
    mro = item.get("mro")
    if isinstance(mro, list) and mro:
        return [name for name in mro if isinstance(name, str)]
    module, kind = item.get("module"), item.get("type")
    return [f"{module}.{kind}"] if isinstance(module, str) and isinstance(kind, str) else []


def _is_network(item: Mapping[str, Any]) -> bool:
    for name in _names(item):
        if name in _NETWORK_CLASSES:
            return True
        module = name.rpartition(".")[0]
        if any(module == prefix or module.startswith(prefix + ".") for prefix in _NETWORK_MODULES):
            return True
    return False


def _own_family(item: Mapping[str, Any]) -> Optional[str]:
    """The family this one error names by itself, or None."""
    winerror, number = item.get("winerror"), item.get("errno")
    names = (item.get("filename"), item.get("filename2"))
    path_error = number in _PATH_ERRNOS or winerror in _PATH_WINERRORS
    if path_error and _too_long(names, windows=isinstance(winerror, int)):
        return "name"
    if isinstance(winerror, int) and winerror in _WINERROR_FAMILIES:
        return _WINERROR_FAMILIES[winerror]
    if isinstance(number, int) and not isinstance(number, bool):
        if number == _errno.ENOTEMPTY and all(isinstance(n, str) and n for n in names):
            return "cross-device"  # a rename onto a directory that is not empty
        family = _ERRNO_FAMILIES.get(number)
        if family is not None:
            return family
    if "shutil.Error" in _names(item):
        return _listed_family(item.get("message"))
    return None


def _listed_family(message: Any) -> Optional[str]:
    """``shutil.Error`` lists the errors of a tree copy in its text: space
    first (one full disk explains the rest), else the first errno named.
    """
    if not isinstance(message, str):
        return None
    families = [_ERRNO_FAMILIES.get(int(n)) for n in _ERRNO_IN_TEXT.findall(message)]
    if "space" in families:
        return "space"
    return next((family for family in families if family is not None), None)


def _too_long(names: tuple[Any, ...], *, windows: bool) -> bool:
    for name in names:
        if not isinstance(name, str):
            continue
        if windows and len(name) >= _MAX_PATH:
            return True
        parts = name.replace("\\", "/").split("/")
        if any(len(part.encode("utf-8", "surrogatepass")) > _MAX_NAME for part in parts):
            return True
    return False
