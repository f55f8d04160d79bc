"""The plugin API's promises: pluggy's order, isolation, refused wrappers and
unknown hooks, the configure and explanations hooks, and the testing helpers.

Plugins here are real modules on a real ``sys.path`` (or real installed
distributions with entry points), loaded by the real manager through pluggy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import scenarios
from pip_doctor import Diagnosis, Explanation, Problem, Rule, hookimpl, hookspecs, testing
from pip_doctor._manager import reset_manager

#: An error no built-in rule diagnoses (ENOENT on a path that is not pip's):
#: the diagnoses in these reports are the test plugins' alone.
QUIET_ERROR = testing.make_error(2, "/nowhere/pd-plugin-api/x")

README = Path(__file__).resolve().parent.parent / "README.md"
EXAMPLE_PLUGIN_SRC = README.parent / "examples" / "acme-pip-doctor" / "src"


_module = scenarios.write_module


def _distribution(site: Path, name: str, module: str) -> None:
    scenarios.write_distribution(site, name, "1.0", {name: module})


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "site"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    monkeypatch.setenv("PIP_DOCTOR_DISABLE_PLUGIN_AUTOLOAD", "1")
    reset_manager()
    yield path
    reset_manager()


def _rule_plugin(name: str, marks: str = "") -> str:
    """A plugin whose one rule always says ``NAME/said``, low confidence."""
    return f"""
        from pip_doctor import Diagnosis, Rule, hookimpl

        def _check(situation):
            return Diagnosis(id="{name}/said", title="{name}", confidence="low")

        @hookimpl({marks})
        def pip_doctor_rules():
            return [Rule(id="{name}/rule", check=_check)]
    """


def _run_cli(site: Path, *args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), **environ}
    env.pop("PIP_DOCTOR_DISABLE_PLUGIN_AUTOLOAD", None)
    return subprocess.run([sys.executable, "-m", "pip_doctor", *args], env=env,
                          capture_output=True, text=True, check=False, timeout=60)


# ------------------------------------------------------------------ order


@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        ({}, ["c", "b", "a"]),
        ({"a": "tryfirst=True"}, ["a", "c", "b"]),
        ({"c": "trylast=True"}, ["b", "a", "c"]),
        ({"a": "tryfirst=True", "b": "tryfirst=True"}, ["b", "a", "c"]),
        ({"a": "trylast=True", "c": "tryfirst=True"}, ["c", "b", "a"]),
    ],
    ids=["last-registered-first", "tryfirst", "trylast", "two-tryfirst", "both"],
)
def test_hooks_are_called_in_pluggys_order(site, monkeypatch, marks, expected):
    """PIP_DOCTOR_PLUGINS=a,b,c registers a, b, c in that order; pluggy calls
    the last registered first, tryfirst ones before, trylast ones after.
    Among diagnoses of equal confidence, that order is the report's order.
    """
    for name in "abc":
        _module(site, f"pd_order_{name}", _rule_plugin(name, marks.get(name, "")))
    monkeypatch.setenv("PIP_DOCTOR_PLUGINS", "pd_order_a,pd_order_b,pd_order_c")
    import pip_doctor

    report = pip_doctor.diagnose(QUIET_ERROR)
    assert [i.partition("/")[0] for i in _plugin_ids(report)] == expected


def _plugin_ids(report):
    return [d.id for d in report.diagnoses if "/" in d.id]


def test_built_in_diagnoses_come_first_unless_a_plugin_is_tryfirst():
    full = testing.make_error(28, "/nowhere/pd-plugin-api/full")
    builtin = testing.diagnose(full).get("disk-full")
    assert builtin is not None

    def saying(diagnosis_id: str, **marks: bool) -> object:
        class Plugin:
            @hookimpl(**marks)
            def pip_doctor_rules(self) -> list[Rule]:
                return [Rule(id=f"{diagnosis_id}-rule", check=lambda s: Diagnosis(
                    id=diagnosis_id, title="ours", confidence=builtin.confidence))]

        return Plugin()

    plain = testing.diagnose(full, plugins=[saying("same/disk")])
    ids = [d.id for d in plain.diagnoses]
    assert ids.index("disk-full") < ids.index("same/disk")
    early = testing.diagnose(full, plugins=[saying("early/disk", tryfirst=True)])
    ids = [d.id for d in early.diagnoses]
    assert ids.index("early/disk") < ids.index("disk-full")


def test_a_plugin_probe_reads_the_built_in_facts():
    seen: list[object] = []

    class Reader:
        @hookimpl
        def pip_doctor_probes(self) -> list[object]:
            from pip_doctor import Probe

            def run(situation):
                seen.append(situation.fact("account", "euid"))
                return {"ok": True}

            return [Probe(id="reader/p", run=run)]

    report = testing.diagnose(QUIET_ERROR, plugins=[Reader()])
    assert report.facts["reader/p"] == {"ok": True}
    assert seen == [os.geteuid()]


def test_one_implementation_that_raises_is_skipped_and_listed(site, monkeypatch):
    _module(site, "pd_iso_a", _rule_plugin("a"))
    _module(site, "pd_iso_bad", """
        from pip_doctor import hookimpl

        @hookimpl(tryfirst=True)
        def pip_doctor_rules():
            raise RuntimeError("broken on purpose")

        @hookimpl
        def pip_doctor_adjust_report(report):
            raise ValueError("also broken")
    """)
    _module(site, "pd_iso_c", _rule_plugin("c"))
    monkeypatch.setenv("PIP_DOCTOR_PLUGINS", "pd_iso_a,pd_iso_bad,pd_iso_c")
    import pip_doctor

    report = pip_doctor.diagnose(QUIET_ERROR)
    assert _plugin_ids(report) == ["c/said", "a/said"]
    mine = {p.message for p in report.problems if p.source == "pd_iso_bad"}
    assert mine == {"pip_doctor_rules failed: RuntimeError: broken on purpose",
                    "pip_doctor_adjust_report: ValueError: also broken"}


# ------------------------------------------------------- refused at load


WRAPPERS = {
    "wrapper": "@hookimpl(wrapper=True)\ndef pip_doctor_rules():\n    return (yield)\n",
    "hookwrapper": "@hookimpl(hookwrapper=True)\ndef pip_doctor_adjust_report(report):\n"
                   "    yield\n",
}


@pytest.mark.parametrize("kind", list(WRAPPERS))
def test_hook_wrappers_are_refused_with_a_problem(site, monkeypatch, kind):
    _module(site, "pd_wrapper", textwrap.dedent("""
        from pip_doctor import Probe, hookimpl

        @hookimpl
        def pip_doctor_probes():
            return [Probe(id="w/fact", run=lambda situation: {"ok": True})]

    """) + WRAPPERS[kind])
    monkeypatch.setenv("PIP_DOCTOR_PLUGINS", "pd_wrapper")
    import pip_doctor

    report = pip_doctor.diagnose(QUIET_ERROR)
    (problem,) = [p for p in report.problems if p.source == "pd_wrapper"]
    assert "hook wrappers are not supported" in problem.message
    assert problem.message.endswith("it is not called")
    assert report.facts["w/fact"] == {"ok": True}  # the plugin's other hooks still run


def test_an_unknown_hook_is_a_problem_with_a_suggestion(site, monkeypatch):
    _module(site, "pd_typo", """
        from pip_doctor import Rule, hookimpl

        @hookimpl
        def pip_doctor_rule():
            return []

        @hookimpl(optionalhook=True)
        def pip_doctor_from_the_future():
            return []

        def pip_doctor_probes():
            return []
    """)
    monkeypatch.setenv("PIP_DOCTOR_PLUGINS", "pd_typo")
    import pip_doctor

    report = pip_doctor.diagnose(QUIET_ERROR)
    messages = sorted(p.message for p in report.problems if p.source == "pd_typo")
    assert messages == [
        "pip_doctor_probes is not marked @pip_doctor.hookimpl; it is not called",
        "unknown hook pip_doctor_rule (did you mean pip_doctor_rules?); it is not called",
    ]


TYPO_PLUGIN = """
    from pip_doctor import Explanation, Problem, Rule, hookimpl

    @hookimpl
    def pip_doctor_rule():
        return []

    @hookimpl(wrapper=True)
    def pip_doctor_probes():
        return (yield)

    @hookimpl
    def pip_doctor_configure(config):
        return [Problem(source="typo-config", message="/etc/typo.toml: line 3 is not TOML")]

    @hookimpl
    def pip_doctor_rules():
        return [Rule(id="typo/rule", check=lambda situation: None)]

    @hookimpl
    def pip_doctor_explanations():
        return [Explanation(id="typo/rule", title="typo", what="A typo.")]
"""


def test_plugins_command_shows_refused_hooks_of_an_installed_distribution(site):
    _module(site, "pd_dist_typo", TYPO_PLUGIN)
    _distribution(site, "typo-plugin", "pd_dist_typo")
    result = _run_cli(site, "plugins", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    (info,) = [p for p in data["plugins"] if p["name"] == "typo-plugin"]
    assert (info["origin"], info["distribution"], info["status"]) == (
        "entrypoint", "typo-plugin", "loaded")
    assert info["hooks"] == ["pip_doctor_configure", "pip_doctor_explanations",
                             "pip_doctor_probes", "pip_doctor_rule", "pip_doctor_rules"]
    assert info["refused_hooks"] == ["pip_doctor_probes", "pip_doctor_rule"]
    assert (info["rules"], info["explanations"]) == (["typo/rule"], ["typo/rule"])
    assert len(info["problems"]) == 3
    assert info["problems"][-1] == "typo-config: /etc/typo.toml: line 3 is not TOML"
    # the report's problems keep the source the plugin gave
    assert {(p["source"], p["message"]) for p in data["problems"]} >= {
        ("typo-config", "/etc/typo.toml: line 3 is not TOML")}
    assert {p["source"] for p in data["problems"]} == {"typo-plugin", "typo-config"}


def test_plugins_text_shows_each_plugins_hooks_ids_and_problems(site):
    _module(site, "pd_dist_typo", TYPO_PLUGIN)
    _distribution(site, "typo-plugin", "pd_dist_typo")
    _module(site, "pd_broken", "raise RuntimeError('cannot start')\n")
    result = _run_cli(site, "plugins", PIP_DOCTOR_PLUGINS="pd_broken")
    assert result.returncode == 0, result.stderr
    block = result.stdout[result.stdout.index("typo-plugin  ["):]
    typo = textwrap.dedent("""\
        typo-plugin  [loaded, entrypoint: typo-plugin 1.0]
            hooks: pip_doctor_configure, pip_doctor_explanations,
              pip_doctor_probes (refused), pip_doctor_rule (refused), pip_doctor_rules
            rules: typo/rule
            explanations: typo/rule
            problems:
              - pip_doctor_probes: hook wrappers are not supported (each implementation
                is called on its own, under its own time limit); it is not called
              - unknown hook pip_doctor_rule (did you mean pip_doctor_rules?); it is not
                called
              - typo-config: /etc/typo.toml: line 3 is not TOML
    """)
    assert block == typo + textwrap.dedent("""\
        pd_broken  [failed, env: pd_broken]
            error: could not be loaded: RuntimeError: cannot start
    """)
    assert f"```\n{typo}```\n" in README.read_text(encoding="utf-8")  # the README's example
    # every problem is shown once, under its plugin: none is left for the end
    assert "problems while loading" not in result.stdout.lower()
    assert "    hooks: pip_doctor_explanations, pip_doctor_rules\n" in result.stdout
    assert "    explanations: system-site-packages," in result.stdout


# ------------------------------------------------------------- configure


def test_configure_runs_first_with_the_managers_environment():
    calls: list[str] = []

    class Configured:
        @hookimpl
        def pip_doctor_configure(self, config):
            calls.append(f"configure {config.environ.get('ACME_MODE')}")
            if config.environ.get("ACME_MODE") != "strict":
                return [Problem(source="acme", message="ACME_MODE should be strict")]
            return None

        @hookimpl
        def pip_doctor_rules(self):
            calls.append("rules")
            return []

    manager = testing.make_manager(Configured(), environ={"ACME_MODE": "lax"})
    assert calls == ["configure lax", "rules"]
    assert Problem(source="acme", message="ACME_MODE should be strict") in manager.load_problems
    calls.clear()
    strict = testing.make_manager(Configured(), environ={"ACME_MODE": "strict"})
    assert calls == ["configure strict", "rules"]
    assert not [p for p in strict.load_problems if p.source == "acme"]


def test_rules_files_and_secrets_follow_the_managers_environment(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(textwrap.dedent("""
        [[rule]]
        id = "envtest/always"
        title = "from the manager's environment"
        confidence = "low"
    """))
    environ = {"PIP_DOCTOR_RULES": str(rules), "ACME_API_TOKEN": "s3cr3t-value-here"}
    error = testing.make_error(2, "/nowhere/s3cr3t-value-here/x")
    report = testing.diagnose(error, environ=environ)
    assert report.get("envtest/always") is not None
    assert "s3cr3t-value-here" not in report.to_json()
    without = testing.diagnose(error, environ={})
    assert without.get("envtest/always") is None
    assert "s3cr3t-value-here" in without.to_json()


# ------------------------------------------------------------ explain


class Explained:
    @hookimpl
    def pip_doctor_rules(self) -> list[Rule]:
        return [Rule(id="xp/rule", check=lambda s: [
            Diagnosis(id="xp/known", title="explained", confidence="medium"),
            Diagnosis(id="xp/unknown", title="not explained", confidence="low"),
            Diagnosis(id="xp/also", title="also explained", confidence="low"),
        ])]

    @hookimpl
    def pip_doctor_explanations(self) -> list[Explanation]:
        return [Explanation(id="xp/known", title="a cause with a long story",
                            what="It is what it is.", fix="Do the thing."),
                Explanation(id="xp/also", title="another", what="Also explained.")]


def test_more_is_printed_only_for_ids_explain_knows():
    report = testing.diagnose(QUIET_ERROR, plugins=[Explained()])
    assert report.explained == frozenset({"xp/known", "xp/also"})
    text = report.to_text(color=False)
    assert "pip-doctor explain xp/known" in text
    assert "pip-doctor explain xp/unknown" not in text
    explanation = testing.make_manager(Explained()).get_explanations()["xp/known"]
    assert explanation.text == (
        "xp/known: a cause with a long story\n\nWhat it is\n  It is what it is.\n\n"
        "How to fix it\n  Do the thing.\n"
    )


def test_the_explain_pointer_is_written_as_the_docs_say():
    """hookspecs and README: ``More: pip-doctor explain ID`` under the most likely
    diagnosis, ``more:`` under the others."""
    lines = testing.diagnose(QUIET_ERROR, plugins=[Explained()]).to_text(
        color=False).splitlines()
    assert "More: pip-doctor explain xp/known" in lines
    assert "    more: pip-doctor explain xp/also" in lines
    for text in (README.read_text(encoding="utf-8"), hookspecs.__doc__ or "",
                 hookspecs.pip_doctor_explanations.__doc__ or ""):
        assert "with `more: pip-doctor explain" not in text
        assert "with ``more: pip-doctor explain" not in text


def test_the_testing_modules_example_passes_with_the_example_plugin(monkeypatch):
    """The example in ``pip_doctor.testing``'s docstring, run as written against
    examples/acme-pip-doctor."""
    example = (testing.__doc__ or "").split("::\n", 1)[1]
    monkeypatch.syspath_prepend(str(EXAMPLE_PLUGIN_SRC))
    namespace: dict[str, object] = {}
    exec(compile(textwrap.dedent(example), "pip_doctor.testing example", "exec"), namespace)
    tests = [value for name, value in namespace.items() if name.startswith("test_")]
    assert len(tests) == 3
    for test in tests:
        test()


def test_an_id_explained_twice_keeps_the_first_and_built_ins_stay():
    def explaining(cause_id: str, title: str) -> object:
        class Plugin:
            @hookimpl
            def pip_doctor_explanations(self) -> list[Explanation]:
                return [Explanation(id=cause_id, title=title, what="...")]

        return Plugin()

    manager = testing.make_manager(explaining("dup/cause", "first registered"),
                                   explaining("dup/cause", "last registered"),
                                   explaining("disk-full", "a plugin's"))
    explanations = manager.get_explanations()
    assert explanations["dup/cause"].title == "last registered"  # called first (pluggy)
    assert explanations["disk-full"].title != "a plugin's"
    messages = [p.message for p in manager.load_problems]
    assert any("'dup/cause' is already explained by" in m for m in messages)
    assert any("id 'disk-full' is not namespaced" in m for m in messages)


def test_explain_command_knows_plugin_and_rules_file_ids(site, tmp_path):
    _module(site, "pd_explains", """
        from pip_doctor import Explanation, hookimpl

        @hookimpl
        def pip_doctor_explanations():
            return [Explanation(id="pdx/cause", title="a plugin's cause",
                                what="Explained by a plugin.")]
    """)
    rules = tmp_path / "rules.toml"
    rules.write_text(textwrap.dedent("""
        [[rule]]
        id = "file/cause"
        title = "a rules file's cause"
        [rule.explain]
        what = "Explained by a rules file."
        prevent = "Keep the file short."
        [[rule.link]]
        title = "Guide"
        url = "https://go.example/guide"
    """))
    env = {"PIP_DOCTOR_PLUGINS": "pd_explains", "PIP_DOCTOR_RULES": str(rules)}
    plugin = _run_cli(site, "explain", "pdx/cause", **env)
    assert (plugin.returncode, plugin.stdout) == (
        0, "pdx/cause: a plugin's cause\n\nWhat it is\n  Explained by a plugin.\n")
    from_file = _run_cli(site, "explain", "file/cause", **env)
    assert from_file.returncode == 0, from_file.stderr
    assert from_file.stdout == (
        "file/cause: a rules file's cause\n\nWhat it is\n  Explained by a rules file.\n\n"
        "How to prevent it\n  Keep the file short.\n\nRead more\n  - Guide\n"
        "    https://go.example/guide\n")
    listing = _run_cli(site, "explain", **env)
    assert "pdx/cause" in listing.stdout
    assert "file/cause" in listing.stdout
    assert "disk-full" in listing.stdout
    unknown = _run_cli(site, "explain", "pdx/nothing", **env)
    assert unknown.returncode == 2


# ------------------------------------------------------------- records


@pytest.mark.parametrize(
    "build",
    [
        lambda: Diagnosis("a/b", "title"),  # type: ignore[misc]
        lambda: Rule("a/b", lambda s: None),  # type: ignore[misc]
        lambda: Problem("a", "b"),  # type: ignore[misc]
        lambda: Explanation("a/b", "t", "w"),  # type: ignore[misc]
    ],
    ids=["Diagnosis", "Rule", "Problem", "Explanation"],
)
def test_records_take_keywords_only(build):
    with pytest.raises(TypeError):
        build()


def test_a_report_renders_without_anything_else_imported(tmp_path):
    script = textwrap.dedent("""
        import sys
        from pip_doctor._model import Diagnosis, ErrorInfo, InstallContext, Report
        report = Report(error=ErrorInfo(type="PermissionError", errno=13),
                        context=InstallContext(),
                        diagnoses=[Diagnosis(id="x/y", title="by hand", confidence="high")])
        assert "pip_doctor._api" not in sys.modules
        print(report.to_text(color=False))
        print(report.to_json(indent=None))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "by hand" in result.stdout
    assert "more: pip-doctor explain" not in result.stdout.lower()
    assert '"schema_version": 1' in result.stdout


# ------------------------------------------------------- testing helpers


def test_make_error_is_the_oserror_pip_meets():
    error = testing.make_error(13, "/opt/env/x")
    assert isinstance(error, PermissionError)
    assert (error.errno, error.filename, error.strerror) == (13, "/opt/env/x", os.strerror(13))
    two = testing.make_error(18, "/a", filename2="/b")
    assert (two.filename, two.filename2) == ("/a", "/b")


def test_make_situation_holds_only_the_given_facts():
    situation = testing.make_situation(facts={"path": {"owner_name": "root"}})
    assert situation.fact("path", "owner_name") == "root"
    assert situation.fact("account", "name") is None
    assert situation.error.errno == 13


def test_make_manager_without_built_ins_holds_only_the_given_plugins():
    manager = testing.make_manager(Explained(), builtins=False)
    assert [c.item.id for c in manager.get_rules()] == ["xp/rule"]
    assert list(manager.get_explanations()) == ["xp/known", "xp/also"]
    assert manager.load_problems == []


# ------------------------------------------------------------- rules files


def test_rules_file_requirements_placeholder_and_home_words(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(textwrap.dedent("""
        [[rule]]
        id = "rf/reqs"
        title = "installing {context.requirements}"
        confidence = "low"
        [rule.match]
        path = ["/nowhere/pd-plugin-api/*"]
        [[rule.fix]]
        summary = "Install them into your own venv"
        argv = ["~/venvs/my env/bin/pip", "install", "{context.requirements}"]
    """))
    from pip_doctor import InstallContext

    context = InstallContext(requirements=("Foo>=1", "bar baz"))
    report = testing.diagnose(QUIET_ERROR, context=context,
                              environ={"PIP_DOCTOR_RULES": str(rules)})
    found = report.get("rf/reqs")
    assert found is not None
    assert found.title == "installing Foo>=1, bar baz"
    commands = {c.shell: c.text for c in found.fixes[0].commands}
    assert commands["posix"] == "\"$HOME\"/'venvs/my env/bin/pip' install 'Foo>=1' 'bar baz'"
    assert commands["cmd"] == '"%USERPROFILE%\\venvs\\my env\\bin\\pip" install "Foo>=1" "bar baz"'
    elsewhere = testing.diagnose(testing.make_error(2, "/elsewhere/x"), context=context,
                                 environ={"PIP_DOCTOR_RULES": str(rules)})
    assert elsewhere.get("rf/reqs") is None  # the path glob did not match


def test_every_built_in_rule_has_an_explanation():
    manager = testing.make_manager(environ={})
    explained = manager.get_explanations()
    assert [c.item.id for c in manager.get_rules() if c.item.id not in explained] == []
    assert manager.load_problems == []
