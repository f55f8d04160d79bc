"""The records: conversion of odd errors, ranking, report helpers, JSON order."""

from __future__ import annotations

import errno
import json
import sys

import attrs
import pytest

from pip_doctor import Diagnosis, ErrorInfo, Facts, Fix, Link, Report, shell_commands
from pip_doctor._model import InstallContext, InstallOptions, Problem


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (PermissionError(13, "Permission denied", "/x"), (13, "EACCES", "/x", None)),
        (OSError("no errno at all"), (None, None, None, None)),
        (OSError(13, "Permission denied", b"/caf\xe9"), (13, "EACCES", "/caf\udce9", None)),
        (OSError(2, "No such file", "rel/path", None, "dst"), (2, "ENOENT", "rel/path", "dst")),
        (OSError(99999, "unknown errno"), (99999, None, None, None)),
    ],
    ids=["eacces", "no-errno", "bytes-non-utf8", "relative-with-filename2", "unknown-errno"],
)
def test_error_info_from_exception(error, expected):
    info = ErrorInfo.from_exception(error)
    assert (info.errno, info.errno_name, info.filename, info.filename2) == expected
    assert info.type == type(error).__name__
    json.dumps(info.to_dict())


def test_error_info_survives_a_broken_str():
    class Weird(OSError):
        def __str__(self) -> str:
            raise RuntimeError("boom")

    info = ErrorInfo.from_exception(Weird(errno.EACCES, "denied"))
    assert info.message == "Weird"
    assert info.errno == errno.EACCES


def test_error_info_windows_winerror_simulated():
    error = OSError(errno.EACCES, "Access is denied")
    error.winerror = 5  # type: ignore[attr-defined]
    assert ErrorInfo.from_exception(error).winerror == 5


def test_facts_are_read_only_and_missing_keys_read_as_none():
    facts = Facts({"path": {"owner_name": "root"}})
    assert facts.get_fact("path", "owner_name") == "root"
    assert facts.get_fact("path", "nope") is None
    assert facts.get_fact("absent", "x", "d") == "d"
    with pytest.raises(TypeError):
        facts["path"]["owner_name"] = "alice"  # type: ignore[index]
    assert facts.with_section("account", {"name": "a"}).get_fact("account", "name") == "a"
    assert "account" not in facts


def _diagnosis(ident: str, confidence: str = "medium") -> Diagnosis:
    return Diagnosis(id=ident, title=ident, confidence=confidence)  # type: ignore[arg-type]


def _report(*diagnoses: Diagnosis) -> Report:
    return Report(
        error=ErrorInfo.from_exception(PermissionError(13, "Permission denied", "/x")),
        context=InstallContext(),
        diagnoses=diagnoses,
    )


def test_report_helpers_return_new_reports_and_rerank():
    report = _report(_diagnosis("a", "high"), _diagnosis("b", "medium"), _diagnosis("c", "low"))
    assert [d.id for d in report.without("a").diagnoses] == ["b", "c"]
    assert [d.id for d in report.diagnoses] == ["a", "b", "c"]
    assert [d.id for d in report.with_confidence("c", "high").diagnoses] == ["a", "c", "b"]
    linked = report.with_link("b", Link(title="Docs", url="https://example.org"))
    assert linked.get("b").links == (Link(title="Docs", url="https://example.org"),)  # type: ignore[union-attr]
    relinked = linked.with_links("b", [Link(title="Ours", url="https://example.com")])
    assert relinked.get("b").links == (Link(title="Ours", url="https://example.com"),)  # type: ignore[union-attr]
    replaced = report.with_diagnosis(_diagnosis("b", "high"))
    assert [d.id for d in replaced.diagnoses] == ["a", "b", "c"]
    assert replaced.get("b").confidence == "high"  # type: ignore[union-attr]
    problem = Problem(source="x", message="y")
    assert report.with_problem(problem).problems == (problem,)


def test_records_reject_wrong_types_and_values():
    with pytest.raises(ValueError, match="confidence"):
        Diagnosis(id="x", title="t", confidence="certain")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Diagnosis(id="x", title="t", fixes=["not a fix"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="safety"):
        Fix(summary="s", safety="yolo")  # type: ignore[arg-type]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        _diagnosis("x").id = "y"  # type: ignore[misc]


def test_to_dict_follows_the_contract_key_order():
    fix = Fix(summary="Make a venv",
              commands=shell_commands(["python3", "-m", "venv", "/tmp/v"]), safety="safe")
    report = _report(
        Diagnosis(id="a", title="A", confidence="high", evidence=["e"], fixes=[fix],
                  links=[Link(title="L", url="https://l")], source="s", warnings=["don't"])
    )
    report = attrs.evolve(
        report,
        context=InstallContext(options=InstallOptions(user=True, target=b"/t"),
                               pip_version="26.3", original_message="msg"),
    )
    data = report.to_dict()
    assert list(data) == ["schema_version", "tool", "error", "pip", "environment",
                          "diagnoses", "problems"]
    assert list(data["error"]) == ["type", "errno", "errno_name", "strerror", "filename",
                                   "filename2", "winerror", "message", "family"]
    assert data["pip"] == {"version": "26.3", "command": "install", "original_message": "msg",
                           "options": {"user": True, "target": "/t", "prefix": None,
                                       "root": None}}
    (diagnosis,) = data["diagnoses"]
    assert list(diagnosis) == ["id", "title", "confidence", "evidence", "fixes", "links",
                               "source"]
    assert list(diagnosis["fixes"][0]) == ["summary", "safety", "commands"]
    assert diagnosis["fixes"][0]["commands"][0] == {"shell": "posix",
                                                    "text": "python3 -m venv /tmp/v"}
    assert json.loads(report.to_json()) == data


def test_install_context_defaults_to_this_interpreter():
    context = InstallContext()
    assert context.interpreter == (sys.executable or "python")
    assert context.options == InstallOptions()


def test_install_context_carries_what_pip_knew_as_read_only_data():
    options = {"index_url": "https://u:p@example.org/simple", "retries": 5}
    context = InstallContext(
        argv=["install", "--retries", "5", "pkg"],
        pip_options=options,
        log=["Retrying (Retry(total=4)) after connection broken by 'SSLError'"],
        failure="no-matching-distribution",
    )
    options["retries"] = 0  # the caller's dict is copied, not shared
    assert context.argv == ("install", "--retries", "5", "pkg")
    assert context.pip_options["retries"] == 5
    with pytest.raises(TypeError):
        context.pip_options["retries"] = 1  # type: ignore[index]
    assert context.log[0].startswith("Retrying")
    assert context.failure == "no-matching-distribution"
    assert context == attrs.evolve(context)
    assert hash(context) == hash(attrs.evolve(context))


def test_install_context_defaults_say_called_from_the_api():
    context = InstallContext()
    assert (context.argv, dict(context.pip_options), context.log, context.failure) == (
        (), {}, (), ""
    )
