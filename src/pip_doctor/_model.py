"""The records that flow through pip-doctor: context, error, facts, diagnoses, report.

Every record is a frozen attrs class. Stages never mutate a record; they build a
new one (``attrs.evolve``). The JSON shape produced by :meth:`Report.to_dict` is
schema_version 1 of the public contract.
"""

from __future__ import annotations

import errno as _errno
import os
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Literal, Optional, Union

import attrs

from pip_doctor._error_data import FAMILIES, MAX_DEPTH, classify, exception_data
from pip_doctor._version import __version__

SCHEMA_VERSION = 1

#: A value that JSON can carry: what probes put into facts.
JSON = Union[None, bool, int, float, str, list[Any], dict[str, Any]]

Confidence = Literal["high", "medium", "low"]
Safety = Literal["safe", "review"]
Shell = Literal["posix", "fish", "powershell", "cmd"]

CONFIDENCES: tuple[Confidence, ...] = ("high", "medium", "low")
SAFETIES: tuple[Safety, ...] = ("safe", "review")
SHELLS: tuple[Shell, ...] = ("posix", "fish", "powershell", "cmd")

_CONFIDENCE_RANK = {"high": 0, "medium": 1, "low": 2}


def _tuple_of_str(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(str(v) for v in value)


def _set_of_str(value: Iterable[str]) -> frozenset[str]:
    return frozenset(str(v) for v in value)


def is_namespaced(identifier: str) -> bool:
    """True for ``"acme/thing"``: a non-empty namespace and name (what every
    plugin's probe, rule and diagnosis id must be).
    """
    namespace, slash, name = identifier.partition("/")
    return bool(slash and namespace and name)


def _check_choice(choices: tuple[str, ...]) -> Any:
    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value not in choices:
            raise ValueError(f"{attribute.name} must be one of {choices}, not {value!r}")

    return check


def _as_text(value: object) -> Optional[str]:
    """A filename as text: bytes are decoded the way Python decodes paths."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return os.fsdecode(value)
    if isinstance(value, os.PathLike):
        return _as_text(os.fspath(value))
    if isinstance(value, str):
        return value
    return str(value)


# --------------------------------------------------------------------- context


@attrs.frozen(kw_only=True)
class InstallOptions:
    """The options of the pip command that failed, after pip's own decisions.

    ``user`` is pip's final ``use_user_site`` (pip may switch it on by itself
    when site-packages is not writable); ``target``, ``prefix`` and ``root`` are
    the ``--target``, ``--prefix`` and ``--root`` directories as given.
    """

    user: bool = False
    target: Optional[str] = attrs.field(default=None, converter=_as_text)
    prefix: Optional[str] = attrs.field(default=None, converter=_as_text)
    root: Optional[str] = attrs.field(default=None, converter=_as_text)
    isolated: bool = False

    def to_dict(self) -> dict[str, JSON]:
        """The options as the report's ``pip.options`` (``isolated`` is not in it)."""
        return {
            "user": self.user,
            "target": self.target,
            "prefix": self.prefix,
            "root": self.root,
        }


def _frozen_mapping(value: Mapping[str, JSON]) -> Mapping[str, JSON]:
    """A read-only copy (a record never changes under the rules that read it)."""
    return MappingProxyType(dict(value))


def directory_options(options: InstallOptions) -> list[tuple[str, str]]:
    """``(flag, directory)`` for each of ``--target``, ``--prefix``, ``--root``
    the command was given, in that order.
    """
    given = (("--target", options.target), ("--prefix", options.prefix), ("--root", options.root))
    return [(flag, value) for flag, value in given if value]


@attrs.frozen(kw_only=True)
class InstallContext:
    """What the failing install was asked to do, and where.

    ``InstallContext()`` means "a plain ``pip install`` by this interpreter".
    ``original_message`` is the text pip itself printed (or would print) for the
    error, when known. Build it with keywords.

    Inside pip, the command's failure is captured as plain data and the
    diagnosis runs in a child process; these fields carry what pip knew:

    ``argv``
        pip's command line after the program name, as the user typed it
        (``("install", "-U", "--no-index", "--find-links", "/w", "pkg")``).
        Credentials are kept: redaction happens when a report is rendered.
    ``pip_options``
        every option of pip's parsed ``options`` whose value JSON can carry,
        by pip's ``dest`` name (``index_url``, ``extra_index_urls``, ``proxy``,
        ``cert``, ``trusted_hosts``, ``timeout``, ``retries``, ``find_links``,
        ``no_index``, ``cache_dir``, ``use_user_site``, ``target_dir``, ...).
        Which options exist depends on the pip version: read with ``.get``.
    ``log``
        pip's WARNING-and-above log lines during the command, and its
        "Could not fetch URL ..." lines (an index page that failed), oldest
        first, at most the last 50 (for example ``Retrying (Retry(total=4,
        ...)) after connection broken by 'SSLError(...)'``).
    ``failure``
        how the command failed: ``"os-error"`` (pip's "Could not install
        packages due to an OSError"), ``"unhandled"`` (an ``OSError`` pip
        crashed on: "ERROR: Exception:", exit status 2; also requests'
        ``TypeError`` on a proxy URL with a user but no host), ``"pip-error"`` (a
        ``PipError``/``DiagnosticPipError`` pip reported; its ``reference``,
        such as ``externally-managed-environment``, is in the error data),
        ``"no-matching-distribution"`` (the command ended in "No matching
        distribution found"; the warnings before it are in ``log``),
        ``"warning"`` (pip went on after a warning, such as the cache
        directory's: a note only), or ``""`` (called through the API).
    """

    command: str = "install"
    options: InstallOptions = attrs.field(factory=InstallOptions)
    requirements: tuple[str, ...] = attrs.field(default=(), converter=_tuple_of_str)
    interpreter: str = attrs.field(factory=lambda: sys.executable or "python")
    pip_version: Optional[str] = None
    original_message: Optional[str] = None
    verbose: bool = False
    argv: tuple[str, ...] = attrs.field(default=(), converter=_tuple_of_str)
    pip_options: Mapping[str, JSON] = attrs.field(
        factory=dict, converter=_frozen_mapping, hash=False
    )
    log: tuple[str, ...] = attrs.field(default=(), converter=_tuple_of_str)
    failure: str = ""


# ----------------------------------------------------------------------- error


def _error_chain(value: Iterable[ErrorInfo]) -> tuple[ErrorInfo, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class ErrorInfo:
    """An exception reduced to plain, JSON-safe data, with its family.

    Build it with :meth:`from_exception` (or :meth:`from_data`, from what
    ``pip_doctor._error_data.exception_data`` captured); it accepts any
    exception, including an ``OSError`` with no errno, a bytes filename or a
    Windows ``winerror``.

    ``family`` is what kind of failure it is (``permission``, ``in-use``,
    ``space``, ``read-only``, ``name``, ``missing``, ``cross-device``,
    ``network``, ``other``): rules serve families. Left out, it is classified
    from the other fields (``ErrorInfo(type="PermissionError", errno=13)`` is
    ``permission``). ``chain`` holds the errors
    behind this one (``__cause__``, else ``__context__``), nearest first, for
    rules that look deeper; ``mro`` is the class tree (``"module.Qualname"``)
    and ``reference`` the error id of a pip ``DiagnosticPipError`` (such as
    ``externally-managed-environment``). Those three are not in the JSON.
    """

    type: str
    errno: Optional[int] = None
    errno_name: Optional[str] = None
    strerror: Optional[str] = None
    filename: Optional[str] = None
    filename2: Optional[str] = None
    winerror: Optional[int] = None
    message: str = ""
    chain: tuple[ErrorInfo, ...] = attrs.field(default=(), converter=_error_chain)
    mro: tuple[str, ...] = attrs.field(default=(), converter=_tuple_of_str)
    reference: Optional[str] = None
    family: str = attrs.field(
        default=attrs.Factory(lambda self: classify(self.data()), takes_self=True),
        validator=_check_choice(FAMILIES),
    )

    @classmethod
    def from_exception(cls, error: BaseException) -> ErrorInfo:
        """Read ``error``'s errno, strerror, file names, text and causes;
        attributes of the wrong type become None and a broken ``__str__`` gives
        the type name.
        """
        return cls.from_data(exception_data(error))

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ErrorInfo:
        """The error described by ``data`` (the shape of ``exception_data``);
        missing or ill-typed values become None. The family is classified here.
        """
        chain: list[ErrorInfo] = []
        cause = data.get("cause")
        depth = 0
        while isinstance(cause, Mapping) and depth < MAX_DEPTH:
            chain.append(_one_error(cause, family=classify(cause)))
            cause = cause.get("cause")
            depth += 1
        return _one_error(data, family=classify(data), chain=tuple(chain))

    def data(self) -> dict[str, Any]:
        """This error and its chain in the shape of ``exception_data``."""
        data: dict[str, Any] = {
            "type": self.type,
            "module": self.mro[0].rpartition(".")[0] if self.mro else "",
            "mro": list(self.mro),
            "errno": self.errno,
            "strerror": self.strerror,
            "filename": self.filename,
            "filename2": self.filename2,
            "winerror": self.winerror,
            "message": self.message,
            "reference": self.reference,
            "cause": None,
        }
        if self.chain:
            first, *rest = self.chain
            data["cause"] = attrs.evolve(first, chain=tuple(rest)).data()
        return data

    @property
    def errors(self) -> tuple[ErrorInfo, ...]:
        """This error followed by its chain: every error a rule may look at."""
        return (self, *self.chain)

    def to_dict(self) -> dict[str, JSON]:
        """The report's ``error`` object (the fields are in the contract's order)."""
        return {
            "type": self.type,
            "errno": self.errno,
            "errno_name": self.errno_name,
            "strerror": self.strerror,
            "filename": self.filename,
            "filename2": self.filename2,
            "winerror": self.winerror,
            "message": self.message,
            "family": self.family,
        }


def _one_error(
    data: Mapping[str, Any], *, family: str, chain: tuple[ErrorInfo, ...] = ()
) -> ErrorInfo:
    number = _int_or_none(data.get("errno"))
    mro = data.get("mro")
    kind = data.get("type")
    message = data.get("message")
    reference = data.get("reference")
    return ErrorInfo(
        type=kind if isinstance(kind, str) and kind else "Exception",
        errno=number,
        errno_name=_errno.errorcode.get(number) if number is not None else None,
        strerror=_str_or_none(data.get("strerror")),
        filename=_safe_text(data.get("filename")),
        filename2=_safe_text(data.get("filename2")),
        winerror=_int_or_none(data.get("winerror")),
        message=message if isinstance(message, str) else (kind if isinstance(kind, str) else ""),
        family=family,
        chain=chain,
        mro=tuple(m for m in mro if isinstance(m, str)) if isinstance(mro, (list, tuple)) else (),
        reference=reference if isinstance(reference, str) else None,
    )


def _int_or_none(value: object) -> Optional[int]:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _str_or_none(value: object) -> Optional[str]:
    return value if isinstance(value, str) else None


def _safe_text(value: object) -> Optional[str]:
    try:
        return _as_text(value)
    except Exception:
        return None


# ----------------------------------------------------------------------- facts


class Facts(Mapping[str, Mapping[str, JSON]]):
    """What the probes measured: probe id -> {key: JSON value}. Read-only.

    ``facts.get_fact("path", "owner_name")`` returns None when the probe did not
    run, failed, or did not measure that key, so rules never need to guard.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Mapping[str, JSON]] | None = None) -> None:
        frozen = {k: MappingProxyType(dict(v)) for k, v in (data or {}).items()}
        self._data: Mapping[str, Mapping[str, JSON]] = MappingProxyType(frozen)

    def __getitem__(self, key: str) -> Mapping[str, JSON]:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Facts({self.to_dict()!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Facts):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(tuple(self._data))

    def get_fact(self, probe: str, key: str, default: Any = None) -> Any:
        """The value ``probe`` measured for ``key``, or ``default`` when the
        probe did not run, failed, or did not measure it.
        """
        section = self._data.get(probe)
        if section is None:
            return default
        return section.get(key, default)

    def with_section(self, probe: str, values: Mapping[str, JSON]) -> Facts:
        """A copy in which ``probe``'s facts are ``values`` (added or replaced)."""
        data = dict(self._data)
        data[probe] = values
        return Facts(data)

    def to_dict(self) -> dict[str, dict[str, JSON]]:
        """The facts as plain dicts and lists: the report's ``environment``."""
        return {k: _thaw(v) for k, v in self._data.items()}


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_thaw(v) for v in value]
    return value


@attrs.frozen(kw_only=True)
class Situation:
    """Everything a rule may look at: the error, the install context, the facts."""

    error: ErrorInfo
    context: InstallContext
    facts: Facts = attrs.field(factory=Facts)

    def fact(self, probe: str, key: str, default: Any = None) -> Any:
        """Shorthand for ``situation.facts.get_fact(probe, key, default)``."""
        return self.facts.get_fact(probe, key, default)


# ------------------------------------------------------------------- diagnoses


@attrs.frozen(kw_only=True)
class Command:
    """One command line for one shell, already quoted for that shell."""

    shell: Shell = attrs.field(validator=_check_choice(SHELLS))
    text: str

    def to_dict(self) -> dict[str, JSON]:
        """``{"shell": ..., "text": ...}``, as in the report's fixes."""
        return attrs.asdict(self)


def _checked_tuple(value: Iterable[Any], kind: type) -> tuple[Any, ...]:
    items = tuple(value)
    for item in items:
        if not isinstance(item, kind):
            raise TypeError(f"expected {kind.__name__}, got {type(item).__name__}")
    return items


def _commands(value: Iterable[Command]) -> tuple[Command, ...]:
    return _checked_tuple(value, Command)


@attrs.frozen(kw_only=True)
class Fix:
    """A way out: a summary and the commands for each shell.

    ``safety`` is ``"safe"`` when the commands change only what the user owns and
    can be undone, ``"review"`` when they should be read before running.
    """

    summary: str
    commands: tuple[Command, ...] = attrs.field(default=(), converter=_commands)
    safety: Safety = attrs.field(default="safe", validator=_check_choice(SAFETIES))

    def for_shell(self, shell: Shell) -> tuple[Command, ...]:
        """The commands for ``shell``, in order (empty when the fix has none)."""
        return tuple(c for c in self.commands if c.shell == shell)

    def to_dict(self) -> dict[str, JSON]:
        """The fix as in the report: summary, safety, commands."""
        return {
            "summary": self.summary,
            "safety": self.safety,
            "commands": [c.to_dict() for c in self.commands],
        }


def _fixes(value: Iterable[Fix]) -> tuple[Fix, ...]:
    return _checked_tuple(value, Fix)


@attrs.frozen(kw_only=True)
class Link:
    """A link to documentation."""

    title: str
    url: str

    def to_dict(self) -> dict[str, JSON]:
        """``{"title": ..., "url": ...}``, as in the report's links."""
        return attrs.asdict(self)


def _links(value: Iterable[Link]) -> tuple[Link, ...]:
    return _checked_tuple(value, Link)


@attrs.frozen(kw_only=True)
class Diagnosis:
    """One likely cause, with the measured facts that support it.

    ``evidence`` holds one line per measured fact; ``warnings`` holds the
    shortcuts not to take, each with its reason (shown in the text report).
    ``source`` names the plugin or module that made it; the engine fills it in
    when a rule leaves it empty.
    """

    id: str
    title: str
    confidence: Confidence = attrs.field(default="medium", validator=_check_choice(CONFIDENCES))
    evidence: tuple[str, ...] = attrs.field(default=(), converter=_tuple_of_str)
    fixes: tuple[Fix, ...] = attrs.field(default=(), converter=_fixes)
    links: tuple[Link, ...] = attrs.field(default=(), converter=_links)
    source: str = ""
    warnings: tuple[str, ...] = attrs.field(default=(), converter=_tuple_of_str)

    @property
    def rank(self) -> int:
        """0 for high confidence, 1 for medium, 2 for low."""
        return _CONFIDENCE_RANK[self.confidence]

    def to_dict(self) -> dict[str, JSON]:
        """The diagnosis as in the report, keys in the contract's order
        (``warnings`` are for the text report only).
        """
        return {
            "id": self.id,
            "title": self.title,
            "confidence": self.confidence,
            "evidence": list(self.evidence),
            "fixes": [f.to_dict() for f in self.fixes],
            "links": [link.to_dict() for link in self.links],
            "source": self.source,
        }


@attrs.frozen(kw_only=True)
class Problem:
    """A probe, rule or plugin that failed, returned junk or ran out of time."""

    source: str
    message: str

    def to_dict(self) -> dict[str, JSON]:
        """``{"source": ..., "message": ...}``, as in the report's problems."""
        return attrs.asdict(self)


def _diagnoses(value: Iterable[Diagnosis]) -> tuple[Diagnosis, ...]:
    return _checked_tuple(value, Diagnosis)


def _problems(value: Iterable[Problem]) -> tuple[Problem, ...]:
    return _checked_tuple(value, Problem)


# ---------------------------------------------------------------------- report


@attrs.frozen(kw_only=True)
class Report:
    """The finished diagnosis of one error: immutable, ranked best first.

    Plugins adjust a report by returning a new one built with the ``with_*`` and
    ``without`` helpers (or ``attrs.evolve``).
    """

    error: ErrorInfo
    context: InstallContext
    facts: Facts = attrs.field(factory=Facts)
    diagnoses: tuple[Diagnosis, ...] = attrs.field(default=(), converter=_diagnoses)
    problems: tuple[Problem, ...] = attrs.field(default=(), converter=_problems)
    #: The diagnosis ids that ``pip-doctor explain`` knows: the text report
    #: points to ``pip-doctor explain ID`` for these only. The engine fills it
    #: in; a report built by hand has none. Not part of the JSON.
    explained: frozenset[str] = attrs.field(default=frozenset(), converter=_set_of_str)

    @property
    def best(self) -> Optional[Diagnosis]:
        """The most likely cause, or None when no rule matched."""
        return self.diagnoses[0] if self.diagnoses else None

    def get(self, diagnosis_id: str) -> Optional[Diagnosis]:
        """The diagnosis with this id, or None."""
        for diagnosis in self.diagnoses:
            if diagnosis.id == diagnosis_id:
                return diagnosis
        return None

    def without(self, *diagnosis_ids: str) -> Report:
        """A copy with the diagnoses of these ids removed (suppression)."""
        kept = tuple(d for d in self.diagnoses if d.id not in diagnosis_ids)
        return attrs.evolve(self, diagnoses=kept)

    def with_diagnosis(self, diagnosis: Diagnosis) -> Report:
        """A copy with ``diagnosis`` added (or replacing one of the same id), re-ranked."""
        others = tuple(d for d in self.diagnoses if d.id != diagnosis.id)
        return attrs.evolve(self, diagnoses=rank_diagnoses((*others, diagnosis)))

    def with_link(self, diagnosis_id: str, link: Link) -> Report:
        """A copy where the diagnosis ``diagnosis_id`` also carries ``link``."""
        return self._map(
            diagnosis_id, lambda d: attrs.evolve(d, links=(*d.links, link))
        )

    def with_links(self, diagnosis_id: str, links: Iterable[Link]) -> Report:
        """A copy where the diagnosis ``diagnosis_id`` carries ``links`` instead of its own."""
        replaced = tuple(links)
        return self._map(diagnosis_id, lambda d: attrs.evolve(d, links=replaced))

    def with_confidence(self, diagnosis_id: str, confidence: Confidence) -> Report:
        """A copy where ``diagnosis_id`` has another confidence, re-ranked."""
        changed = self._map(
            diagnosis_id, lambda d: attrs.evolve(d, confidence=confidence)
        )
        return attrs.evolve(changed, diagnoses=rank_diagnoses(changed.diagnoses))

    def with_problem(self, problem: Problem) -> Report:
        """A copy with ``problem`` added after the others."""
        return attrs.evolve(self, problems=(*self.problems, problem))

    def _map(self, diagnosis_id: str, change: Any) -> Report:
        return attrs.evolve(
            self,
            diagnoses=tuple(
                change(d) if d.id == diagnosis_id else d for d in self.diagnoses
            ),
        )

    def to_dict(self) -> dict[str, JSON]:
        """The report as JSON data, schema_version 1, keys in contract order."""
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "pip-doctor", "version": __version__},
            "error": self.error.to_dict(),
            "pip": {
                "version": self.context.pip_version,
                "command": self.context.command,
                "original_message": self.context.original_message,
                "options": self.context.options.to_dict(),
            },
            "environment": self.facts.to_dict(),
            "diagnoses": [d.to_dict() for d in self.diagnoses],
            "problems": [p.to_dict() for p in self.problems],
        }

    def to_json(self, *, indent: Optional[int] = 2) -> str:
        """The JSON text of :meth:`to_dict`."""
        from pip_doctor._render_json import render_json

        return render_json(self, indent=indent)

    def to_text(self, *, color: Optional[bool] = None, shell: Optional[Shell] = None,
                width: int = 80) -> str:
        """The diagnosis as text in pip's voice (without pip's own message).

        ``shell`` picks the shell of the fix commands (default: the user's, or
        ``PIP_DOCTOR_SHELL``); ``color`` None follows ``NO_COLOR``/``FORCE_COLOR``
        and whether stderr is a terminal.
        """
        from pip_doctor._render_text import render_text

        return render_text(self, color=color, shell=shell, width=width)


def rank_diagnoses(diagnoses: Iterable[Diagnosis]) -> tuple[Diagnosis, ...]:
    """Best first: by confidence, keeping the given order among equals."""
    return tuple(sorted(diagnoses, key=lambda d: d.rank))


# ------------------------------------------------------------ plugin records

#: What a probe returns: its facts, one JSON value per documented key.
ProbeResult = Mapping[str, JSON]
#: What a rule returns: nothing (no match), one diagnosis, or several.
RuleResult = Union[None, Diagnosis, Iterable[Diagnosis]]


@attrs.frozen(kw_only=True)
class Probe:
    """A measurement of this machine, contributed through ``pip_doctor_probes``.

    ``run(situation)`` returns a mapping of JSON values; the engine stores it
    in the report's ``environment`` under ``id``. Probes run in the order their
    ``pip_doctor_probes`` hooks were called (pluggy's: the built-ins' hook is
    ``tryfirst``, so built-in probes run first) and each sees the facts of
    those before it. ``timeout`` (seconds)
    bounds it; a probe that raises or runs out of time becomes a ``problems``
    entry. A plugin's probe ids are namespaced: ``"acme/nfs"``.
    """

    id: str
    run: Callable[[Situation], ProbeResult]
    description: str = ""
    timeout: float = 0.25


#: The families a rule serves when it does not say: every one but ``network``.
#: Rules written for 0.1 expected filesystem errors; network errors have their
#: own causes, and a rule must ask for them (``families={"network"}``).
DEFAULT_RULE_FAMILIES: frozenset[str] = frozenset(FAMILIES) - {"network"}


def _families(value: Iterable[str]) -> frozenset[str]:
    return frozenset(str(v) for v in value)


def _check_families(_inst: object, attribute: attrs.Attribute[Any], value: frozenset[str]) -> None:
    unknown = sorted(str(v) for v in value if v not in FAMILIES)
    if unknown:
        raise ValueError(f"{attribute.name}: unknown families {unknown}; known: {FAMILIES}")


@attrs.frozen(kw_only=True)
class Rule:
    """A cause detector, contributed through ``pip_doctor_rules``.

    ``check(situation)`` returns None, a :class:`Diagnosis` or several. The id
    is what ``PIP_DOCTOR_BLOCK`` and ``pip-doctor plugins`` name; a plugin's
    rule ids are namespaced: ``"acme/use-base-image"``.

    ``families`` names the error families the rule serves (see
    :attr:`ErrorInfo.family`); the engine calls ``check`` only for errors of
    those families. Left out, it is :data:`DEFAULT_RULE_FAMILIES`: every
    family but ``network``.
    """

    id: str
    check: Callable[[Situation], RuleResult]
    description: str = ""
    timeout: float = 0.1
    families: frozenset[str] = attrs.field(
        default=DEFAULT_RULE_FAMILIES, converter=_families, validator=_check_families
    )

    def serves(self, error: ErrorInfo) -> bool:
        """True when this rule is for ``error``'s family (the engine asks)."""
        return error.family in self.families


@attrs.frozen(kw_only=True)
class Explanation:
    """The long explanation of a cause id: what ``pip-doctor explain ID`` prints.

    Contributed through ``pip_doctor_explanations``. ``what`` says what the
    cause is; ``why`` (why it happens), ``fix`` (how to get out of it) and
    ``prevent`` (how not to get there again) are optional paragraphs, blank
    lines separating paragraphs inside each. ``links`` are printed under
    "Read more".
    """

    id: str
    title: str
    what: str
    why: str = ""
    fix: str = ""
    prevent: str = ""
    links: tuple[Link, ...] = attrs.field(default=(), converter=_links)

    @property
    def text(self) -> str:
        """The explanation as plain text, wrapped at 80 columns."""
        lines = [f"{self.id}: {self.title}"]
        for heading, body in (
            ("What it is", self.what),
            ("Why it happens", self.why),
            ("How to fix it", self.fix),
            ("How to prevent it", self.prevent),
        ):
            if not body.strip():
                continue
            lines += ["", heading]
            for paragraph in body.split("\n\n"):
                lines.append(
                    textwrap.fill(" ".join(paragraph.split()), EXPLANATION_WIDTH,
                                  initial_indent="  ", subsequent_indent="  ")
                )
        if self.links:
            lines += ["", "Read more"]
            for link in self.links:
                lines += [f"  - {link.title}", f"    {link.url}"]
        return "\n".join(lines) + "\n"


#: The width :attr:`Explanation.text` is wrapped at.
EXPLANATION_WIDTH = 80


def _frozen_environ(value: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(value))


@attrs.frozen(kw_only=True)
class Config:
    """What a plugin learns when it is loaded: the argument of ``pip_doctor_configure``.

    ``environ`` is the environment pip-doctor runs with (read it instead of
    ``os.environ``: the two differ in tests and in tools that diagnose for
    another process). ``blocked`` holds the plugin names and ids that
    ``PIP_DOCTOR_BLOCK`` turns off.
    """

    environ: Mapping[str, str] = attrs.field(converter=_frozen_environ)
    blocked: frozenset[str] = attrs.field(default=frozenset(), converter=_set_of_str)

