"""Declarative rules: an organisation's guidance as a TOML file, no Python needed.

Where the files are read from, in this order (a rule id defined twice keeps
its first definition):

1. ``/etc/pip-doctor/rules.toml`` (POSIX) or
   ``%PROGRAMDATA%\\pip-doctor\\rules.toml`` (Windows): the machine's rules,
   for every Python on it (a base image, a managed workstation);
2. ``{sys.prefix}/etc/pip-doctor/rules.toml``: the rules of one environment
   (shipped inside a base image's venv or a conda env, next to pip-doctor);
3. every path in ``PIP_DOCTOR_RULES`` (several separated by ``os.pathsep``).

A site-wide file that does not exist is skipped silently; a file named in
``PIP_DOCTOR_RULES`` that cannot be read is a problem. Files are read and
checked once, when plugins are loaded (in the diagnosing process). A
mistake never breaks pip: a file that is not valid TOML, or a rule with a bad
key, is skipped and reported in the report's ``problems`` as
``FILE:LINE: key 'KEY': what is wrong``; the other rules still apply.
``PIP_DOCTOR_BLOCK=pip_doctor.declarative`` turns every file off, and a rule id
in ``PIP_DOCTOR_BLOCK`` turns that rule off.

The format (every id namespaced, ``acme/...``)::

    [[probe]]                  # facts without code; one of mount/file/env
    id = "acme/home-fs"
    mount = "~"                # -> path, mount_point, fs_type, readonly,
                               #    network (NFS, CIFS, sshfs, ...)
    # file = "/etc/acme-release"   -> path, exists, text (first 4 KiB)
    # env = "ACME_ENV"             -> name, set, value

    [[rule]]
    id = "acme/home-on-nfs"
    title = "Your home directory is on NFS"
    confidence = "high"        # high | medium (default) | low
    evidence = ["{acme/home-fs.path} is on {acme/home-fs.fs_type}"]
    warnings = ["Do not run pip with sudo: root cannot write to NFS (root squash)."]
    suppress = ["system-site-packages"]   # built-in ids hidden when this matches
    links_on = ["env-owned-by-other-user"]    # this rule's links also shown there
    confidence_of = { "wrong-environment" = "low" }   # re-rank a built-in

    [rule.match]               # every key given must hold; a list means any of
    errno = ["EACCES", 1]      # number or name
    path = ["~/*"]             # globs on the failing path ('*' crosses '/'): any
                               # of error.filename, error.filename2, path.given,
                               # path.absolute, path.resolved matches
    environment_root = ["/opt/*"]
    environment_kind = ["venv"]   # venv | conda | system | pyenv | other
    account.name = ["alice"]
    account.is_root = false
    facts."acme/home-fs.network" = true               # equals
    facts."path.fs_type" = { in = ["nfs", "nfs4"] }
    facts."path.owner_name" = { regex = "^svc-" }

    [[rule.fix]]
    summary = "Repair your environment"
    safety = "review"          # review (default) | safe
    argv = ["acme-env", "repair", "{environment.root}"]   # quoted per shell;
    #   a word "~" or "~/..." is the home directory ("$HOME", %USERPROFILE%, ...);
    #   a word "{context.requirements}" is one word per requirement
    # commands = { posix = "...", fish = "...", powershell = "...", cmd = "..." }
    #   (raw lines; each placeholder's value is quoted for that shell)

    [[rule.link]]
    title = "Python at ACME"
    url = "https://go.acme.example/python"

    [rule.explain]             # what `pip-doctor explain acme/home-on-nfs` prints
    what = "ACME's home directories are on NFS with root squash."   # required
    why = "..."                # optional, like fix and prevent; plain text
    fix = "..."                # (no placeholders); title defaults to the rule's,
    prevent = "..."            # links to the rule's links without placeholders

    [[redact]]                 # text never shown in a report
    text = "build.acme.internal"          # or: pattern = "regex"
    replacement = "<internal-host>"       # default "***"

Placeholders ``{probe.key}`` name a fact (``docs/facts.md``), ``{error.KEY}``
a field of the error (``errno_name``, ``filename``, ...) and
``{context.KEY}`` one of ``interpreter``, ``command``, ``pip_version``,
``requirements`` (the command's requirements: comma-separated in a text,
one word each in an ``argv``), ``failure`` (``os-error``, ``pip-error``, ...);
``{{`` and ``}}`` are literal braces. A line (or fix, or link) whose
placeholder has no value is left out rather than shown with a guess.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Optional, Union

from pip_doctor import _timebox
from pip_doctor._model import Config, Explanation, Probe, Problem, Report, Rule, Situation
from pip_doctor.hookspecs import hookimpl

if TYPE_CHECKING:
    from pip_doctor._rules_file import Ruleset, Secret

RULES_VARIABLE = "PIP_DOCTOR_RULES"


def site_rules_files(environ: Mapping[str, str]) -> list[str]:
    """The site-wide rules files, machine first, then this environment's."""
    files = []
    if os.name == "nt":
        program_data = environ.get("PROGRAMDATA")
        if program_data:
            files.append(os.path.join(program_data, "pip-doctor", "rules.toml"))
    else:
        files.append("/etc/pip-doctor/rules.toml")
    files.append(os.path.join(sys.prefix, "etc", "pip-doctor", "rules.toml"))
    return files


def rules_files(environ: Mapping[str, str]) -> list[tuple[str, bool]]:
    """(path, must exist) for every rules file, in the order they are read."""
    found: list[tuple[str, bool]] = [(path, False) for path in site_rules_files(environ)]
    for part in environ.get(RULES_VARIABLE, "").split(os.pathsep):
        if part.strip():
            found.append((os.path.abspath(os.path.expanduser(part.strip())), True))
    seen: set[str] = set()
    unique = []
    for path, required in found:
        if path not in seen:
            seen.add(path)
            unique.append((path, required))
    return unique


def load(environ: Mapping[str, str]) -> Optional[Ruleset]:
    """What the rules files hold; None when there is no file to read.

    The parser (``pip_doctor._rules_file``, with tomllib and its records) is
    imported only when there is a file: most environments have none.
    """
    files = rules_files(environ)
    if not any(required or os.path.exists(path) for path, required in files):
        return None
    from pip_doctor import _rules_file

    return _rules_file.load(files)


# ---------------------------------------------------------------------- hooks


class Plugin:
    """The rules files of one plugin manager, read by ``pip_doctor_configure``.

    Every hook reads them through :attr:`ruleset`: a read that overruns the
    configure hook's time limit is waited for by the next hook instead of
    leaving it with no rules, and failure-time hooks read no file.
    """

    def __init__(self) -> None:
        self._ruleset: _timebox.Loaded[Optional[Ruleset]] = _timebox.Loaded(lambda: None)
        self._blocked: frozenset[str] = frozenset()
        self._environ: Mapping[str, str] = {}

    @property
    def ruleset(self) -> Optional[Ruleset]:
        """What the rules files hold; None without files."""
        return self._ruleset.get()

    @hookimpl
    def pip_doctor_configure(self, config: Config) -> None:
        """Read the rules files the manager's environment names."""
        self._blocked = config.blocked
        environ = self._environ = config.environ
        self._ruleset = _timebox.Loaded(lambda: load(environ))
        self._ruleset.get()

    @hookimpl
    def pip_doctor_probes(self) -> list[Probe]:
        ruleset = self.ruleset
        return [probe.as_probe(self._environ) for probe in ruleset.probes] if ruleset else []

    @hookimpl
    def pip_doctor_rules(self) -> list[Union[Rule, Problem]]:
        """The declared rules, and a problem for every mistake in the files."""
        ruleset = self.ruleset
        if ruleset is None:
            return []
        return [*(rule.as_rule() for rule in ruleset.rules), *ruleset.problems]

    @hookimpl
    def pip_doctor_explanations(self) -> list[Explanation]:
        ruleset = self.ruleset
        if ruleset is None:
            return []
        return [rule.explanation for rule in ruleset.rules if rule.explanation is not None]

    @hookimpl(trylast=True)
    def pip_doctor_adjust_report(self, report: Report) -> Optional[Report]:
        """Apply the suppressions, links and confidences of every matching rule
        (``trylast``: a rules file has the last word over plugins' adjustments).
        """
        ruleset = self.ruleset
        if ruleset is None:
            return None
        situation = Situation(error=report.error, context=report.context, facts=report.facts)
        adjusted = report
        for rule in ruleset.rules:
            if rule.adjusts and rule.id not in self._blocked and rule.match.holds(situation):
                adjusted = rule.adjust(adjusted, situation)
        return None if adjusted is report else adjusted

    @hookimpl
    def pip_doctor_secrets(self, situation: Situation) -> list[tuple[Secret, str]]:
        ruleset = self.ruleset
        return list(ruleset.redactions) if ruleset else []
