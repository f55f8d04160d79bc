"""The plugin manager: loads built-ins, entry points and PIP_DOCTOR_PLUGINS.

Built-in plugins load first, then entry points of the ``pip_doctor`` group
(unless ``PIP_DOCTOR_DISABLE_PLUGIN_AUTOLOAD`` is set), then the modules named
in ``PIP_DOCTOR_PLUGINS``. ``PIP_DOCTOR_BLOCK`` names plugins (entry-point or
module names) and probe/rule ids that are not used. Every hook function is
called on its own under a time limit, so one broken plugin never hides
another's results.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from types import ModuleType
from typing import Any, Literal, Optional

import attrs
import pluggy

from pip_doctor import _timebox, hookspecs
from pip_doctor._model import Probe, Problem, Rule
from pip_doctor._version import __version__

Origin = Literal["builtin", "entrypoint", "env"]
Status = Literal["loaded", "blocked", "failed"]

ENTRY_POINT_GROUP = "pip_doctor"
#: The distribution that ships the built-in plugins.
DISTRIBUTION = "pip-doctor"

#: Built-in plugins, in load order: (plugin name, module).
BUILTIN_PLUGINS: tuple[tuple[str, str], ...] = (
    ("pip_doctor.probes", "pip_doctor._probes"),
    ("pip_doctor.rules", "pip_doctor._rules"),
    ("pip_doctor.declarative", "pip_doctor._declarative"),
    ("pip_doctor.redaction", "pip_doctor._redact"),
)

#: How long one plugin's registration hook (pip_doctor_probes/rules) may take.
REGISTRATION_TIMEOUT = 0.5


def _env_list(name: str, environ: Mapping[str, str]) -> tuple[str, ...]:
    raw = environ.get(name, "")
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _env_flag(name: str, environ: Mapping[str, str]) -> bool:
    return environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


def blocked_ids(environ: Mapping[str, str]) -> frozenset[str]:
    """The plugin names and probe/rule ids ``PIP_DOCTOR_BLOCK`` turns off.

    The one reading of the variable: the manager's, and that of a plugin
    whose own rules must obey it (declarative rules that only adjust).
    """
    return frozenset(_env_list("PIP_DOCTOR_BLOCK", environ))


def is_namespaced(identifier: str) -> bool:
    """True for ``"acme/thing"``: a non-empty namespace and name."""
    namespace, slash, name = identifier.partition("/")
    return bool(slash and namespace and name)


@attrs.frozen
class PluginInfo:
    """What ``pip-doctor plugins`` shows about one plugin."""

    name: str
    origin: Origin
    module: str
    status: Status
    distribution: Optional[str] = None
    version: Optional[str] = None
    error: Optional[str] = None
    probes: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    blocked_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "origin": self.origin,
            "module": self.module,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status,
            "error": self.error,
            "probes": list(self.probes),
            "rules": list(self.rules),
            "blocked_ids": list(self.blocked_ids),
        }


@attrs.frozen
class Contribution:
    """A probe or rule together with the plugin it came from."""

    source: str
    builtin: bool
    item: Any


class PluginManager(pluggy.PluginManager):
    """pluggy's manager with pip-doctor's loading rules and typed getters."""

    def __init__(self, environ: Optional[Mapping[str, str]] = None) -> None:
        super().__init__(hookspecs.PROJECT_NAME)
        self.add_hookspecs(hookspecs)
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.blocked: frozenset[str] = blocked_ids(self.environ)
        self._infos: list[PluginInfo] = []
        self._distributions_found = False
        self.load_problems: list[Problem] = []
        self._builtin_names: set[str] = set()
        self._probes: list[Contribution] = []
        self._rules: list[Contribution] = []
        self._hook_errors: dict[str, str] = {}

    # ----------------------------------------------------------------- loading

    def load_all(self) -> None:
        """Load built-ins, entry points and PIP_DOCTOR_PLUGINS, then collect."""
        for name, module in BUILTIN_PLUGINS:
            self._load_module(name, module, "builtin", DISTRIBUTION, __version__)
        if not _env_flag("PIP_DOCTOR_DISABLE_PLUGIN_AUTOLOAD", self.environ):
            self._load_entry_points()
        for module in _env_list("PIP_DOCTOR_PLUGINS", self.environ):
            self._load_module(module, module, "env")
        self._collect()

    def _load_module(
        self,
        name: str,
        module_name: str,
        origin: Origin,
        distribution: Optional[str] = None,
        version: Optional[str] = None,
        loader: Any = None,
    ) -> None:
        base = PluginInfo(
            name=name,
            origin=origin,
            module=module_name,
            status="loaded",
            distribution=distribution,
            version=version,
        )
        if name in self.blocked or module_name in self.blocked:
            self._infos.append(attrs.evolve(base, status="blocked"))
            return
        if self.has_plugin(name):
            return
        try:
            plugin = loader() if loader is not None else importlib.import_module(module_name)
            if self.is_registered(plugin):  # the same module by another name: once is enough
                return
            self.register(plugin, name=name)
        except BaseException as error:  # a plugin must never break pip
            if isinstance(error, KeyboardInterrupt):
                raise
            message = f"could not be loaded: {_timebox.describe(error)}"
            self._infos.append(attrs.evolve(base, status="failed", error=message))
            self.load_problems.append(Problem(source=name, message=message))
            return
        if origin == "builtin":
            self._builtin_names.add(name)
        self._infos.append(base)

    def _load_entry_points(self) -> None:
        try:
            for entry_point in _entry_points(ENTRY_POINT_GROUP):
                dist = getattr(entry_point, "dist", None)
                dist_name = getattr(dist, "name", None) if dist is not None else None
                if dist_name is None and dist is not None:
                    dist_name = dist.metadata["Name"]
                self._load_module(
                    entry_point.name,
                    entry_point.value.partition(":")[0],
                    "entrypoint",
                    distribution=dist_name,
                    version=getattr(dist, "version", None),
                    loader=entry_point.load,
                )
        except Exception as error:
            self.load_problems.append(
                Problem(
                    source="pip_doctor",
                    message=f"reading entry points failed: {_timebox.describe(error)}",
                )
            )

    def _collect(self) -> None:
        """Ask every loaded plugin once for its probes and rules."""
        for contributions, hook_name, kind in (
            (self._probes, "pip_doctor_probes", Probe),
            (self._rules, "pip_doctor_rules", Rule),
        ):
            for source, func in self.each_impl(hook_name):
                outcome = _timebox.call(functools.partial(_listed, func), REGISTRATION_TIMEOUT)
                if not outcome.ok:
                    message = f"{hook_name} failed: {outcome.error}"
                    self.load_problems.append(Problem(source=source, message=message))
                    self._hook_errors.setdefault(source, message)
                    continue
                builtin = source in self._builtin_names
                for item in outcome.value or ():
                    if isinstance(item, Problem):  # a plugin's own configuration mistakes
                        self.load_problems.append(item)
                        continue
                    problem = self._reject(item, kind, builtin)
                    if problem:
                        message = f"{hook_name}: {problem}"
                        self.load_problems.append(Problem(source=source, message=message))
                    else:
                        contributions.append(Contribution(source, builtin, item))
        self._record_ids()

    def _reject(self, item: object, kind: type, builtin: bool) -> Optional[str]:
        if not isinstance(item, kind):
            return f"returned {type(item).__name__}, expected {kind.__name__}; ignored"
        identifier: str = item.id  # type: ignore[attr-defined]
        if not builtin and not is_namespaced(identifier):
            return f"id {identifier!r} is not namespaced (use 'yourplugin/{identifier}'); ignored"
        return None

    def _record_ids(self) -> None:
        def ids(contributions: list[Contribution], name: str) -> tuple[str, ...]:
            return tuple(c.item.id for c in contributions if c.source == name)

        updated = []
        for info in self._infos:
            if info.status == "loaded":
                probes, rules = ids(self._probes, info.name), ids(self._rules, info.name)
                info = attrs.evolve(
                    info,
                    error=self._hook_errors.get(info.name),
                    probes=probes,
                    rules=rules,
                    blocked_ids=tuple(i for i in (*probes, *rules) if i in self.blocked),
                )
            updated.append(info)
        self._infos = updated

    # ----------------------------------------------------------------- getters

    @property
    def infos(self) -> list[PluginInfo]:
        """What ``pip-doctor plugins`` shows, one entry per plugin, in load order.

        The distribution of a ``PIP_DOCTOR_PLUGINS`` module is looked up here,
        on first use, not while pip runs: it means reading every installed
        distribution's file list.
        """
        if not self._distributions_found:
            self._distributions_found = True
            self._infos = [_with_distribution(info) for info in self._infos]
        return list(self._infos)

    def each_impl(self, hook_name: str) -> Iterator[tuple[str, Any]]:
        """(plugin name, function) for every implementation, built-ins first."""
        caller = getattr(self.hook, hook_name)
        impls = list(caller.get_hookimpls())
        impls.sort(key=lambda impl: impl.plugin_name not in self._builtin_names)
        for impl in impls:
            yield impl.plugin_name, functools.partial(_call_impl, impl)

    def is_builtin(self, source: str) -> bool:
        return source in self._builtin_names

    def get_probes(self) -> list[Contribution]:
        """Probes to run, in order, without blocked ids."""
        return [c for c in self._probes if c.item.id not in self.blocked]

    def get_rules(self) -> list[Contribution]:
        """Rules to run, in order, without blocked ids."""
        return [c for c in self._rules if c.item.id not in self.blocked]

    def plugin_modules(self) -> Iterable[ModuleType]:
        """The modules of loaded plugins."""
        for _name, plugin in self.list_name_plugin():
            if isinstance(plugin, ModuleType):
                yield plugin


def _listed(func: Any) -> list[Any]:
    return list(func() or ())


def _call_impl(impl: Any, **kwargs: Any) -> Any:
    """Call a hook function with the arguments it declares (pluggy's rule)."""
    return impl.function(**{name: kwargs[name] for name in impl.argnames if name in kwargs})


def _with_distribution(info: PluginInfo) -> PluginInfo:
    if info.origin != "env" or info.distribution is not None:
        return info
    distribution, version = _distribution_of(info.module)
    return attrs.evolve(info, distribution=distribution, version=version)


def _distribution_of(module_name: str) -> tuple[Optional[str], Optional[str]]:
    """(distribution, version) that ships the top-level package of ``module_name``."""
    top = module_name.partition(".")[0]
    if top == "pip_doctor":
        return DISTRIBUTION, __version__
    try:
        from importlib import metadata

        for dist in metadata.distributions():
            for line in (dist.read_text("top_level.txt") or "").split():
                if line == top:
                    return dist.metadata["Name"], dist.version
            for file in dist.files or ():
                if file.parts and file.parts[0] in (top, f"{top}.py"):
                    return dist.metadata["Name"], dist.version
    except Exception:
        pass
    return None, None


def _entry_points(group: str) -> Iterable[Any]:
    from importlib import metadata

    if sys.version_info >= (3, 10):
        return metadata.entry_points(group=group)
    return metadata.entry_points().get(group, ())  # pragma: no cover - Python 3.9


_lock = threading.Lock()
_manager: Optional[PluginManager] = None


def get_manager() -> PluginManager:
    """The process-wide manager, loaded on first use."""
    global _manager
    with _lock:
        if _manager is None:
            manager = PluginManager()
            manager.load_all()
            _manager = manager
        return _manager


def reset_manager() -> None:
    """Forget the loaded plugins (tests, and after the environment changed)."""
    global _manager
    with _lock:
        _manager = None
