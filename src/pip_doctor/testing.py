"""Helpers for testing a pip-doctor plugin, with pytest or anything else.

Nothing here touches the process-wide plugins: each helper builds a fresh
plugin manager holding pip-doctor's built-in plugins (unless
``builtins=False``) and the plugin objects you pass, and nothing else (no
entry points, no ``PIP_DOCTOR_PLUGINS``). Hooks are called exactly as in a
real run: in pluggy's order, each on its own, under its time limit.

Example (the test module of a plugin ``acme_pip_doctor.plugin``)::

    from acme_pip_doctor import plugin
    from pip_doctor import testing

    def test_home_on_nfs_is_found():
        situation = testing.make_situation(
            facts={"acme/home-fs": {"home": "/home/alice", "nfs": True}})
        assert plugin.home_on_nfs(situation).id == "acme/home-on-nfs"

    def test_through_pip_doctor():
        report = testing.diagnose(testing.make_error(13, "/opt/env/lib/x"),
                                  plugins=[plugin])
        assert not [p for p in report.problems if p.source == plugin.__name__]
        text = report.to_text(color=False)  # what pip would show after its message
        for diagnosis in report.diagnoses:
            if diagnosis.id.startswith("acme/"):  # points to `pip-doctor explain ID`
                assert f"explain {diagnosis.id}" in text

    def test_loads_cleanly():
        manager = testing.make_manager(plugin)
        assert manager.load_problems == []
        assert "acme/home-on-nfs" in manager.get_explanations()
"""

from __future__ import annotations

import errno as _errno
import os
from collections.abc import Iterable, Mapping
from typing import Optional, Union

from pip_doctor import _engine
from pip_doctor._manager import PluginManager
from pip_doctor._model import JSON, ErrorInfo, Facts, InstallContext, Report, Situation

__all__ = ["PluginManager", "diagnose", "make_error", "make_manager", "make_situation"]


def make_manager(
    *plugins: object,
    environ: Optional[Mapping[str, str]] = None,
    builtins: bool = True,
) -> PluginManager:
    """A fresh plugin manager with the built-ins and ``plugins`` (modules or
    objects with ``@pip_doctor.hookimpl`` functions), loaded and checked.

    ``environ`` is the environment the manager and the plugins' configure
    hooks read (``PIP_DOCTOR_BLOCK``, ``PIP_DOCTOR_RULES``, ...); default
    ``os.environ``. What a test reads from the result:

    - ``load_problems``: a list of :class:`pip_doctor.Problem`, what went
      wrong while loading (an unknown hook, a wrapper, a hook that raised,
      an id that is not namespaced);
    - ``infos``: what ``pip-doctor plugins`` shows, one entry per plugin
      (``info.to_dict()`` is the ``--json`` entry);
    - ``get_explanations()``: every id ``pip-doctor explain`` knows, with
      its :class:`pip_doctor.Explanation`;
    - ``get_probes()``, ``get_rules()``: what will run, in order (each entry
      has ``.item``, the probe or rule, and ``.source``, its plugin's name).
    """
    manager = PluginManager(os.environ if environ is None else environ)
    if builtins:
        manager.load_builtins()
    for plugin in plugins:
        manager.add_plugin(plugin)
    manager.finish()
    return manager


def make_error(
    number: int = _errno.EACCES,
    filename: Optional[str] = "/nowhere/pip-doctor-test/x",
    *,
    filename2: Optional[str] = None,
    strerror: Optional[str] = None,
) -> OSError:
    """The ``OSError`` pip would meet: ``make_error(13, "/opt/env/lib/x")`` is a
    ``PermissionError`` with errno 13, the system's message and that file.
    """
    message = strerror if strerror is not None else os.strerror(number)
    if filename2 is not None:
        return OSError(number, message, filename, None, filename2)
    return OSError(number, message, filename)


def make_situation(
    *,
    error: Union[BaseException, ErrorInfo, None] = None,
    facts: Optional[Mapping[str, Mapping[str, JSON]]] = None,
    context: Optional[InstallContext] = None,
) -> Situation:
    """A :class:`pip_doctor.Situation` for calling a rule's or probe's function
    directly: ``error`` (default :func:`make_error`'s), the ``facts`` you give
    (probe id -> {key: value}; nothing is measured) and ``context`` (default: a
    plain ``pip install``).
    """
    if error is None:
        error = make_error()
    info = error if isinstance(error, ErrorInfo) else ErrorInfo.from_exception(error)
    return Situation(error=info, context=context or InstallContext(), facts=Facts(facts or {}))


def diagnose(
    error: Union[BaseException, ErrorInfo],
    *,
    plugins: Iterable[object] = (),
    context: Optional[InstallContext] = None,
    environ: Optional[Mapping[str, str]] = None,
    builtins: bool = True,
    manager: Optional[PluginManager] = None,
) -> Report:
    """The whole diagnosis of ``error`` on this machine, with ``plugins``: the
    probes measure for real, then rules, report adjustments and redaction run
    as they do inside pip. Pass ``manager`` (from :func:`make_manager`) to
    reuse one; otherwise a fresh one is made from ``plugins``, ``environ``
    and ``builtins``.
    """
    if manager is None:
        manager = make_manager(*plugins, environ=environ, builtins=builtins)
    return _engine.diagnose(error, context or InstallContext(), manager)

