"""Declarative rules: TOML files that add probes, rules, suppressions and redactions."""

from __future__ import annotations

import errno
import json
import os
import shlex
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import pip_doctor
import scenarios
from pip_doctor import _declarative, _manager, _rules_file

EXAMPLE = scenarios.ROOT / "examples" / "rules" / "acme-rules.toml"


def _rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, name: str = "r.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    monkeypatch.setenv("PIP_DOCTOR_RULES", str(path))
    _manager.reset_manager()
    return path


def _eacces(path: Path) -> PermissionError:
    return PermissionError(errno.EACCES, "Permission denied", str(path))


def test_the_example_rules_file_is_valid_and_declares_everything():
    ruleset = _rules_file.load(_declarative.rules_files({"PIP_DOCTOR_RULES": str(EXAMPLE)}))
    assert ruleset.problems == ()
    assert [p.id for p in ruleset.probes] == ["acme-rules/home-fs"]
    assert [r.id for r in ruleset.rules] == [
        "acme-rules/home-on-nfs", "acme-rules/shared-env", "acme-rules/setup-guide"]
    assert ruleset.rules[1].suppress == ("env-owned-by-other-user",)
    assert len(ruleset.redactions) == 1


LOADED_PARSER = """
import sys
from pip_doctor import _manager
_manager.get_manager()
print("pip_doctor._rules_file" in sys.modules)
"""


@pytest.mark.parametrize("with_file", [False, True], ids=["no-rules-file", "rules-file"])
def test_the_parser_is_imported_only_when_there_is_a_rules_file(tmp_path, with_file):
    # Every install command on pip 26.1+ loads what plugins load: no file, no parser.
    assert not any(os.path.exists(path) for path in _declarative.site_rules_files({}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_DOCTOR_")}
    if with_file:
        (tmp_path / "r.toml").write_text('[[redact]]\ntext = "x"\n')
        env["PIP_DOCTOR_RULES"] = str(tmp_path / "r.toml")
    done = subprocess.run([sys.executable, "-c", LOADED_PARSER], env=env,
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == str(with_file)


def test_rules_files_site_wide_first_then_the_variable_in_order(tmp_path):
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    files = _declarative.rules_files({"PIP_DOCTOR_RULES": f"{first}{os.pathsep}{second}"})
    site = _declarative.site_rules_files({})
    assert [path for path, _required in files] == [*site, str(first), str(second)]
    assert site[-1].endswith(os.path.join("etc", "pip-doctor", "rules.toml"))
    assert [required for _path, required in files] == [False] * len(site) + [True, True]


def test_a_matching_rule_reports_measured_facts_fixes_and_links(tmp_path, monkeypatch):
    target = tmp_path / "my env"
    target.mkdir()
    _rules(tmp_path, monkeypatch, f"""
        [[rule]]
        id = "t/match"
        title = "Matched {{error.errno_name}}"
        confidence = "high"
        evidence = ["{{path.nearest_existing}} belongs to {{path.owner_name}}",
                    "never shown: {{t/no-such-probe.key}}",
                    "braces stay: {{{{literal}}}}"]
        warnings = ["Do not use sudo"]
        [rule.match]
        errno = [13, "EPERM"]
        path = ["{tmp_path}/*"]
        facts."path.exists" = false
        facts."account.name" = {{ in = ["root", "nobody"] }}
        facts."path.fs_type" = {{ regex = "." }}
        [[rule.fix]]
        summary = "Make a venv in {{path.nearest_existing}}"
        argv = ["python3", "-m", "venv", "{{path.nearest_existing}}/.venv"]
        [[rule.fix]]
        summary = "needs an unmeasured fact, so it is left out"
        commands = {{ posix = "echo {{t/no-such-probe.key}}" }}
        [[rule.link]]
        title = "Guide"
        url = "https://go.example/guide"
    """)
    report = pip_doctor.diagnose(_eacces(target / "pkg" / "file.py"))
    found = report.get("t/match")
    assert found is not None, report.problems
    assert found.title == "Matched EACCES"
    assert found.evidence == (f"{target} belongs to root", "braces stay: {literal}")
    assert found.warnings == ("Do not use sudo",)
    assert [fix.summary for fix in found.fixes] == [f"Make a venv in {target}"]
    commands = {c.shell: c.text for c in found.fixes[0].commands}
    assert commands["posix"] == f"python3 -m venv '{target}/.venv'"
    assert commands["cmd"] == f'python3 -m venv "{target}/.venv"'
    assert found.fixes[0].safety == "review"
    assert [link.url for link in found.links] == ["https://go.example/guide"]
    assert found.source.startswith("pip_doctor.declarative (")


def test_raw_commands_quote_each_placeholder_for_their_shell(tmp_path, monkeypatch):
    target = tmp_path / "my env"
    target.mkdir()
    _rules(tmp_path, monkeypatch, """
        [[rule]]
        id = "t/raw"
        title = "In {path.nearest_existing}"
        evidence = ["at {path.nearest_existing}"]
        [[rule.fix]]
        summary = "Mark {path.nearest_existing}"
        [rule.fix.commands]
        posix = "touch {path.nearest_existing}/marked && echo {{done}}"
        fish = "touch {path.nearest_existing}/marked"
        cmd = "type nul > {path.nearest_existing}\\\\marked"
    """)
    found = pip_doctor.diagnose(_eacces(target / "pkg" / "file.py")).get("t/raw")
    assert found is not None
    assert (found.title, found.evidence) == (f"In {target}", (f"at {target}",))
    assert found.fixes[0].summary == f"Mark {target}"
    commands = {c.shell: c.text for c in found.fixes[0].commands}
    assert commands["cmd"] == f'type nul > "{target}"\\marked'
    for shell in ("posix", "fish"):
        assert shlex.split(commands[shell])[:2] == ["touch", f"{target}/marked"]
    ran = subprocess.run(["sh", "-c", commands["posix"]], capture_output=True, text=True,
                         check=False)
    assert (ran.returncode, ran.stdout) == (0, "{done}\n")
    assert (target / "marked").exists()


@pytest.mark.parametrize(
    "match",
    [
        'errno = "ENOSPC"',
        'path = ["/nowhere/*"]',
        'environment_kind = "conda"',
        'account.name = "nobody"',
        "account.is_root = false",
        'facts."path.exists" = true',
        'facts."path.owner_name" = { regex = "^svc-" }',
        'facts."path.owner_name" = { in = ["svc", "bin"] }',
        'facts."t/missing.key" = 1',
    ],
)
def test_each_condition_that_disagrees_keeps_the_rule_quiet(tmp_path, monkeypatch, match):
    _rules(tmp_path, monkeypatch, f"""
        [[rule]]
        id = "t/quiet"
        title = "should not show"
        [rule.match]
        {match}
    """)
    report = scenarios.diagnose_patiently(_eacces(tmp_path / "missing" / "x"))
    assert report.get("t/quiet") is None
    assert report.problems == ()


def test_suppression_probe_and_redaction_without_code(tmp_path, monkeypatch):
    secret_dir = tmp_path / "host.corp.internal"
    secret_dir.mkdir()
    marker = tmp_path / "release"
    marker.write_text("acme-base 7\n")
    _rules(tmp_path, monkeypatch, f"""
        [[probe]]
        id = "t/release"
        file = "{marker}"
        [[probe]]
        id = "t/home"
        mount = "~"
        [[rule]]
        id = "t/first"
        title = "base image {{t/release.text}}"
        [[rule]]
        id = "t/hide-first"
        suppress = ["t/first"]
        [rule.match]
        facts."t/release.exists" = true
        facts."t/home.mount_point" = {{ regex = "^/" }}
        [[redact]]
        pattern = '[\\w-]+\\.corp\\.internal'
        replacement = "<host>"
        [[redact]]
        text = "acme-base"
    """)
    report = pip_doctor.diagnose(_eacces(secret_dir / "x"))
    assert report.facts["t/release"]["exists"] is True
    assert report.get("t/first") is None
    monkeypatch.setenv("PIP_DOCTOR_BLOCK", "t/hide-first")
    _manager.reset_manager()
    report = pip_doctor.diagnose(_eacces(secret_dir / "x"))
    assert report.get("t/first").title == "base image *** 7"
    dumped = report.to_json()
    assert "corp.internal" not in dumped
    assert f"{tmp_path}/<host>/x" in dumped
    assert "acme-base" not in dumped


def test_rules_are_read_at_load_time_not_when_pip_fails(tmp_path, monkeypatch):
    path = _rules(tmp_path, monkeypatch, """
        [[rule]]
        id = "t/loaded"
        title = "loaded early"
    """)
    _manager.get_manager()
    path.write_text("this is = not [ toml")
    report = scenarios.diagnose_patiently(OSError("x"))
    assert report.get("t/loaded") is not None
    assert report.problems == ()


def test_a_slow_rules_file_costs_the_configure_hook_not_the_rules_or_redactions(
    tmp_path, monkeypatch
):
    # A rules file that is a named pipe: reading it waits for a real writer,
    # which writes after the first registration hook's time limit.
    pipe = tmp_path / "rules.toml"
    os.mkfifo(pipe)
    monkeypatch.setenv("PIP_DOCTOR_RULES", str(pipe))
    _manager.reset_manager()
    late = _manager.REGISTRATION_TIMEOUT + 0.1

    def write_late() -> None:
        with open(pipe, "w") as handle:  # opens once the loader has opened the pipe
            time.sleep(late)
            handle.write(textwrap.dedent("""
                [[rule]]
                id = "t/slow"
                title = "from a slow file"
                [[redact]]
                text = "hidden-words"
            """))

    writer = threading.Thread(target=write_late)
    writer.start()
    try:
        manager = _manager.get_manager()
    finally:
        writer.join()
    assert any("pip_doctor_configure failed: timed out" in p.message
               for p in manager.load_problems if p.source == "pip_doctor.declarative")
    report = pip_doctor.diagnose(OSError(errno.EACCES, "at hidden-words"))
    assert report.get("t/slow") is not None, report.problems
    assert "hidden-words" not in report.to_json()


def test_a_blocked_declarative_plugin_reads_no_file(tmp_path, monkeypatch):
    _rules(tmp_path, monkeypatch, """
        [[rule]]
        id = "t/never"
        title = "never"
    """)
    monkeypatch.setenv("PIP_DOCTOR_BLOCK", "pip_doctor.declarative")
    _manager.reset_manager()
    report = pip_doctor.diagnose(OSError("x"))
    assert report.get("t/never") is None
    infos = {info.name: info for info in _manager.get_manager().infos}
    assert infos["pip_doctor.declarative"].status == "blocked"


GOOD = """
[[rule]]
id = "t/good"
title = "still here"
"""

#: (file text, line of the mistake, key named, words of the message)
MISTAKES = [
    ('[[rule]]\nid = "t/x"\ntitle = "unterminated\n', 3, None, "not valid TOML"),
    ('[[rule]]\nid = "t/x"\ntitle = "x"\n\n[[rule]]\nid = "t/x"\ntitle = "again"\n', 5,
     "id", "already defined at"),
    ('rules = 1\n', 1, "rules", "unknown key"),
    ('[[rule]]\ntitle = "no id"\n', 1, "rule.id", "needs an id"),
    ('[[rule]]\nid = "bare"\ntitle = "x"\n', 2, "rule.id", "must be namespaced"),
    ('[[rule]]\nid = "t/x"\n\nconfidence = "sure"\ntitle = "x"\n', 4, "rule.confidence",
     "high, medium, low"),
    ('[[rule]]\nid = "t/x"\ntitle = "x"\n[rule.match]\nerrno = "EACCESS"\n', 5,
     "rule.match.errno", "not an errno name"),
    ('[[rule]]\nid = "t/x"\ntitle = "x"\n[rule.match]\nerrnos = 13\n', 5,
     "rule.match.errnos", "unknown key"),
    ('[[rule]]\nid = "t/x"\ntitle = "x"\n[rule.match]\nenvironment_kind = "virtualenv"\n', 5,
     "rule.match.environment_kind", "not one of"),
    ('[[rule]]\nid = "t/x"\ntitle = "x"\n[rule.match]\naccount.is_root = "no"\n', 5,
     "rule.match.account.is_root", "true or false"),
    ('[[rule]]\nid = "t/x"\ntitle = "x"\n[rule.match.facts]\n"path.mode" = { regex = "(" }\n',
     5, 'rule.match.facts."path.mode".regex', "not a regular expression"),
    ('[[rule]]\nid = "t/x"\ntitle = "x"\n[rule.match.facts]\n"path.mode" = ["a"]\n', 5,
     'rule.match.facts."path.mode"', "ambiguous"),
    ('[[rule]]\nid = "t/x"\ntitle = "x"\nevidence = ["{owner}"]\n', 4, "rule.evidence",
     "must be {probe.key}"),
    ('[[rule]]\nid = "t/x"\ntitle = "x {"\n', 3, "rule.title", "unbalanced brace"),
    ('[[rule]]\nid = "t/x"\ntitle = "{error.errnum}"\n', 3, "rule.title",
     "error has type, errno"),
    ('[[rule]]\nid = "t/x"\nevidence = ["a"]\n', 3, "rule.evidence", "needs a title"),
    ('[[rule]]\nid = "t/x"\ntitle = "x"\n[[rule.fix]]\nargv = ["a"]\n', 4, "rule.fix[0]",
     "needs a summary"),
    ('[[rule]]\nid = "t/x"\ntitle = "x"\n[[rule.fix]]\nsummary = "s"\n', 4, "rule.fix[0]",
     "needs argv or commands"),
    ('[[rule]]\nid = "t/x"\ntitle = "x"\n[[rule.fix]]\nsummary = "s"\nargv = ["a"]\n'
     'safety = "yolo"\n', 7, "rule.fix[0].safety", "safe, review"),
    ('[[rule]]\nid = "t/x"\ntitle = "x"\n[[rule.fix]]\nsummary = "s"\n'
     'commands = { bash = "a" }\n', 6, "rule.fix[0].commands.bash", "unknown key"),
    ('[[rule]]\nid = "t/x"\ntitle = "x"\n[[rule.link]]\ntitle = "no url"\n', 4,
     "rule.link[0]", "needs a url"),
    ('[[rule]]\nid = "t/x"\nlinks_on = ["disk-full"]\n', 3, "rule.links_on",
     "needs [[rule.link]]"),
    ('[[rule]]\nid = "t/x"\nconfidence_of = { "disk-full" = "meh" }\n', 3,
     'rule.confidence_of."disk-full"', "high, medium, low"),
    ('[[rule]]\nid = "t/x"\n[rule.match]\nerrno = 13\n', 1, "rule.title",
     "needs a title, or only adjusts"),
    ('[[probe]]\nid = "t/p"\nfile = "/a"\nenv = "B"\n', 1, "probe", "exactly one of"),
    ('[[probe]]\nid = "t/p"\nenv = "B"\ntimeout = 30\n', 4, "probe.timeout", "at most 1"),
    ('[[redact]]\ntext = "a"\npattern = "b"\n', 1, "redact", "exactly one of"),
    ('[[redact]]\npattern = "[a-"\n', 2, "redact.pattern", "not a regular expression"),
]


@pytest.mark.parametrize(("text", "line", "key", "words"), MISTAKES,
                         ids=[m[3].split()[0] + f"-{i}" for i, m in enumerate(MISTAKES)])
def test_a_mistake_names_file_line_and_key_and_spares_the_rest(
    tmp_path, monkeypatch, text, line, key, words
):
    syntax_error = words == "not valid TOML"
    top_level = not text.startswith("[")
    path = _rules(tmp_path, monkeypatch,
                  text if syntax_error else text + GOOD if top_level else GOOD + text)
    offset = 0 if syntax_error or top_level else GOOD.count("\n")
    report = pip_doctor.diagnose(OSError(errno.EACCES, "Permission denied"))
    mine = [p for p in report.problems if p.source == "pip_doctor.declarative"]
    assert len(mine) == 1, report.problems
    message = mine[0].message
    assert message.startswith(f"{path}:{line + offset}: "), message
    if key:
        assert f"key '{key}'" in message, message
    assert words in message
    if not syntax_error:
        assert report.get("t/good") is not None


def test_a_missing_rules_file_is_a_problem_and_nothing_else(tmp_path, monkeypatch):
    monkeypatch.setenv("PIP_DOCTOR_RULES", str(tmp_path / "nope.toml"))
    report = pip_doctor.diagnose(OSError(errno.EACCES, "Permission denied"))
    assert [p.message for p in report.problems] == [
        f"{tmp_path / 'nope.toml'}: no such file (from PIP_DOCTOR_RULES)"
    ]


PYTHON_39 = "/root/.pyenv/versions/3.9.18/bin/python"
#: What the 3.9 environment gets: the newest releases that still support 3.9,
#: pinned so that what the index publishes later changes nothing.
PINS_39 = ("attrs==25.3.0", "pluggy==1.6.0", "packaging==25.0")


@pytest.mark.e2e
@pytest.mark.skipif(not os.path.exists(PYTHON_39), reason="needs a Python 3.9 (pyenv)")
def test_python_39_reads_rules_with_pips_vendored_tomli(wheelhouse, shared):
    """Before 3.11 there is no tomllib: pip's own tomli reads the files, same answers."""
    wheels = scenarios.pinned_wheelhouse("py39", PYTHON_39, PINS_39)
    venv = scenarios.make_venv(shared / "venv39", python=PYTHON_39, with_pip_doctor=True,
                               wheels=wheels, pip_version="")
    broken = shared / "broken.toml"
    broken.write_text('[[rule]]\nid = "t/x"\ntitle = "x"\n[rule.match]\nerrno = "EACCESS"\n')
    unparsable = shared / "unparsable.toml"
    unparsable.write_text('[[rule]]\nid = "t/y"\ntitle = "unterminated\n')
    script = (
        "import json, pip_doctor\n"
        "r = pip_doctor.diagnose(PermissionError(13, 'Permission denied', '/nowhere/x'))\n"
        "print(json.dumps([[d['id'] for d in r.to_dict()['diagnoses']],"
        " [p['message'] for p in r.to_dict()['problems']]]))\n"
    )
    result = scenarios.run_as(
        None, [str(venv / "bin" / "python"), "-c", script],
        env={"PIP_DOCTOR_RULES": os.pathsep.join([str(EXAMPLE), str(broken), str(unparsable)]),
             "PIP_DOCTOR_BLOCK": "acme-rules/home-on-nfs"},
    )
    assert result.returncode == 0, result.stderr
    ids, problems = json.loads(result.stdout)
    assert problems[0] == (f"{broken}:5: key 'rule.match.errno': 'EACCESS' is not an errno "
                           "name (like 'EACCES'); rule 't/x' skipped")
    assert problems[1].startswith(f"{unparsable}:3: not valid TOML: ")
    assert len(problems) == 2
    assert "acme-rules/shared-env" not in ids  # root writes everywhere: no match, no error
    # An entry-point plugin is listed with its distribution (3.9's entry points
    # do not know theirs).
    site = scenarios.site_packages(venv)
    scenarios.write_module(site, "pd_py39_plugin", "")
    scenarios.write_distribution(site, "py39-plugin", "3.9.1", {"py39": "pd_py39_plugin"})
    listed = scenarios.run_as(None, [str(venv / "bin" / "python"), "-m", "pip_doctor",
                                     "plugins", "--json"],
                            env={"PIP_DOCTOR_DISABLE_PLUGIN_AUTOLOAD": ""})
    assert listed.returncode == 0, listed.stderr
    (info,) = [p for p in json.loads(listed.stdout)["plugins"] if p["name"] == "py39"]
    assert (info["status"], info["distribution"], info["version"]) == (
        "loaded", "py39-plugin", "3.9.1")


def test_mount_probe_measures_a_real_mount(shared, monkeypatch):
    place = shared / "mnt"
    with scenarios.tiny_tmpfs(place):
        _rules(shared, monkeypatch, f"""
            [[probe]]
            id = "t/mnt"
            mount = "{place}/deeper/still"
            [[rule]]
            id = "t/on-tmpfs"
            title = "on {{t/mnt.fs_type}} at {{t/mnt.mount_point}}"
            [rule.match]
            facts."t/mnt.fs_type" = "tmpfs"
            facts."t/mnt.readonly" = false
            facts."t/mnt.network" = false
        """)
        report = pip_doctor.diagnose(OSError(errno.EACCES, "Permission denied"))
    assert report.get("t/on-tmpfs").title == f"on tmpfs at {place}"
    assert report.facts["t/mnt"]["path"] == f"{place}/deeper/still"


def test_a_rule_may_link_and_rerank_built_in_diagnoses(tmp_path, monkeypatch):
    error = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x"))
    before = pip_doctor.diagnose(error).get("disk-full")
    assert before is not None
    assert before.confidence == "high"
    _rules(tmp_path, monkeypatch, """
        [[rule]]
        id = "t/quota-help"
        links_on = ["disk-full", "not-in-this-report"]
        confidence_of = { "disk-full" = "low" }
        [rule.match]
        errno = "ENOSPC"
        [[rule.link]]
        title = "Ask for more quota ({error.errno_name})"
        url = "https://go.example/quota"
    """)
    after = pip_doctor.diagnose(error).get("disk-full")
    assert after.confidence == "low"
    assert after.links == (*before.links,
                           pip_doctor.Link(title="Ask for more quota (ENOSPC)", url="https://go.example/quota"))
    monkeypatch.setenv("PIP_DOCTOR_BLOCK", "t/quota-help")
    _manager.reset_manager()
    assert pip_doctor.diagnose(error).get("disk-full") == before
