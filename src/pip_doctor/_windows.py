"""Windows measurements through the Win32 API (``ctypes``): owners, effective
rights, the Restart Manager, long-path support.

Imported only on Windows (``sys.platform == "win32"``). On Windows the owner of
a file and whether this account may write there come from the file's security
descriptor, never from ``os.access`` or ``st_mode`` (which say "writable" for
a directory Windows refuses). Every function returns None for "not measured"
(an API missing, as under some Windows emulations, or a call that failed), and
never raises.
"""

from __future__ import annotations

import sys

assert sys.platform == "win32"  # for mypy: this module is checked as Windows code

import ctypes  # noqa: E402
import os  # noqa: E402
import winreg  # noqa: E402
from ctypes import wintypes  # noqa: E402
from typing import Any, Optional  # noqa: E402

# --------------------------------------------------------------- constants

SE_FILE_OBJECT = 1
OWNER_SECURITY_INFORMATION = 0x1
GROUP_SECURITY_INFORMATION = 0x2
DACL_SECURITY_INFORMATION = 0x4
TOKEN_QUERY = 0x0008
TOKEN_DUPLICATE = 0x0002
SECURITY_IMPERSONATION = 2

FILE_READ_DATA = 0x0001
FILE_WRITE_DATA = 0x0002  # a file's contents; for a directory: FILE_ADD_FILE
FILE_ADD_FILE = 0x0002
FILE_APPEND_DATA = 0x0004  # for a directory: FILE_ADD_SUBDIRECTORY
FILE_ADD_SUBDIRECTORY = 0x0004
FILE_EXECUTE = 0x0020
FILE_DELETE_CHILD = 0x0040
DELETE = 0x00010000
FILE_GENERIC_READ = 0x00120089
FILE_GENERIC_WRITE = 0x00120116
FILE_GENERIC_EXECUTE = 0x001200A0
FILE_ALL_ACCESS = 0x001F01FF

ERROR_MORE_DATA = 234
CCH_RM_SESSION_KEY = 33
CCH_RM_MAX_APP_NAME = 255
CCH_RM_MAX_SVC_NAME = 63

LONG_PATHS_KEY = r"SYSTEM\CurrentControlSet\Control\FileSystem"


class GENERIC_MAPPING(ctypes.Structure):
    _fields_ = [
        ("GenericRead", wintypes.DWORD),
        ("GenericWrite", wintypes.DWORD),
        ("GenericExecute", wintypes.DWORD),
        ("GenericAll", wintypes.DWORD),
    ]


class PRIVILEGE_SET(ctypes.Structure):
    _fields_ = [
        ("PrivilegeCount", wintypes.DWORD),
        ("Control", wintypes.DWORD),
        ("Privilege", wintypes.BYTE * 64),  # room for a few LUID_AND_ATTRIBUTES
    ]


class RM_UNIQUE_PROCESS(ctypes.Structure):
    _fields_ = [("dwProcessId", wintypes.DWORD), ("ProcessStartTime", wintypes.FILETIME)]


class RM_PROCESS_INFO(ctypes.Structure):
    _fields_ = [
        ("Process", RM_UNIQUE_PROCESS),
        ("strAppName", wintypes.WCHAR * (CCH_RM_MAX_APP_NAME + 1)),
        ("strServiceShortName", wintypes.WCHAR * (CCH_RM_MAX_SVC_NAME + 1)),
        ("ApplicationType", ctypes.c_int),
        ("AppStatus", wintypes.ULONG),
        ("TSSessionId", wintypes.DWORD),
        ("bRestartable", wintypes.BOOL),
    ]


def _library(name: str) -> Any:
    try:
        return ctypes.WinDLL(name, use_last_error=True)
    except OSError:
        return None


def _function(library: Any, name: str) -> Any:
    """``library.name``, or None where this Windows (or an emulation) lacks it."""
    if library is None:
        return None
    try:
        return getattr(library, name)
    except AttributeError:
        return None


_advapi32 = _library("advapi32")
_kernel32 = _library("kernel32")


# ----------------------------------------------------------- security


def _security_descriptor(path: str) -> Optional[tuple[ctypes.c_void_p, ctypes.c_void_p]]:
    """``(descriptor, owner_sid)`` of ``path`` (free the descriptor with LocalFree)."""
    get = _function(_advapi32, "GetNamedSecurityInfoW")
    if get is None:
        return None
    owner = ctypes.c_void_p()
    group = ctypes.c_void_p()
    dacl = ctypes.c_void_p()
    descriptor = ctypes.c_void_p()
    status = get(
        ctypes.c_wchar_p(path),
        SE_FILE_OBJECT,
        OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
        ctypes.byref(owner),
        ctypes.byref(group),
        ctypes.byref(dacl),
        None,
        ctypes.byref(descriptor),
    )
    if status != 0 or not descriptor.value:
        return None
    return descriptor, owner


def _free(pointer: ctypes.c_void_p) -> None:
    free = _function(_kernel32, "LocalFree")
    if free is not None and pointer.value:
        free(pointer)


def _sid_text(sid: ctypes.c_void_p) -> Optional[str]:
    convert = _function(_advapi32, "ConvertSidToStringSidW")
    if convert is None or not sid.value:
        return None
    text = ctypes.c_wchar_p()
    if not convert(sid, ctypes.byref(text)):
        return None
    try:
        return text.value
    finally:
        _free(ctypes.cast(text, ctypes.c_void_p))


def _account_name(sid: ctypes.c_void_p) -> Optional[str]:
    """``DOMAIN\\name`` of a SID, or its ``S-1-...`` text when it has no name."""
    lookup = _function(_advapi32, "LookupAccountSidW")
    if lookup is None or not sid.value:
        return None
    name = ctypes.create_unicode_buffer(256)
    domain = ctypes.create_unicode_buffer(256)
    name_size = wintypes.DWORD(256)
    domain_size = wintypes.DWORD(256)
    use = wintypes.DWORD()
    if lookup(None, sid, name, ctypes.byref(name_size), domain, ctypes.byref(domain_size),
              ctypes.byref(use)):
        return f"{domain.value}\\{name.value}" if domain.value else name.value
    return _sid_text(sid)


def owner_name(path: str) -> Optional[str]:
    """The account that owns ``path`` (``DOMAIN\\name``), or None when not measured."""
    try:
        found = _security_descriptor(path)
        if found is None:
            return None
        descriptor, owner = found
        try:
            return _account_name(owner)
        finally:
            _free(descriptor)
    except (OSError, ValueError, ctypes.ArgumentError):
        return None


def _process_token(access: int) -> Optional[wintypes.HANDLE]:
    """This process's access token opened for ``access`` (close it with CloseHandle)."""
    open_token = _function(_advapi32, "OpenProcessToken")
    current = _function(_kernel32, "GetCurrentProcess")
    if open_token is None or current is None:
        return None
    token = wintypes.HANDLE()
    if not open_token(wintypes.HANDLE(current()), access, ctypes.byref(token)):
        return None
    return token


def _impersonation_token() -> Optional[wintypes.HANDLE]:
    duplicate = _function(_advapi32, "DuplicateToken")
    close = _function(_kernel32, "CloseHandle")
    if duplicate is None or close is None:
        return None
    process_token = _process_token(TOKEN_QUERY | TOKEN_DUPLICATE)
    if process_token is None:
        return None
    try:
        token = wintypes.HANDLE()
        if not duplicate(process_token, SECURITY_IMPERSONATION, ctypes.byref(token)):
            return None
        return token
    finally:
        close(process_token)


def granted_rights(path: str, desired: int) -> Optional[bool]:
    """This account holds every right in ``desired`` on ``path`` (``AccessCheck``
    of the process's own token against the file's security descriptor).
    """
    check = _function(_advapi32, "AccessCheck")
    close = _function(_kernel32, "CloseHandle")
    if check is None or close is None:
        return None
    try:
        found = _security_descriptor(path)
        if found is None:
            return None
        descriptor, _owner = found
        try:
            token = _impersonation_token()
            if token is None:
                return None
            try:
                mapping = GENERIC_MAPPING(FILE_GENERIC_READ, FILE_GENERIC_WRITE,
                                          FILE_GENERIC_EXECUTE, FILE_ALL_ACCESS)
                privileges = PRIVILEGE_SET()
                size = wintypes.DWORD(ctypes.sizeof(privileges))
                granted = wintypes.DWORD()
                status = wintypes.BOOL()
                if not check(descriptor, token, desired, ctypes.byref(mapping),
                             ctypes.byref(privileges), ctypes.byref(size),
                             ctypes.byref(granted), ctypes.byref(status)):
                    return None
                return bool(status.value) and granted.value & desired == desired
            finally:
                close(token)
        finally:
            _free(descriptor)
    except (OSError, ValueError, ctypes.ArgumentError):
        return None


def can_write(path: str, is_dir: bool) -> Optional[bool]:
    """May this account create entries in the directory ``path`` (add a file and
    a subdirectory), or change the file ``path``? None when not measured.
    """
    wanted = FILE_ADD_FILE | FILE_ADD_SUBDIRECTORY if is_dir else FILE_WRITE_DATA
    return granted_rights(path, wanted)


def can_replace(path: str) -> Optional[bool]:
    """May this account delete (so replace) the existing file ``path``: DELETE
    on it, or FILE_DELETE_CHILD on its directory. None when not measured.
    """
    own = granted_rights(path, DELETE)
    if own:
        return True
    parent = granted_rights(os.path.dirname(path) or path, FILE_DELETE_CHILD)
    if parent:
        return True
    if own is None or parent is None:
        return None
    return False


# ---------------------------------------------------------- restart manager


def holders(path: str) -> Optional[list[dict[str, Any]]]:
    """The processes that hold ``path`` open, from the Restart Manager:
    ``[{"pid", "name", "how": "restart-manager"}]``; None when not measured
    (under Wine, whose Restart Manager answers "no process" for every file).
    """
    if under_wine():
        return None
    rstrtmgr = _library("rstrtmgr")
    start = _function(rstrtmgr, "RmStartSession")
    register = _function(rstrtmgr, "RmRegisterResources")
    get_list = _function(rstrtmgr, "RmGetList")
    end = _function(rstrtmgr, "RmEndSession")
    if None in (start, register, get_list, end):
        return None
    session = wintypes.DWORD()
    key = ctypes.create_unicode_buffer(CCH_RM_SESSION_KEY + 1)
    try:
        if start(ctypes.byref(session), 0, key) != 0:
            return None
    except (OSError, ctypes.ArgumentError):
        return None
    try:
        files = (ctypes.c_wchar_p * 1)(path)
        if register(session, 1, files, 0, None, 0, None) != 0:
            return None
        for _attempt in range(3):  # the list can grow between the two calls
            needed = wintypes.UINT()
            count = wintypes.UINT(0)
            reasons = wintypes.DWORD()
            status = get_list(session, ctypes.byref(needed), ctypes.byref(count), None,
                              ctypes.byref(reasons))
            if status == 0:
                return []
            if status != ERROR_MORE_DATA:
                return None
            infos = (RM_PROCESS_INFO * needed.value)()
            count = wintypes.UINT(needed.value)
            status = get_list(session, ctypes.byref(needed), ctypes.byref(count), infos,
                              ctypes.byref(reasons))
            if status == 0:
                return [
                    {"pid": int(info.Process.dwProcessId), "name": info.strAppName,
                     "how": "restart-manager"}
                    for info in infos[: count.value]
                ]
            if status != ERROR_MORE_DATA:
                return None
        return None
    except (OSError, ValueError, ctypes.ArgumentError):
        return None
    finally:
        end(session)


# ------------------------------------------------------------- registry


def long_paths_enabled() -> Optional[bool]:
    """``HKLM\\SYSTEM\\CurrentControlSet\\Control\\FileSystem\\LongPathsEnabled``
    is 1; False when it is 0 or absent (Windows' default), None when the key
    cannot be read.
    """
    try:
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, LONG_PATHS_KEY) as key:
            value, kind = winreg.QueryValueEx(key, "LongPathsEnabled")
    except FileNotFoundError:
        return False
    except OSError:
        return None
    return kind == winreg.REG_DWORD and value == 1


# -------------------------------------------------------------- account

TOKEN_USER_CLASS = 1
TOKEN_ELEVATION_CLASS = 20


def _token_information(token_class: int) -> Optional[ctypes.Array[ctypes.c_char]]:
    information = _function(_advapi32, "GetTokenInformation")
    close = _function(_kernel32, "CloseHandle")
    if information is None or close is None:
        return None
    token = _process_token(TOKEN_QUERY)
    if token is None:
        return None
    try:
        buffer = ctypes.create_string_buffer(512)
        size = wintypes.DWORD()
        if not information(token, token_class, buffer, ctypes.sizeof(buffer),
                           ctypes.byref(size)):
            return None
        return buffer
    finally:
        close(token)


def account_name() -> Optional[str]:
    """``DOMAIN\\name`` of the account this process runs as; None when not measured."""
    try:
        buffer = _token_information(TOKEN_USER_CLASS)
        if buffer is None:
            return None
        sid = ctypes.c_void_p.from_buffer(buffer)  # TOKEN_USER starts with the SID pointer
        return _account_name(ctypes.c_void_p(sid.value))
    except (OSError, ValueError, ctypes.ArgumentError):
        return None


def elevated() -> Optional[bool]:
    """This process runs elevated (as an administrator); None when not measured."""
    try:
        buffer = _token_information(TOKEN_ELEVATION_CLASS)
        if buffer is None:
            return None
        return bool(ctypes.c_ulong.from_buffer(buffer).value)
    except (OSError, ValueError, ctypes.ArgumentError):
        return None


def under_wine() -> bool:
    """This Windows is Wine (``ntdll`` exports ``wine_get_version``), whose
    Restart Manager is a stub that names no process.
    """
    return _function(_library("ntdll"), "wine_get_version") is not None
