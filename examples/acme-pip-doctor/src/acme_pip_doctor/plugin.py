"""ACME's hooks for pip-doctor: a probe, two rules with their explanations, a
suppression and a redaction.

pip-doctor imports this module in the process that diagnoses a failed pip
command (never inside pip itself). The home directory is looked up once, when
the module loads.
"""

from __future__ import annotations

import errno
import os
import re
from typing import Any, Optional

from pip_doctor import (
    Diagnosis,
    Explanation,
    Fix,
    Link,
    Probe,
    Report,
    Rule,
    Situation,
    hookimpl,
    shell_commands,
)

#: The home directory of the account that runs pip, resolved at import time.
HOME = os.path.realpath(os.path.expanduser("~"))
MOUNT_TABLE = "/proc/self/mounts"
NETWORK_FILESYSTEMS = frozenset({"nfs", "nfs4", "cifs", "smb3", "fuse.sshfs"})
#: ACME's internal host names: never in a report that leaves the machine.
INTERNAL_HOST = re.compile(r"(?<![\w.-])[\w-]+(?:\.[\w-]+)*\.acme\.internal(?![\w-])")
PERMISSION_ERRORS = frozenset({errno.EACCES, errno.EPERM})

SETUP_GUIDE = "https://go.acme.example/python-setup"


def home_filesystem(home: str = HOME, mount_table: str = MOUNT_TABLE) -> dict[str, Any]:
    """Which mount ``home`` lies on: the longest mount point that contains it."""
    mount_point, fs_type = "", None
    with open(mount_table, encoding="utf-8", errors="replace") as mounts:
        for line in mounts:
            fields = line.split()
            if len(fields) < 3:
                continue
            point = fields[1].replace("\\040", " ")
            inside = home == point or home.startswith(point.rstrip("/") + "/")
            if inside and len(point) >= len(mount_point):
                mount_point, fs_type = point, fields[2]
    return {
        "home": home,
        "mount_point": mount_point or None,
        "fs_type": fs_type,
        "nfs": fs_type in NETWORK_FILESYSTEMS,
    }


def _probe_home(situation: Situation) -> dict[str, Any]:
    return home_filesystem()


def shared_environment(situation: Situation) -> Optional[Diagnosis]:
    """A permission error in a venv/conda env that belongs to another account."""
    if situation.error.errno not in PERMISSION_ERRORS:
        return None
    if situation.fact("account", "is_root") or situation.fact("path", "writable") is not False:
        return None
    if situation.fact("environment", "kind") not in ("venv", "conda"):
        return None
    owner = situation.fact("path", "owner_uid")
    if owner is None or owner == situation.fact("account", "euid"):
        return None
    where = situation.fact("path", "nearest_existing")
    root = situation.fact("environment", "root") or situation.context.interpreter
    return Diagnosis(
        id="acme/shared-env",
        title="This environment is shared and managed by acme-env: make your own",
        confidence="high",
        evidence=[
            f"{where} belongs to {situation.fact('path', 'owner_name')} (uid {owner}); "
            f"you are {situation.fact('account', 'name')} "
            f"(uid {situation.fact('account', 'euid')})",
            f"pip installs into {root}",
        ],
        fixes=[
            Fix(
                summary="Create your own environment from ACME's base image",
                commands=shell_commands(
                    ["acme-env", "create", "--from", root], ["acme-env", "activate"]
                ),
                safety="safe",
            )
        ],
        links=[Link(title="Python at ACME: shared environments", url=f"{SETUP_GUIDE}#shared")],
        warnings=["Do not ask for sudo: shared environments are rebuilt every night."],
    )


def home_on_nfs(situation: Situation) -> Optional[Diagnosis]:
    """A permission error while the home directory is on NFS (root squash)."""
    if situation.error.errno not in PERMISSION_ERRORS:
        return None
    if not situation.fact("acme/home-fs", "nfs"):
        return None
    home = situation.fact("acme/home-fs", "home")
    return Diagnosis(
        id="acme/home-on-nfs",
        title="Your home directory is on NFS: keep environments on local disk",
        confidence="medium",
        evidence=[f"{home} is on {situation.fact('acme/home-fs', 'fs_type')}"],
        fixes=[
            Fix(
                summary="Create the environment on local disk",
                commands=shell_commands(["acme-env", "create", "--local"]),
                safety="safe",
            )
        ],
        links=[Link(title="Python at ACME: environments on NFS", url=f"{SETUP_GUIDE}#nfs")],
        warnings=["Do not retry with sudo: root is squashed on NFS and cannot write there."],
    )


@hookimpl
def pip_doctor_probes() -> list[Probe]:
    return [Probe(id="acme/home-fs", run=_probe_home, timeout=0.1,
                  description="the filesystem of the home directory")]


@hookimpl
def pip_doctor_rules() -> list[Rule]:
    return [
        Rule(id="acme/shared-env", check=shared_environment,
             description="shared environments are managed by acme-env"),
        Rule(id="acme/home-on-nfs", check=home_on_nfs,
             description="home directories on NFS"),
    ]


@hookimpl
def pip_doctor_explanations() -> list[Explanation]:
    """What ``pip-doctor explain acme/...`` prints (and why ``more:`` is shown)."""
    return [
        Explanation(
            id="acme/shared-env",
            title="a shared environment managed by acme-env",
            what="""The environment pip installs into was made by acme-env for a
            whole team and belongs to its service account: your account may
            read it but not change it.""",
            why="""Shared environments keep everyone on the same versions. They
            are rebuilt every night from ACME's base image, so anything
            installed into them by hand would vanish anyway.""",
            fix="""Create your own environment from the base image
            (`acme-env create --from ENV`), activate it and install there.""",
            prevent="Start projects with `acme-env create`, never in a shared environment.",
            links=[Link(title="Python at ACME: shared environments",
                        url=f"{SETUP_GUIDE}#shared")],
        ),
        Explanation(
            id="acme/home-on-nfs",
            title="a home directory on NFS",
            what="""ACME's home directories live on NFS with root squash: root
            cannot write there, and environments there are slow.""",
            fix="Create the environment on local disk: `acme-env create --local`.",
            links=[Link(title="Python at ACME: environments on NFS",
                        url=f"{SETUP_GUIDE}#nfs")],
        ),
    ]


@hookimpl
def pip_doctor_adjust_report(report: Report) -> Optional[Report]:
    """ACME's advice on shared environments replaces the built-in one."""
    if report.get("acme/shared-env") is None:
        return None
    return report.without("env-owned-by-other-user")


@hookimpl
def pip_doctor_secrets(situation: Situation) -> list[tuple[re.Pattern[str], str]]:
    return [(INTERNAL_HOST, "<internal-host>")]
