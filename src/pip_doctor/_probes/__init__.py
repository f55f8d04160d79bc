"""Built-in probes: facts about this machine, registered like any plugin's.

One module per probe, each exposing ``PROBE``. They run in the order of
:data:`BUILTIN_PROBES`; later ones read earlier facts (``path`` reads
``scheme``, ``foreign_files`` reads ``path`` and ``environment``). The keys
each produces are documented in ``docs/facts.md``.
"""

from __future__ import annotations

import sys

from pip_doctor._model import Probe
from pip_doctor._probes import (
    account,
    cache,
    destinations,
    environment,
    foreign_files,
    in_use,
    interpreter,
    leftovers,
    network,
    network_probes,
    os_package,
    path,
    scheme,
    source_tree,
    temp_dir,
    user_site,
    windows,
)
from pip_doctor.hookspecs import hookimpl

BUILTIN_PROBES: tuple[Probe, ...] = (
    network.PROBE,
    network_probes.PROBE,
    interpreter.PROBE,
    environment.PROBE,
    account.PROBE,
    scheme.PROBE,
    path.PROBE,
    destinations.PROBE,
    foreign_files.PROBE,
    user_site.PROBE,
    leftovers.PROBE,
    temp_dir.PROBE,
    cache.PROBE,
    in_use.PROBE,
    os_package.PROBE,
    source_tree.PROBE,
)
if sys.platform == "win32":  # what only Windows has (docs/facts.md, "windows")
    BUILTIN_PROBES += (windows.PROBE,)


@hookimpl(tryfirst=True)
def pip_doctor_probes() -> tuple[Probe, ...]:
    """The built-in probes, ``tryfirst``: a plugin's probes run after them and
    read their facts (unless the plugin's own hook is ``tryfirst`` too).
    """
    return BUILTIN_PROBES
