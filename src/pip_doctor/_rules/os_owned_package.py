"""``os-owned-package``: pip was asked to uninstall or upgrade a package that
the operating system's package manager installed (Debian's ``python3-*``,
Fedora's ``python3-*`` RPMs). pip refuses (``uninstall-no-record-file``,
``uninstall-distutils-installed-package``) or cannot remove its files.
"""

from __future__ import annotations

from typing import Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Diagnosis, Fix, Rule, Situation
from pip_doctor._rules._common import code, error_line, reference, text_fact
from pip_doctor._shells import shell_commands

ID = "os-owned-package"
REFERENCES = ("uninstall-no-record-file", "uninstall-distutils-installed-package")


def check(situation: Situation) -> Optional[Diagnosis]:
    package = text_fact(situation, "os_package", "package")
    manager = text_fact(situation, "os_package", "manager")
    refused = reference(situation) in REFERENCES
    if package is None and not refused:
        return None
    if package is None and situation.error.family != "other":
        return None
    path = text_fact(situation, "os_package", "path")
    evidence = [error_line(situation)]
    if refused:
        evidence.append(f"pip refused: {reference(situation)} (the package has no record of "
                        "its files that pip could use)")
    if package:
        evidence.append(f"{code(path)} belongs to the {manager} package {code(package)}"
                        + (f" (`dpkg -S {path}`)" if manager == "dpkg" else ""))
    fixes: list[Fix] = [_fixes.new_venv(situation)]
    if package and situation.fact("environment", "kind") == "system":
        fixes.append(Fix(
            summary="To have a virtual environment see the system's packages and still "
            "upgrade this one inside it, create it with --system-site-packages",
            commands=shell_commands(
                [_fixes.python_of(situation), "-m", "venv", "--system-site-packages",
                 _fixes.venv_directory(situation)]),
            safety="safe",
        ))
    if package and manager == "dpkg":
        fixes.append(Fix(
            summary=f"To change the system's copy, use the package manager ({package})",
            commands=shell_commands(["apt", "policy", package], shells=_fixes.POSIX_SHELLS),
            safety="safe",
        ))
    return Diagnosis(
        id=ID,
        title="The package belongs to the operating system"
        + (f" ({manager} package {code(package)})" if package else "")
        + ": leave it to the package manager",
        confidence="high" if package else "medium",
        evidence=evidence,
        fixes=fixes,
        links=(_links.EXTERNALLY_MANAGED_SPEC, _links.VENV_GUIDE),
        warnings=("Never delete files in dist-packages by hand, and do not force pip "
                  "over them: the package manager would no longer know what is "
                  "installed, and system tools may break.",
                  _fixes.WARN_SUDO_PIP),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="uninstall or upgrade of a package the OS package manager owns",
    families=frozenset({"permission", "other", "missing"}),
)
