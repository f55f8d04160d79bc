"""The plugin manager: loads built-ins, entry points and PIP_DOCTOR_PLUGINS.

Built-in plugins load first, then entry points of the ``pip_doctor`` group
(unless ``PIP_DOCTOR_DISABLE_PLUGIN_AUTOLOAD`` is set), then the modules named
in ``PIP_DOCTOR_PLUGINS``. ``PIP_DOCTOR_BLOCK`` names plugins (entry-point or
module names) and probe/rule ids that are not used.

Hook implementations are called in pluggy's order: last registered first,
``tryfirst`` ones before and ``trylast`` ones after the others. Each one is
called on its own under a time limit, so one broken plugin never hides
another's results: one that raises, runs too long or returns junk is skipped
and listed in ``problems``. For the same reason hook wrappers
(``wrapper=True``, ``hookwrapper=True``) are refused when the plugin loads,
and so are implementations of hooks that do not exist (pluggy's
``check_pending``), unless marked ``optionalhook=True``.
"""

from __future__ import annotations

import functools
import importlib
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from types import ModuleType
from typing import Any, Literal, Optional

import attrs
import pluggy

from pip_doctor import _entry_points, _timebox, hookspecs
from pip_doctor._model import Config, Explanation, Probe, Problem, Rule, is_namespaced
from pip_doctor._version import __version__

Origin = Literal["builtin", "entrypoint", "env", "given"]
Status = Literal["loaded", "blocked", "failed"]

ENTRY_POINT_GROUP = "pip_doctor"
#: The distribution that ships the built-in plugins.
DISTRIBUTION = "pip-doctor"

#: Built-in plugins, in load order: (plugin name, module). A module that
#: defines ``Plugin`` is registered as an instance of it (one per manager:
#: what it reads at load time belongs to that manager, not to the process).
BUILTIN_PLUGINS: tuple[tuple[str, str], ...] = (
    ("pip_doctor.probes", "pip_doctor._probes"),
    ("pip_doctor.rules", "pip_doctor._rules"),
    ("pip_doctor.declarative", "pip_doctor._declarative"),
    ("pip_doctor.redaction", "pip_doctor._redact"),
)

#: How long one plugin's load-time hook (configure, probes, rules,
#: explanations) may take.
REGISTRATION_TIMEOUT = 0.5

#: The hooks called once, when plugins are loaded, in this order.
LOAD_TIME_HOOKS = (
    "pip_doctor_configure",
    "pip_doctor_probes",
    "pip_doctor_rules",
    "pip_doctor_explanations",
)


def _env_list(name: str, environ: Mapping[str, str]) -> tuple[str, ...]:
    raw = environ.get(name, "")
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _env_flag(name: str, environ: Mapping[str, str]) -> bool:
    return environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


def blocked_ids(environ: Mapping[str, str]) -> frozenset[str]:
    """The plugin names and probe/rule ids ``PIP_DOCTOR_BLOCK`` turns off."""
    return frozenset(_env_list("PIP_DOCTOR_BLOCK", environ))


@attrs.frozen(kw_only=True)
class PluginInfo:
    """What ``pip-doctor plugins`` shows about one plugin (its ``--json`` entry)."""

    name: str
    origin: Origin
    module: str
    status: Status
    distribution: Optional[str] = None
    version: Optional[str] = None
    error: Optional[str] = None
    hooks: tuple[str, ...] = ()
    refused_hooks: tuple[str, ...] = ()
    probes: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    explanations: tuple[str, ...] = ()
    blocked_ids: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The entry of ``pip-doctor plugins --json`` (schema in the hookspecs)."""
        return {
            "name": self.name,
            "origin": self.origin,
            "module": self.module,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status,
            "error": self.error,
            "hooks": list(self.hooks),
            "refused_hooks": list(self.refused_hooks),
            "probes": list(self.probes),
            "rules": list(self.rules),
            "explanations": list(self.explanations),
            "blocked_ids": list(self.blocked_ids),
            "problems": list(self.problems),
        }


@attrs.frozen
class Contribution:
    """A probe, rule or explanation together with the plugin it came from."""

    source: str
    builtin: bool
    item: Any


class PluginManager(pluggy.PluginManager):
    """pluggy's manager with pip-doctor's loading rules and typed getters.

    ``load_all()`` loads what the environment names; a test (or a tool) can
    instead call :meth:`load_builtins`, :meth:`add_plugin` for each plugin
    object it wants, then :meth:`finish`.
    """

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
        self._explanations: dict[str, Contribution] = {}
        self._hook_errors: dict[str, str] = {}
        self._plugin_problems: dict[str, list[str]] = {}
        self._refused: set[int] = set()
        self._refused_hooks: dict[str, set[str]] = {}
        self._finished = False

    # ----------------------------------------------------------------- loading

    def load_all(self) -> None:
        """Load built-ins, entry points and PIP_DOCTOR_PLUGINS, then collect."""
        self.load_builtins()
        if not _env_flag("PIP_DOCTOR_DISABLE_PLUGIN_AUTOLOAD", self.environ):
            self._load_entry_points()
        for module in _env_list("PIP_DOCTOR_PLUGINS", self.environ):
            self._load_module(module, module, "env")
        self.finish()

    def load_builtins(self) -> None:
        """Register the built-in plugins (probes, rules, rules files, redaction)."""
        for name, module in BUILTIN_PLUGINS:
            self._load_module(name, module, "builtin", DISTRIBUTION, __version__)

    def add_plugin(self, plugin: object, name: Optional[str] = None) -> None:
        """Register a plugin object (a module, a class instance) before :meth:`finish`."""
        if isinstance(plugin, ModuleType):
            module = plugin.__name__
            default = module
        else:
            module = type(plugin).__module__
            default = f"{module}.{type(plugin).__qualname__}"
        if name is None:
            name, number = default, 1
            while self.has_plugin(name):
                number += 1
                name = f"{default}-{number}"
        self._load_module(name, module, "given", loader=lambda: plugin)

    def finish(self) -> None:
        """Check what was registered, then call the load-time hooks once."""
        if self._finished:
            return
        self._finished = True
        self._check_hooks()
        config = Config(environ=self.environ, blocked=self.blocked)
        self._configure(config)
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
            if origin == "builtin" and isinstance(getattr(plugin, "Plugin", None), type):
                plugin = plugin.Plugin()
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
        self._check_unmarked(name, plugin)

    def _load_entry_points(self) -> None:
        try:
            for entry_point in _entry_points.entry_points(ENTRY_POINT_GROUP):
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

    # ------------------------------------------------------------- validation

    def _problem(self, source: str, message: str) -> None:
        self.load_problems.append(Problem(source=source, message=message))
        self._plugin_problems.setdefault(source, []).append(message)

    def _returned_problem(self, source: str, problem: Problem) -> None:
        """A problem a plugin's load-time hook returned (a mistake in its own
        configuration): the report's ``problems`` keep it as it is, and the
        plugin's entry lists it, with its source when that is another name.
        """
        self.load_problems.append(problem)
        text = problem.message if problem.source == source else (
            f"{problem.source}: {problem.message}")
        self._plugin_problems.setdefault(source, []).append(text)

    def _check_unmarked(self, name: str, plugin: object) -> None:
        """A ``pip_doctor_*`` function without ``@hookimpl`` is never called: say so."""
        marker = f"{hookspecs.PROJECT_NAME}_impl"
        for attribute in sorted(getattr(plugin, "__dict__", {})):
            if not attribute.startswith("pip_doctor_"):
                continue
            value = getattr(plugin, attribute, None)
            if callable(value) and not hasattr(value, marker):
                self._problem(name, f"{attribute} is not marked @pip_doctor.hookimpl; "
                                    "it is not called")

    def _check_hooks(self) -> None:
        """Refuse implementations of unknown hooks (pluggy's ``check_pending``)
        and hook wrappers, each with a problem for its plugin.
        """
        known = sorted(name for name in self.hook.__dict__
                       if not name.startswith("_") and getattr(self.hook, name).has_spec())
        for name in sorted(self.hook.__dict__):
            if name.startswith("_"):
                continue
            caller = getattr(self.hook, name)
            for impl in caller.get_hookimpls():
                if not caller.has_spec():
                    if impl.optionalhook:
                        continue
                    import difflib  # here: only a misspelled hook needs it

                    close = difflib.get_close_matches(name, known, n=1)
                    hint = f" (did you mean {close[0]}?)" if close else ""
                    self._problem(impl.plugin_name,
                                  f"unknown hook {name}{hint}; it is not called")
                    self._refuse(impl, name)
                elif impl.hookwrapper or impl.wrapper:
                    self._problem(
                        impl.plugin_name,
                        f"{name}: hook wrappers are not supported (each implementation is "
                        "called on its own, under its own time limit); it is not called",
                    )
                    self._refuse(impl, name)

    def _refuse(self, impl: Any, hook_name: str) -> None:
        self._refused.add(id(impl))
        self._refused_hooks.setdefault(impl.plugin_name, set()).add(hook_name)

    # ------------------------------------------------------------- collecting

    def _call_load_hook(self, source: str, hook_name: str, func: Any) -> Optional[list[Any]]:
        outcome = _timebox.call(functools.partial(_listed, func), REGISTRATION_TIMEOUT)
        if not outcome.ok:
            message = f"{hook_name} failed: {outcome.error}"
            self._problem(source, message)
            self._hook_errors.setdefault(source, message)
            return None
        return outcome.value or []

    def _configure(self, config: Config) -> None:
        """Call every ``pip_doctor_configure``; a returned problem is kept."""
        for source, func in self.each_impl("pip_doctor_configure"):
            for item in self._call_load_hook(
                source, "pip_doctor_configure", functools.partial(func, config=config)
            ) or ():
                if isinstance(item, Problem):
                    self._returned_problem(source, item)
                else:
                    self._problem(source, f"pip_doctor_configure returned "
                                          f"{type(item).__name__}, expected Problem; ignored")

    def _collect(self) -> None:
        """Ask every loaded plugin once for its probes, rules and explanations."""
        for hook_name, kind in (
            ("pip_doctor_probes", Probe),
            ("pip_doctor_rules", Rule),
            ("pip_doctor_explanations", Explanation),
        ):
            for source, func in self.each_impl(hook_name):
                items = self._call_load_hook(source, hook_name, func)
                builtin = source in self._builtin_names
                for item in items or ():
                    if isinstance(item, Problem):  # a plugin's own configuration mistakes
                        self._returned_problem(source, item)
                        continue
                    problem = self._reject(item, kind, builtin)
                    if problem:
                        self._problem(source, f"{hook_name}: {problem}")
                        continue
                    contribution = Contribution(source, builtin, item)
                    if kind is Probe:
                        self._probes.append(contribution)
                    elif kind is Rule:
                        self._rules.append(contribution)
                    else:
                        self._add_explanation(contribution)
        self._record_ids()

    def _add_explanation(self, contribution: Contribution) -> None:
        """Keep the first explanation of an id, a built-in's over a plugin's."""
        explanation: Explanation = contribution.item
        earlier = self._explanations.get(explanation.id)
        if earlier is None:
            self._explanations[explanation.id] = contribution
            return
        kept, dropped = earlier, contribution
        if contribution.builtin and not earlier.builtin:
            kept, dropped = contribution, earlier
            self._explanations[explanation.id] = contribution
        self._problem(dropped.source, f"pip_doctor_explanations: {explanation.id!r} is "
                                      f"already explained by {kept.source}; ignored")

    def _reject(self, item: object, kind: type, builtin: bool) -> Optional[str]:
        if not isinstance(item, kind):
            return f"returned {type(item).__name__}, expected {kind.__name__}; ignored"
        identifier: str = item.id  # type: ignore[attr-defined]
        if not builtin and not is_namespaced(identifier):
            return f"id {identifier!r} is not namespaced (use 'yourplugin/{identifier}'); ignored"
        return None

    def _record_ids(self) -> None:
        def ids(contributions: Iterable[Contribution], name: str) -> tuple[str, ...]:
            return tuple(c.item.id for c in contributions if c.source == name)

        updated = []
        for info in self._infos:
            if info.status == "loaded":
                probes, rules = ids(self._probes, info.name), ids(self._rules, info.name)
                plugin = self.get_plugin(info.name)
                hooks = sorted({impl.name for impl in self.get_hookcallers(plugin) or ()}
                               if plugin is not None else ())
                info = attrs.evolve(
                    info,
                    error=self._hook_errors.get(info.name),
                    hooks=tuple(hooks),
                    refused_hooks=tuple(sorted(self._refused_hooks.get(info.name, ()))),
                    probes=probes,
                    rules=rules,
                    explanations=ids(self._explanations.values(), info.name),
                    blocked_ids=tuple(i for i in (*probes, *rules) if i in self.blocked),
                    problems=tuple(self._plugin_problems.get(info.name, ())),
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
        """(plugin name, function) for every implementation, in pluggy's call order.

        That is the reverse of the registration order, ``tryfirst`` ones
        first and ``trylast`` ones last; refused implementations (wrappers,
        unknown hooks) are left out. Each function takes the hook's arguments
        as keywords and passes on those the implementation declares.
        """
        caller = getattr(self.hook, hook_name)
        for impl in reversed(caller.get_hookimpls()):
            if id(impl) in self._refused or impl.hookwrapper or impl.wrapper:
                continue
            yield impl.plugin_name, functools.partial(_call_impl, impl)

    def is_builtin(self, source: str) -> bool:
        """True for the name of a built-in plugin."""
        return source in self._builtin_names

    def get_probes(self) -> list[Contribution]:
        """Probes to run, in order, without blocked ids."""
        return [c for c in self._probes if c.item.id not in self.blocked]

    def get_rules(self) -> list[Contribution]:
        """Rules to run, in order, without blocked ids."""
        return [c for c in self._rules if c.item.id not in self.blocked]

    def get_explanations(self) -> dict[str, Explanation]:
        """Every explanation ``pip-doctor explain`` knows, by id (built-ins first)."""
        builtin = [c for c in self._explanations.values() if c.builtin]
        others = [c for c in self._explanations.values() if not c.builtin]
        return {c.item.id: c.item for c in (*builtin, *others)}

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
