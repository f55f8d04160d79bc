"""The ``interpreter`` probe: the Python that runs pip."""

from __future__ import annotations

import sys
from typing import Any, Optional

from pip_doctor._model import Probe, Situation

_RELEASE_LEVELS = {"alpha": "a", "beta": "b", "candidate": "rc"}


def pip_version(situation: Situation) -> Optional[str]:
    """The running pip's version: from the context, else from pip when it is loaded.

    pip is never imported here: under pip it is loaded already, and outside a
    pip run the context says which pip (``InstallContext.pip_version``).
    """
    if situation.context.pip_version:
        return situation.context.pip_version
    pip = sys.modules.get("pip")
    version = getattr(pip, "__version__", None)
    return version if isinstance(version, str) else None


def run(situation: Situation) -> dict[str, Any]:
    info = sys.version_info
    version = f"{info.major}.{info.minor}.{info.micro}"
    if info.releaselevel != "final":
        version += f"{_RELEASE_LEVELS.get(info.releaselevel, info.releaselevel)}{info.serial}"
    return {
        "executable": sys.executable or None,
        "version": version,
        "implementation": sys.implementation.name,
        "prefix": sys.prefix,
        "base_prefix": getattr(sys, "base_prefix", sys.prefix),
        "exec_prefix": sys.exec_prefix,
        "platform": sys.platform,
        "pip_version": pip_version(situation),
        # What the caller says ran pip; every fact here is of sys.executable.
        "context_interpreter": situation.context.interpreter or None,
    }


PROBE = Probe(
    id="interpreter",
    run=run,
    description="the Python that runs pip: executable, version, prefixes, pip's version",
    timeout=0.1,
)
