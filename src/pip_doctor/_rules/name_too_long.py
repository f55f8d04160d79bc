"""``name-too-long``: ENAMETOOLONG: a part of the path is longer than its
filesystem allows (eCryptfs, the encrypted home of some Linux installs,
allows 143 bytes; most others 255), or the whole path is too long.
"""

from __future__ import annotations

from typing import Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Diagnosis, Fix, Rule, Situation
from pip_doctor._rules._common import code, error_line, text_fact
from pip_doctor._shells import shell_commands

ID = "name-too-long"

#: Linux's limit for a whole path (PATH_MAX).
PATH_MAX = 4096


def check(situation: Situation) -> Optional[Diagnosis]:
    if situation.error.family != "name" or situation.fact("interpreter", "platform") == "win32":
        return None  # Windows' path limits are `path-too-long`
    fs_type = text_fact(situation, "path", "fs_type")
    mount = text_fact(situation, "path", "mount_point")
    limit = situation.fact("path", "name_max")
    longest = text_fact(situation, "path", "longest_name")
    size = situation.fact("path", "longest_name_bytes")
    absolute = text_fact(situation, "path", "absolute") or ""
    evidence = [error_line(situation)]
    if isinstance(size, int) and longest:
        shown = longest if len(longest) <= 60 else longest[:28] + "…" + longest[-28:]
        evidence.append(f"the longest part of the path, {code(shown)}, is {size} bytes")
    if isinstance(limit, int):
        evidence.append(f"the filesystem at {code(mount)}" + (f" ({fs_type})" if fs_type else "")
                        + f" allows names of at most {limit} bytes")
    if fs_type == "ecryptfs":
        evidence.append("eCryptfs (an encrypted home directory) keeps room for encryption in "
                        "every name: 143 bytes instead of 255")
    over_path = len(absolute.encode("utf-8", "surrogateescape")) >= PATH_MAX
    if over_path:
        evidence.append(f"the whole path is {len(absolute)} characters, at Linux's limit")
    home = text_fact(situation, "account", "home")
    fixes: list[Fix] = []
    in_home = bool(mount and home and _fixes.is_within(home, mount))
    if fs_type == "ecryptfs" or (isinstance(limit, int) and limit < 255):
        base = "/var/tmp/" + (text_fact(situation, "account", "name") or "me")
        venv = base + "/venv"
        args, _known = _fixes.rerun_args(situation, drop={})
        fixes.append(Fix(
            summary=f"Keep the environment, the temporary directory and pip's cache outside "
            f"{mount or 'this filesystem'}: for example under {base}",
            commands=shell_commands(
                ["mkdir", "-p", base + "/tmp", base + "/cache"],
                [_fixes.python_of(situation), "-m", "venv", venv],
                ["env", f"TMPDIR={base}/tmp", f"PIP_CACHE_DIR={base}/cache",
                 _fixes.env_python(situation, venv), "-m", "pip", *args],
                shells=_fixes.POSIX_SHELLS,
            ),
            safety="safe",
        ))
    else:
        fixes.append(_fixes.new_venv(situation, avoid=[mount] if in_home else []))
    return Diagnosis(
        id=ID,
        title="A file name is too long for "
        + (f"the filesystem at {code(mount)}" if mount else "this filesystem")
        + (f" ({fs_type})" if fs_type else ""),
        confidence="high",
        evidence=evidence,
        fixes=fixes,
        links=(_links.VENV_GUIDE,),
        warnings=(),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="ENAMETOOLONG: eCryptfs' 143-byte names, or the path limit",
    families=frozenset({"name"}),
)
