"""The hooks of pip-doctor: the plugin author's manual.

pip-doctor is a pipeline::

    OSError + install context
      -> probes   (pip_doctor_probes: facts about this machine, time-bounded)
      -> rules    (pip_doctor_rules: diagnoses, each with its evidence)
      -> report   (ranked best first; pip_doctor_secrets and
                   pip_doctor_adjust_report may change it)
      -> text for pip's output, JSON for tools (pip_doctor_report_paths
         names extra files the JSON is written to)

Everything built in is registered through these same hooks: a plugin is a
peer of the built-ins, not a special case.

Writing a plugin
----------------
A plugin is a module (or a class instance) with functions marked by
:data:`pip_doctor.hookimpl` whose names are the hook names below. Ship it in
an ordinary distribution and register it in the ``pip_doctor`` entry-point
group::

    # pyproject.toml
    [project.entry-points.pip_doctor]
    acme = "acme_pip_doctor.plugin"

or name the module in ``PIP_DOCTOR_PLUGINS=acme_pip_doctor.plugin`` for a
single run. ``examples/acme-pip-doctor/`` in pip-doctor's source is a complete
plugin with tests. Every record (:class:`pip_doctor.Diagnosis`, ``Fix``,
``Link``, ``Probe``, ``Rule``, ``Problem``, ``Explanation``, ...) takes
keyword arguments only (since 0.2).

When hooks are called
---------------------
Once, when plugins are loaded (in this order): ``pip_doctor_configure``,
``pip_doctor_probes``, ``pip_doctor_rules``, ``pip_doctor_explanations``.
Then, for each failure: the probes, the rules, ``pip_doctor_adjust_report``,
``pip_doctor_secrets``, and (inside pip only) ``pip_doctor_report_paths``.

Implementations of one hook are called in pluggy's order: the plugin
registered last is called first; ``@hookimpl(tryfirst=True)`` moves an
implementation before the others, ``trylast=True`` after them (among several
``tryfirst`` ones, again the last registered first). Plugins are registered
in this order: the built-ins, then entry points (in the order
``importlib.metadata`` lists them), then ``PIP_DOCTOR_PLUGINS`` from left to
right. The built-in ``pip_doctor_probes`` and ``pip_doctor_rules`` are
``tryfirst``; the rules files' ``pip_doctor_adjust_report`` is ``trylast``.
So:

- probes run in the order their ``pip_doctor_probes`` were called, and each
  sees the facts of those before it: the built-in probes first, then
  plugins' (last registered first). A plugin whose hook is ``tryfirst`` runs
  its probes before the built-ins and cannot read their facts.
- Diagnoses are ranked by confidence (high, medium, low); among diagnoses of
  equal confidence, the order of the rules that made them: a built-in
  diagnosis comes before a plugin's, and a plugin's before a rules file's,
  unless the plugin's ``pip_doctor_rules`` is ``tryfirst`` (then its
  diagnoses come first). ``pip_doctor_adjust_report`` can re-rank
  (``report.with_confidence``) or remove (``report.without``) any of them.
- Each ``pip_doctor_adjust_report`` sees the report the one before it
  returned; a rules file's suppressions come last.

Each implementation is called on its own, under a time limit: one that
raises, returns the wrong type or runs too long is skipped and listed in the
report's ``problems`` (``{"source": PLUGIN, "message": ...}``); the others,
pip's own message and its exit status are not affected. That is why hook
wrappers (``wrapper=True``, ``hookwrapper=True``) are not supported: each is
refused when the plugin loads, with a problem, and the plugin's other hooks
still run. A function marked ``@hookimpl`` whose name is not a hook below
(``pip_doctor_rule``) is refused with a problem that suggests the nearest
name, unless marked ``@hookimpl(optionalhook=True)`` (a hook of a newer
pip-doctor); a ``pip_doctor_*`` function without ``@hookimpl`` is a problem
too (it would never be called). ``pip-doctor plugins`` lists them all.

``pip-doctor plugins --json``
-----------------------------
``{"plugins": [PLUGIN, ...], "problems": [{"source": ..., "message": ...}]}``,
one PLUGIN per plugin in load order::

    {"name": "acme",                       # entry-point name, or module name
     "origin": "entrypoint",               # builtin | entrypoint | env | given
     "module": "acme_pip_doctor.plugin",
     "distribution": "acme-pip-doctor",    # or null when unknown
     "version": "1.0.0",                   # or null
     "status": "loaded",                   # loaded | blocked | failed
     "error": null,                        # why it failed, or its first failing hook
     "hooks": ["pip_doctor_probes", ...],  # the hooks it implements, sorted
     "refused_hooks": [],                  # those of them refused (unknown, wrapper)
     "probes": ["acme/home-fs"],           # in the order they run
     "rules": ["acme/shared-env"],
     "explanations": ["acme/shared-env"],
     "blocked_ids": [],                    # its ids named in PIP_DOCTOR_BLOCK
     "problems": ["unknown hook ..."]}     # what was refused or failed at load,
                                           # and the Problems its load-time hooks
                                           # returned ("SOURCE: message" when
                                           # SOURCE is not the plugin's name)

``problems`` holds every load-time problem (also those of rules files), each
with the source it was given. Keys are only ever added (``refused_hooks`` in
0.2). Without ``--json`` the same is shown as text: each plugin with its
hooks (refused ones marked), ids and problems.

Testing a plugin
----------------
:mod:`pip_doctor.testing` builds a fresh manager with the built-ins and your
plugin (``make_manager``), a situation from facts you give
(``make_situation``), the OSError pip would meet (``make_error``) and the
whole diagnosis of it with your plugin (``diagnose``); no private module is
needed.

Without Python
--------------
Probes of a mount, file or environment variable, rules, explanations,
suppressions of built-in ids and redactions can also be written as TOML, in
``/etc/pip-doctor/rules.toml``, ``{sys.prefix}/etc/pip-doctor/rules.toml`` or
files named in ``PIP_DOCTOR_RULES``; the format is described in
``pip_doctor._declarative`` and ``examples/rules/acme-rules.toml`` does what
the example plugin does.

Rules of the road
-----------------
- Namespace your ids: ``acme/...`` for probes, rules, diagnoses and
  explanations. The built-in cause ids are listed by ``pip-doctor explain``.
- Read the environment from ``config.environ`` (``pip_doctor_configure``),
  not from ``os.environ``.
- A fix's commands are data: build them with
  :func:`pip_doctor.shell_commands`, which quotes each word for every shell.
  A path in the home directory is :func:`pip_doctor.home_path`
  (``home_path(".config", "acme")``): a plain ``"~/.config/acme"`` would be
  quoted as a literal ``~``.
- Import what you need where you need it. The diagnosis of a failed pip
  command runs in a process of its own (never inside pip, whose 26.3 forbids
  imports once installation has started), within pip's deadline
  (``PIP_DOCTOR_TIMEOUT``, 0.5 s by default) shared with everything else:
  keep slow work out of module level. Whatever your plugin prints there is
  not shown.
- Never reach the network and never write outside the paths you are given.
"""

from __future__ import annotations

from collections.abc import Iterable
from os import PathLike
from re import Pattern
from typing import Optional, Union

import pluggy

from pip_doctor._model import Config, Explanation, Probe, Problem, Report, Rule, Situation

PROJECT_NAME = "pip_doctor"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
#: Marks a plugin's hook functions: ``@pip_doctor.hookimpl`` (the one marker
#: every plugin, built-in or not, uses).
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def pip_doctor_configure(config: Config) -> Optional[Iterable[Problem]]:
    """Do this plugin's load-time work: read its configuration, prepare tables.

    Called once per plugin manager, when plugins are loaded, before any other
    hook (new in 0.2). ``config.environ`` is the environment pip-doctor runs
    with: read it rather than ``os.environ``. ``config.blocked`` holds what
    ``PIP_DOCTOR_BLOCK`` names. Return None, or :class:`pip_doctor.Problem`
    records for the mistakes you found (a bad line in your configuration
    file); they are shown in the report's ``problems`` and by
    ``pip-doctor plugins``. Keep what you read on your plugin object: a
    plugin may be a class instance, registered once per manager.

    Example::

        import tomllib
        from pip_doctor import Problem, hookimpl

        SETTINGS = {}

        @hookimpl
        def pip_doctor_configure(config):
            path = config.environ.get("ACME_DOCTOR_CONFIG", "/etc/acme/doctor.toml")
            try:
                with open(path, "rb") as handle:
                    SETTINGS.update(tomllib.load(handle))
            except FileNotFoundError:
                return None
            except (OSError, tomllib.TOMLDecodeError) as error:
                return [Problem(source="acme", message=f"{path}: {error}")]
            return None
    """


@hookspec
def pip_doctor_probes() -> Iterable[Probe]:
    """Return the probes this plugin adds.

    Called once, when plugins are loaded. A :class:`pip_doctor.Probe` has an
    ``id`` (namespaced: ``"acme/home-fs"``), a ``run`` callable taking the
    :class:`pip_doctor.Situation` (the error, the install context, and the
    facts of every probe that ran before it) and returning a mapping of JSON
    values, and a ``timeout`` in seconds (default 0.25). The returned mapping
    is stored in the report's ``environment`` under the probe's id, and rules
    read it with ``situation.fact("acme/home-fs", "nfs")``.

    Example::

        import os
        from pip_doctor import Probe, hookimpl

        HOME = os.path.realpath(os.path.expanduser("~"))  # at import, not at failure

        def _home_fs(situation):
            mount_point, fs_type = "", None
            with open("/proc/mounts") as mounts:
                for line in mounts:
                    point, kind = line.split()[1:3]
                    inside = HOME == point or HOME.startswith(point.rstrip("/") + "/")
                    if inside and len(point) >= len(mount_point):
                        mount_point, fs_type = point, kind
            return {"home": HOME, "fs_type": fs_type,
                    "nfs": bool(fs_type and fs_type.startswith("nfs"))}

        @hookimpl
        def pip_doctor_probes():
            return [Probe(id="acme/home-fs", run=_home_fs, timeout=0.1)]

    Read your plugin's own configuration in ``pip_doctor_configure``, which
    is called before this hook and is given the environment. (A
    :class:`pip_doctor.Problem` item returned among the probes or rules is
    still shown in the report's ``problems``, as in 0.1.)
    """


@hookspec
def pip_doctor_rules() -> Iterable[Rule]:
    """Return the rules this plugin adds.

    Called once, when plugins are loaded. A :class:`pip_doctor.Rule` has an
    ``id`` and a ``check`` callable taking the :class:`pip_doctor.Situation`
    and returning None (does not apply), a :class:`pip_doctor.Diagnosis`, or
    an iterable of them. Each evidence line states one measured fact; fixes
    carry commands per shell (build them with
    :func:`pip_doctor.shell_commands`, which quotes for each shell). Rules run
    after all probes, each under its own time limit.

    Example::

        from pip_doctor import Diagnosis, Fix, Link, Rule, hookimpl, shell_commands

        def _check(situation):
            if not situation.fact("acme/home-fs", "nfs"):
                return None
            return Diagnosis(
                id="acme/home-on-nfs",
                title="Your home directory is on NFS with root squash",
                confidence="high",
                evidence=[f"{situation.fact('acme/home-fs', 'home')} is on NFS"],
                fixes=[Fix(summary="Repair the environment",
                           commands=shell_commands(["acme-env", "repair"]))],
                links=[Link(title="Python set-up", url="https://go.example/python-setup")],
            )

        @hookimpl
        def pip_doctor_rules():
            return [Rule(id="acme/home-on-nfs", check=_check)]
    """


@hookspec
def pip_doctor_explanations() -> Iterable[Explanation]:
    """Return the long explanations of the diagnosis ids this plugin makes.

    Called once, when plugins are loaded (new in 0.2). ``pip-doctor explain
    ID`` prints :attr:`pip_doctor.Explanation.text`, and the text report ends
    a diagnosis with ``More: pip-doctor explain ID`` (the most likely one;
    ``more:`` under the others) only when its id has an explanation
    (:attr:`pip_doctor.Report.explained` lists those ids). ``what`` is
    required; ``why``, ``fix``, ``prevent`` and ``links`` are optional. An id
    explained twice keeps the first one in call order and the other is a
    problem; a built-in id is never replaced (a plugin's ids are
    namespaced). Built-in explanations live in ``pip_doctor._explain``; a
    plugin's next to its rules.

    Example::

        from pip_doctor import Explanation, Link, hookimpl

        @hookimpl
        def pip_doctor_explanations():
            return [Explanation(
                id="acme/home-on-nfs",
                title="your home directory is on NFS",
                what=("ACME's home directories live on NFS with root squash: "
                      "root cannot write there, and environments there are slow."),
                fix="Create the environment on local disk: acme-env create --local.",
                links=[Link(title="Python at ACME", url="https://go.example/python")],
            )]
    """


@hookspec
def pip_doctor_secrets(
    situation: Situation,
) -> Iterable[Union[str, Pattern[str], tuple[Union[str, Pattern[str]], str]]]:
    r"""Return text that must not appear in anything pip-doctor prints or writes.

    Called once per diagnosis, after the rules and ``pip_doctor_adjust_report``.
    Each item is a secret string (replaced by ``"***"``), a compiled regular
    expression (each match replaced by ``"***"``), or a ``(text or pattern,
    replacement)`` pair. They are applied to every string of the report:
    evidence, commands, links, facts, problems, the error's message and the
    JSON's copy of pip's message; literal texts first, longest first, then
    patterns in the order given. pip's own message, which pip-doctor prints
    first and unchanged, is pip's output and is left as it is.

    pip-doctor's built-in redaction already hides credentials in index URLs
    (from pip's configuration and ``PIP_*`` variables) and the values of
    environment variables whose names say TOKEN, SECRET, PASSWORD or KEY.
    ``PIP_DOCTOR_PLUGINS=pip_doctor.redact_identity`` adds the account name
    and home directory, for reports that leave the machine.

    Example::

        import re

        INTERNAL_HOST = re.compile(r"[\w-]+(\.[\w-]+)*\.acme\.internal")

        @hookimpl
        def pip_doctor_secrets(situation):
            return [("build.acme.internal", "<build-host>"),
                    (INTERNAL_HOST, "<internal-host>")]
    """


@hookspec
def pip_doctor_adjust_report(report: Report) -> Optional[Report]:
    """Return a changed report, or None to leave it as it is.

    Called once per diagnosis, after the rules, plugin by plugin (built-ins
    first); each sees the report the previous one returned. Use the report's
    helpers, which return new reports: ``report.without("system-site-packages")``
    (suppress), ``report.with_link(id, Link(...))`` (add a link),
    ``report.with_links(id, [Link(...)])`` (replace its links),
    ``report.with_confidence(id, "low")`` (re-rank),
    ``report.with_diagnosis(Diagnosis(...))`` (add or replace). A returned
    value that is not a :class:`pip_doctor.Report` is ignored and recorded as
    a problem.

    Example::

        from pip_doctor import Link, hookimpl

        @hookimpl
        def pip_doctor_adjust_report(report):
            report = report.without("foreign-owned-files")
            if report.get("system-site-packages"):
                report = report.with_link(
                    "system-site-packages",
                    Link(title="ACME Python set-up", url="https://go.example/python-setup"),
                )
            return report
    """


@hookspec
def pip_doctor_report_paths(report: Report) -> Iterable[Union[str, PathLike[str]]]:
    """Return files the JSON report should also be written to.

    Called when a pip command failed (not for the API, and for pip's cache
    warning only when a cause was found), after the report is final. Each
    path is written with the same JSON as ``PIP_DOCTOR_REPORT``: missing
    parent directories are created, the file is written whole or not at all
    (a temporary file, renamed), and a symlink is followed only when it
    belongs to the account running pip. A path that cannot be written is
    listed in the report's ``problems`` (in every file that was written) and
    never affects pip. pip-doctor itself never sends a report over the
    network; a plugin that wants one uploaded writes a file that its own
    tooling picks up.

    Example::

        import os, time

        @hookimpl
        def pip_doctor_report_paths(report):
            spool = os.path.expanduser("~/.cache/acme/pip-failures")
            return [os.path.join(spool, f"{time.time_ns()}.json")]
    """
