"""The text and JSON renderers, on reports of real situations.

Each report comes from ``diagnose`` on something that exists on disk (a
root-owned directory, a read-only bind mount, a file name with a terminal
escape or undecodable bytes). Where a test is about how a cause is *shown*,
it adds diagnoses built from the public records to such a report, so the
layout is checked independently of which built-in rule fires.
"""

from __future__ import annotations

import errno
import io
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import attrs
import pytest

import pip_doctor
import scenarios
from pip_doctor import Diagnosis, Fix, InstallContext, Link, Report, shell_commands
from pip_doctor._render_json import render_json, utf8_text
from pip_doctor._render_text import (
    ASCII,
    UNICODE,
    color_enabled,
    printable,
    render_text,
    unbreakable,
)

LONG_COMMAND_WORD = "/opt/" + "very-long-directory-name/" * 5 + "venv"


def eacces(path: os.PathLike[str] | str | bytes) -> PermissionError:
    return PermissionError(errno.EACCES, "Permission denied", path)


@pytest.fixture
def root_owned(shared: Path) -> Path:
    """A root-owned directory (mode 0755) under /tmp, with a file pip could not write."""
    target = shared / "system env" / "site-packages"
    target.mkdir(parents=True)
    return target


def real_report(path: Path, **context: object) -> Report:
    return pip_doctor.diagnose(
        eacces(str(path / "pkg" / "__init__.py")), context=InstallContext(**context),
    )


def with_causes(report: Report, venv: Path) -> Report:
    """``report`` with two causes built from the records, as a rule makes them."""
    best = Diagnosis(
        id="env-owned-by-other-user",
        title=f"The environment {venv} belongs to root, not to you",
        confidence="high",
        evidence=(
            f"{venv} is owned by root (uid 0); you are alice (uid 1000)",
            "pip wanted to write " + str(venv / "lib" / "python3.11" / "site-packages"),
        ),
        fixes=(
            Fix(summary="Make a virtual environment of your own and install into it",
                commands=shell_commands(["python3", "-m", "venv", str(venv.parent / "my env")],
                               [str(venv.parent / "my env" / "bin" / "python"), "-m", "pip",
                                "install", "requests"])),
            Fix(summary="Give the environment to your account (it is yours, made with sudo)",
                commands=shell_commands(["sudo", "chown", "-R", "alice:", LONG_COMMAND_WORD]),
                safety="review"),
        ),
        links=(Link(title="Installing packages using pip and virtual environments",
                    url="https://packaging.python.org/en/latest/guides/"
                    "installing-using-pip-and-virtual-environments/"),),
        warnings=("Do not run `sudo pip install`: it writes more root-owned files into the "
                  "environment and the next install fails the same way.",),
    )
    other = Diagnosis(
        id="read-only-filesystem", title="The filesystem may be mounted read-only",
        confidence="low", evidence=(f"{venv} is on / (overlay)",),
        fixes=(Fix(summary="Install somewhere writable",
                   commands=shell_commands(["python3", "-m", "venv", "x"])),),
        warnings=("never shown in the short form",),
    )
    both = report.with_diagnosis(best).with_diagnosis(other)
    return attrs.evolve(both, explained={best.id, other.id})  # as the engine marks built-ins


def layout(text: str) -> list[str]:
    """The kind of each non-blank line: its leading marker."""
    kinds = []
    for line in text.splitlines():
        match = re.match(r"(pip-doctor|×|│|╰─>|hint:|warning:|note:|Link:|More:|Other|  •|"
                         r"        | {4})", line)
        if line.strip():
            kinds.append(match.group(1) if match else line)
    return kinds


def assert_fits(text: str, width: int = 80, report: Report | None = None) -> None:
    """Every line fits, except commands, links and words (or spaced paths) kept whole."""
    kept = [path for path in unbreakable(report) if len(path) > width // 2] if report else []
    for line in text.splitlines():
        if len(line) > width:
            assert (line.startswith(("        ", "Link: ")) or " " not in line.strip()
                    or any(path in line for path in kept)), line


# ------------------------------------------------------------------- shape


def test_best_cause_reads_like_pips_diagnostic_errors(root_owned):
    report = with_causes(real_report(root_owned), root_owned.parent)
    text = render_text(report, shell="posix", ascii_only=False)
    kinds = layout(text)
    assert kinds[0] == "pip-doctor"
    assert kinds[1] == "×"
    assert kinds.index("╰─>") == 2
    assert kinds.index("hint:") < kinds.index("warning:") < kinds.index("Link:")
    assert kinds.index("Link:") < kinds.index("More:") < kinds.index("Other")
    lines = text.splitlines()
    assert lines[0] == "pip-doctor: 2 likely causes; most likely (high confidence):"
    assert "pip-doctor explain env-owned-by-other-user" in text
    assert "[safe]" in text
    assert "[review before running]" in text
    assert "Do not run `sudo pip install`" in text
    # the evidence is quoted as measured, under the arrow
    arrow = next(line for line in lines if line.startswith("╰─>"))
    assert str(root_owned.parent) in arrow


def test_lower_ranked_causes_are_short(root_owned):
    report = with_causes(real_report(root_owned), root_owned.parent)
    text = render_text(report, shell="posix")
    tail = text.split("Other possible causes", 1)[1]
    assert "The filesystem may be mounted read-only (low confidence)" in tail
    assert "more: pip-doctor explain read-only-filesystem" in tail
    assert "fix: Install somewhere writable" in tail
    assert "never shown in the short form" not in text
    assert "hint:" not in tail


@pytest.mark.parametrize("shell", ["posix", "fish", "powershell", "cmd"])
def test_fix_commands_are_those_of_the_users_shell(root_owned, shell):
    report = with_causes(real_report(root_owned), root_owned.parent)
    text = render_text(report, shell=shell)
    best = report.diagnoses[0]
    mine = {c.text for fix in best.fixes for c in fix.for_shell(shell)}
    assert len(mine) == 3
    for command in mine:
        assert f"\n        {command}\n" in text
    others = {c.text for fix in best.fixes for c in fix.commands} - mine
    assert others
    for command in others:
        assert f"        {command}\n" not in text


def test_fix_without_the_users_shell_says_which_shell_it_shows(root_owned):
    only_posix = Diagnosis(
        id="acme/posix-only", title="A cause", confidence="high",
        fixes=(Fix(summary="Run this", commands=shell_commands(["true"], shells=["posix"])),),
    )
    text = render_text(real_report(root_owned).with_diagnosis(only_posix), shell="cmd")
    assert "(no cmd version; for sh/bash/zsh:)\n        true\n" in text


def test_text_fits_80_columns_and_commands_and_links_stay_whole(root_owned):
    report = with_causes(real_report(root_owned), root_owned.parent)
    text = render_text(report, shell="posix")
    assert any(len(line) > 80 for line in text.splitlines()), "needs a command that long"
    assert_fits(text)
    assert f"sudo chown -R alice: {LONG_COMMAND_WORD}" in text


def test_narrow_width_wraps_prose_not_commands(root_owned):
    report = with_causes(real_report(root_owned), root_owned.parent)
    assert_fits(render_text(report, shell="posix", width=50), 50, report)


def test_same_report_renders_the_same_text_twice_without_timestamps(root_owned):
    report = with_causes(real_report(root_owned), root_owned.parent)
    first = render_text(report, shell="posix")
    assert first == render_text(report, shell="posix")
    assert not re.search(r"\d\d:\d\d:\d\d", first)
    assert first.endswith("\n")
    assert not first.endswith("\n\n")


# ---------------------------------------------------------------- fallback


def test_no_cause_found_still_shows_what_was_measured(root_owned, monkeypatch):
    monkeypatch.setenv("PIP_DOCTOR_BLOCK", "pip_doctor.rules")
    report = real_report(root_owned)
    assert report.diagnoses == ()
    text = render_text(report, shell="posix")
    assert text.startswith("pip-doctor: no known cause matched this error.")
    assert "Permission denied" in text
    assert "(EACCES)" in text
    assert f"python       {sys.executable}" in text
    # the nearest existing ancestor of the missing file, with its real owner and mode
    assert f"{root_owned}, owner root, drwxr-xr-x" in " ".join(text.split())
    assert "pip-doctor check" in text


def test_problems_are_counted_unless_verbose(root_owned, tmp_path, monkeypatch):
    (tmp_path / "pd_render_broken.py").write_text(textwrap.dedent("""
        from pip_doctor import Probe, hookimpl

        def _broken(situation):
            raise RuntimeError("the disk controller is on fire")

        @hookimpl
        def pip_doctor_probes():
            return [Probe(id="broken/probe", run=_broken)]
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PIP_DOCTOR_PLUGINS", "pd_render_broken")
    quiet = real_report(root_owned)
    assert quiet.problems
    text = render_text(quiet, shell="posix")
    assert "while diagnosing; run with -v to see" in text
    assert "on fire" not in text
    loud = render_text(attrs.evolve(quiet, context=attrs.evolve(quiet.context, verbose=True)),
                       shell="posix")
    assert "probe broken/probe" in loud
    assert "the disk controller is" in loud


# ----------------------------------------------------- odd names, glyphs


def test_terminal_escapes_and_undecodable_bytes_in_names_are_shown_not_obeyed(shared,
                                                                            monkeypatch):
    monkeypatch.setenv("PIP_DOCTOR_BLOCK", "pip_doctor.rules")
    odd = os.fsencode(shared) + b"/evil\x1b[2Jname\xff"
    os.mkdir(odd)
    report = pip_doctor.diagnose(eacces(odd + b"/x"))
    text = render_text(report, shell="posix")
    assert "\x1b" not in text
    assert "\\x1b[2Jname\\xff" in text
    text.encode("utf-8")  # no lone surrogates left


@pytest.mark.parametrize(("shell", "program"), [("posix", ["bash", "--norc", "-c"]),
                                                ("fish", ["fish", "--no-config", "-c"])])
def test_commands_on_undecodable_and_control_names_work_when_run(shared, shell, program):
    """The command shown (text and JSON) names the very directory measured."""
    odd = os.fsencode(shared) + b"/caf\xe9 \x1b[2J\nx"
    os.mkdir(odd)
    report = pip_doctor.diagnose(eacces(odd + b"/x"))
    check = Fix(summary="See the directory",
                commands=shell_commands(["ls", "-d", os.fsdecode(odd)], shells=[shell]))
    report = report.with_diagnosis(Diagnosis(id="acme/odd", title="Odd", confidence="high",
                                             evidence=("odd",), fixes=(check,)))
    (shown,) = [line.strip() for line in render_text(report, shell=shell).splitlines()
                if line.strip().startswith("ls -d ")]
    (in_json,) = [c["text"] for d in json.loads(render_json(report))["diagnoses"]
                  for f in d["fixes"] for c in f["commands"] if c["text"].startswith("ls ")]
    assert shown == in_json
    assert shown.isprintable()
    ran = subprocess.run([*program, shown], capture_output=True, check=True)
    assert ran.stdout == odd + b"\n"


def test_printable_escapes_controls_and_surrogates():
    assert printable("plain café") == "plain café"
    assert printable("a\x1b[31mb") == "a\\x1b[31mb"
    assert printable("line\nnext\ttab") == "line\\nnext\\ttab"
    assert printable(os.fsdecode(b"caf\xe9")) == "caf\\xe9"


def test_ascii_only_uses_plain_glyphs(root_owned):
    report = with_causes(real_report(root_owned), root_owned.parent)
    text = render_text(report, shell="posix", ascii_only=True)
    for glyph in (UNICODE.cross, UNICODE.arrow, UNICODE.bullet):
        assert glyph not in text
    assert f"\n{ASCII.cross} " in text
    assert f"\n{ASCII.arrow} " in text


# ------------------------------------------------------------------ colour


def test_colour_only_when_asked_and_only_on_prefixes(root_owned):
    report = with_causes(real_report(root_owned), root_owned.parent)
    plain = render_text(report, shell="posix")
    assert "\x1b" not in plain
    coloured = render_text(report, shell="posix", color=True)
    assert "\x1b[1;31m× \x1b[0m" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_inside_pip_there_is_no_colour_even_when_forced(root_owned, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    text = pip_doctor.format_os_error(eacces(root_owned / "x"), False, False)
    assert "\x1b" not in text


@pytest.fixture
def terminal():
    """A real pseudo-terminal, as a text stream."""
    leader, follower = os.openpty()
    stream = open(follower, "w", encoding="utf-8")  # noqa: SIM115
    yield stream
    stream.close()
    os.close(leader)


@pytest.mark.parametrize(
    ("environ", "on_terminal", "expected"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": ""}, True, True),
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": "0"}, True, False),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False),
        ({"TERM": "dumb"}, True, False),
    ],
)
def test_color_enabled_honours_no_color_force_color_and_the_terminal(
    terminal, environ, on_terminal, expected
):
    stream = terminal if on_terminal else io.StringIO()
    assert color_enabled(stream, environ) is expected


# -------------------------------------------------------------------- JSON

CONTRACT_KEYS = {
    "": ["schema_version", "tool", "error", "pip", "environment", "diagnoses", "problems"],
    "tool": ["name", "version"],
    "error": ["type", "errno", "errno_name", "strerror", "filename", "filename2", "winerror",
              "message", "family"],
    "pip": ["version", "command", "original_message", "options"],
    "options": ["user", "target", "prefix", "root"],
    "diagnosis": ["id", "title", "confidence", "evidence", "fixes", "links", "source"],
    "fix": ["summary", "safety", "commands"],
    "command": ["shell", "text"],
    "link": ["title", "url"],
    "problem": ["source", "message"],
}


def test_json_has_the_contracts_keys_in_the_contracts_order(root_owned):
    report = with_causes(real_report(root_owned), root_owned.parent)
    report = report.with_problem(pip_doctor.Problem(source="probe x", message="timed out"))
    data = json.loads(render_json(report))
    assert list(data) == CONTRACT_KEYS[""]
    assert data["schema_version"] == 1
    assert data["tool"] == {"name": "pip-doctor", "version": pip_doctor.__version__}
    assert list(data["error"]) == CONTRACT_KEYS["error"]
    assert list(data["pip"]) == CONTRACT_KEYS["pip"]
    assert list(data["pip"]["options"]) == CONTRACT_KEYS["options"]
    assert list(data["environment"]) == list(report.facts)
    for diagnosis in data["diagnoses"]:
        assert list(diagnosis) == CONTRACT_KEYS["diagnosis"]
        assert diagnosis["confidence"] in ("high", "medium", "low")
        for fix in diagnosis["fixes"]:
            assert list(fix) == CONTRACT_KEYS["fix"]
            assert fix["safety"] in ("safe", "review")
            for command in fix["commands"]:
                assert list(command) == CONTRACT_KEYS["command"]
                assert command["shell"] in ("posix", "fish", "powershell", "cmd")
        for link in diagnosis["links"]:
            assert list(link) == CONTRACT_KEYS["link"]
    assert [list(p) for p in data["problems"]] == [CONTRACT_KEYS["problem"]]
    assert data["error"]["errno"] == 13
    assert data["error"]["errno_name"] == "EACCES"
    assert data == report.to_dict()  # nothing added, nothing lost


def test_json_is_utf8_text_not_ascii_escapes(shared):
    name = shared / "café ☕"
    name.mkdir()
    text = pip_doctor.diagnose(eacces(name / "x")).to_json()
    assert "café ☕" in text
    assert "\\u" not in text


def test_undecodable_file_name_becomes_backslash_x_text_in_json(shared):
    odd = os.fsencode(shared) + b"/caf\xe9"
    os.mkdir(odd)
    report = pip_doctor.diagnose(eacces(odd + b"/x"))
    assert report.error.filename is not None
    assert "\udce9" in report.error.filename
    text = render_json(report)
    encoded = text.encode("utf-8")  # would raise on a lone surrogate
    data = json.loads(encoded)
    assert data["error"]["filename"] == f"{shared}/caf\\xe9/x"
    assert data["environment"]["path"]["nearest_existing"] == f"{shared}/caf\\xe9"


def test_utf8_text_keeps_valid_text_and_shows_bytes():
    assert utf8_text("ok é") == "ok é"
    assert utf8_text(os.fsdecode(b"a\xffb")) == "a\\xffb"
    assert utf8_text("lone \ud800") == "lone \\ud800"


def readonly_report(place: Path) -> Report:
    """The report of EROFS under ``place``, made a read-only bind mount for the call."""
    place.mkdir()
    with scenarios.readonly_bind_mount(place):
        return pip_doctor.diagnose(OSError(errno.EROFS, "Read-only file system",
                                           str(place / "pkg")))


def test_json_of_a_readonly_mount_names_the_mount(tmp_path):
    place = tmp_path / "ro"
    report = readonly_report(place)
    data = json.loads(report.to_json(indent=None))
    assert data["environment"]["path"]["readonly_mount"] is True
    assert data["environment"]["path"]["mount_point"] == str(place)
    assert "\n" not in report.to_json(indent=None).rstrip("\n")


# ------------------------------------------------- real causes, real rules


def test_a_read_only_mount_renders_its_cause_with_fixes_and_pointer(tmp_path):
    place = tmp_path / "ro env"
    report = readonly_report(place)
    assert report.best is not None
    assert report.best.id == "read-only-filesystem"
    text = render_text(report, shell="posix")
    assert_fits(text, report=report)
    assert str(place) in " ".join(text.split())
    assert "pip-doctor explain read-only-filesystem" in text
    assert text.count("\nhint: ") == len(report.best.fixes)
    assert text.count("\nLink: ") >= len(report.best.links)


def test_a_full_filesystem_renders_its_cause_with_the_space_measured(tmp_path):
    place = tmp_path / "tiny"
    with scenarios.tiny_tmpfs(place):
        scenarios.fill_filesystem(place)
        report = pip_doctor.diagnose(OSError(errno.ENOSPC, "No space left on device",
                                             str(place / "pkg" / "big.bin")))
        text = render_text(report, shell="fish")
    assert report.best is not None
    assert report.best.id == "disk-full"
    assert_fits(text)
    assert "pip-doctor explain disk-full" in text
    evidence = "\n".join(report.best.evidence)
    assert str(place) in evidence
