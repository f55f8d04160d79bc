"""Plugins: loading and control, and plugins that fail in every way a plugin can."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import pip_doctor
import scenarios
from pip_doctor import _entry_points, _manager
from pip_doctor._pip_compat import original_message_function
from pip_doctor._version import __version__

#: A failure that a built-in rule diagnoses in-process, as any account.
ENOSPC = OSError(errno.ENOSPC, "No space left on device", "/tmp/pd-full/x")
BUILTIN_ID = "disk-full"

GOOD_PLUGIN = """
    from pip_doctor import Diagnosis, Probe, Rule, hookimpl

    def _fact(situation):
        return {"ok": True}

    def _rule(situation):
        if situation.fact("good/fact", "ok"):
            return Diagnosis(id="good/seen", title="the good plugin ran", confidence="low")
        return None

    @hookimpl
    def pip_doctor_probes():
        return [Probe(id="good/fact", run=_fact)]

    @hookimpl
    def pip_doctor_rules():
        return [Rule(id="good/rule", check=_rule)]
"""


_module = scenarios.write_module
_distribution = scenarios.write_distribution


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory on sys.path for plugin modules and distributions."""
    path = tmp_path / "site"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    return path


def _load(monkeypatch: pytest.MonkeyPatch, **environ: str) -> _manager.PluginManager:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    _manager.reset_manager()
    return _manager.get_manager()


def _infos(manager: _manager.PluginManager) -> dict[str, _manager.PluginInfo]:
    return {info.name: info for info in manager.infos}


# ----------------------------------------------------------------- loading


def test_built_ins_are_listed_with_their_distribution_and_ids(monkeypatch):
    infos = _infos(_load(monkeypatch))
    assert [n for n, _m in _manager.BUILTIN_PLUGINS] == [
        n for n in infos if infos[n].origin == "builtin"
    ]
    for name, _module_name in _manager.BUILTIN_PLUGINS:
        info = infos[name]
        assert (info.status, info.distribution, info.version, info.error) == (
            "loaded", "pip-doctor", __version__, None)
    assert BUILTIN_ID in infos["pip_doctor.rules"].rules
    assert "path" in infos["pip_doctor.probes"].probes


def test_entry_points_load_with_distribution_version_and_ids(site, monkeypatch):
    _module(site, "pd_ep_good", GOOD_PLUGIN)
    _distribution(site, "good-plugin", "2.5", {"good": "pd_ep_good"})
    manager = _load(monkeypatch)
    info = _infos(manager)["good"]
    assert info.to_dict() == {
        "name": "good", "origin": "entrypoint", "module": "pd_ep_good",
        "distribution": "good-plugin", "version": "2.5", "status": "loaded", "error": None,
        "hooks": ["pip_doctor_probes", "pip_doctor_rules"], "refused_hooks": [],
        "probes": ["good/fact"], "rules": ["good/rule"], "explanations": [], "blocked_ids": [],
        "problems": [],
    }
    assert pip_doctor.diagnose(ENOSPC).get("good/seen") is not None


def test_the_entry_point_precheck_says_no_only_when_no_file_declares_the_group(tmp_path):
    """Without a ``[pip_doctor]`` section anywhere, importlib.metadata is not
    even imported; a section, an egg's EGG-INFO or a zip file sends the
    question to importlib.metadata (whose answer is then the one used).
    """
    plain = tmp_path / "plain"
    other = plain / "other-1.0.dist-info"
    other.mkdir(parents=True)
    (other / "entry_points.txt").write_text("[console_scripts]\nx = y:z\n[pip_doctor_x]\n")
    (plain / "legacy.egg-info").write_text("Metadata-Version: 1.0\n")  # a file, not a folder
    missing = str(tmp_path / "missing")
    assert _entry_points.may_declare("pip_doctor", [str(plain), missing]) is False

    declared = tmp_path / "declared"
    _distribution(declared, "p", "1.0", {"p": "p_mod"})
    assert _entry_points.may_declare("pip_doctor", [str(plain), str(declared)]) is True

    egg = tmp_path / "thing-1.0-py3.11.egg"
    (egg / "EGG-INFO").mkdir(parents=True)
    (egg / "EGG-INFO" / "entry_points.txt").write_text(" [pip_doctor] \np = p_mod\n")
    assert _entry_points.may_declare("pip_doctor", [str(egg)]) is True

    archive = tmp_path / "bundle.zip"
    archive.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip file
    assert _entry_points.may_declare("pip_doctor", [str(archive)]) is True


def test_importlib_metadata_is_imported_only_where_a_plugin_declares_an_entry_point(tmp_path):
    code = textwrap.dedent("""
        import sys
        import pip_doctor._manager
        pip_doctor._manager.get_manager()
        imported = "importlib.metadata" in sys.modules
        from importlib import metadata
        found = metadata.entry_points()
        group = (found.select(group="pip_doctor") if hasattr(found, "select")
                 else found.get("pip_doctor", []))  # Python 3.9: a dict of groups
        print(imported, bool(list(group)))
    """)
    environ = {key: value for key, value in os.environ.items()
               if not key.startswith("PIP_DOCTOR")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, check=True,
                          env={**environ, "PYTHONPATH": str(scenarios.SRC)})
    assert done.stdout.split() == ["False", "False"], done.stderr


def test_autoload_can_be_switched_off(site, monkeypatch):
    _module(site, "pd_ep_off", GOOD_PLUGIN)
    _distribution(site, "off-plugin", "1.0", {"off": "pd_ep_off"})
    manager = _load(monkeypatch, PIP_DOCTOR_DISABLE_PLUGIN_AUTOLOAD="1")
    assert "off" not in _infos(manager)
    assert pip_doctor.diagnose(ENOSPC).get("good/seen") is None


def test_plugins_named_in_the_environment_and_their_distribution(site, monkeypatch):
    _module(site, "pd_env_good", GOOD_PLUGIN)
    infos = _infos(_load(monkeypatch,
                         PIP_DOCTOR_PLUGINS="pd_env_good, pip_doctor.redact_identity"))
    assert infos["pd_env_good"].origin == "env"
    assert infos["pd_env_good"].rules == ("good/rule",)
    identity = infos["pip_doctor.redact_identity"]
    assert (identity.status, identity.distribution, identity.version) == (
        "loaded", "pip-doctor", __version__)


def test_a_named_module_from_an_installed_distribution_says_which(site, monkeypatch):
    _module(site, "pd_env_dist", GOOD_PLUGIN)
    _distribution(site, "env-dist", "3.1", {"unused": "pd_env_dist"})
    manager = _load(monkeypatch, PIP_DOCTOR_PLUGINS="pd_env_dist",
                    PIP_DOCTOR_DISABLE_PLUGIN_AUTOLOAD="1")
    info = _infos(manager)["pd_env_dist"]
    assert (info.origin, info.distribution, info.version) == ("env", "env-dist", "3.1")


def test_one_module_named_twice_is_registered_once(site, monkeypatch):
    _module(site, "pd_twice", GOOD_PLUGIN)
    _distribution(site, "twice", "1.0", {"twice": "pd_twice"})
    manager = _load(monkeypatch, PIP_DOCTOR_PLUGINS="pd_twice")
    assert [i.name for i in manager.infos if i.module == "pd_twice"] == ["twice"]
    assert manager.load_problems == []


@pytest.mark.parametrize("by", ["good", "pd_ep_blocked"])
def test_blocking_a_plugin_by_name_or_module(site, monkeypatch, by):
    _module(site, "pd_ep_blocked", GOOD_PLUGIN)
    _distribution(site, "blocked-plugin", "1.0", {"good": "pd_ep_blocked"})
    manager = _load(monkeypatch, PIP_DOCTOR_BLOCK=by)
    info = _infos(manager)["good"]
    assert (info.status, info.distribution, info.rules) == ("blocked", "blocked-plugin", ())
    assert "pd_ep_blocked" not in sys.modules
    assert pip_doctor.diagnose(ENOSPC).get("good/seen") is None


def test_blocking_rule_and_probe_ids(site, monkeypatch):
    _module(site, "pd_env_ids", GOOD_PLUGIN)
    manager = _load(monkeypatch, PIP_DOCTOR_PLUGINS="pd_env_ids",
                    PIP_DOCTOR_BLOCK=f"good/fact,{BUILTIN_ID}")
    info = _infos(manager)["pd_env_ids"]
    assert info.blocked_ids == ("good/fact",)
    assert _infos(manager)["pip_doctor.rules"].blocked_ids == (BUILTIN_ID,)
    report = pip_doctor.diagnose(ENOSPC)
    assert "good/fact" not in report.facts
    assert report.get(BUILTIN_ID) is None
    assert report.get("good/seen") is None  # its fact was blocked


# --------------------------------------------------------- fault injection

#: hook -> plugin body that breaks there; each must leave pip and the built-ins alone.
FAULTS = {
    "import-raises": "raise RuntimeError('broken at import')",
    "bad-hook-signature": """
        @hookimpl
        def pip_doctor_rules(no_such_argument):
            return []
    """,
    "probes-raises": """
        @hookimpl
        def pip_doctor_probes():
            raise RuntimeError('boom in probes')
    """,
    "rules-raises": """
        @hookimpl
        def pip_doctor_rules():
            raise RuntimeError('boom in rules')
    """,
    "probe-run-raises": """
        def _run(situation):
            raise RuntimeError('boom in probe')
        @hookimpl
        def pip_doctor_probes():
            return [Probe(id='bad/probe', run=_run)]
    """,
    "rule-check-raises": """
        def _check(situation):
            raise RuntimeError('boom in rule')
        @hookimpl
        def pip_doctor_rules():
            return [Rule(id='bad/rule', check=_check)]
    """,
    "adjust-raises": """
        @hookimpl
        def pip_doctor_adjust_report(report):
            raise RuntimeError('boom in adjust')
    """,
    "secrets-raises": """
        @hookimpl
        def pip_doctor_secrets(situation):
            raise RuntimeError('boom in secrets')
    """,
    "probes-junk": """
        @hookimpl
        def pip_doctor_probes():
            return [42, Rule(id='bad/r', check=print)]
    """,
    "rules-junk": """
        @hookimpl
        def pip_doctor_rules():
            return ['not a rule', Rule(id='unnamespaced', check=print)]
    """,
    "probe-run-junk": """
        @hookimpl
        def pip_doctor_probes():
            return [Probe(id='bad/probe', run=lambda situation: [1, 2])]
    """,
    "rule-check-junk": """
        @hookimpl
        def pip_doctor_rules():
            return [Rule(id='bad/rule', check=lambda situation: ['junk', 3])]
    """,
    "adjust-junk": """
        @hookimpl
        def pip_doctor_adjust_report(report):
            return 'not a report'
    """,
    "adjust-drops-everything": """
        @hookimpl
        def pip_doctor_adjust_report(report):
            return report.without(*[d.id for d in report.diagnoses if d.id.startswith('good/')])
    """,
    "secrets-junk": """
        @hookimpl
        def pip_doctor_secrets(situation):
            return [42, ('a', 1), None]
    """,
    "probes-sleeps": """
        @hookimpl
        def pip_doctor_probes():
            time.sleep(30)
    """,
    "probe-run-sleeps": """
        @hookimpl
        def pip_doctor_probes():
            return [Probe(id='bad/probe', run=lambda situation: time.sleep(30), timeout=5)]
    """,
    "rule-check-sleeps": """
        @hookimpl
        def pip_doctor_rules():
            return [Rule(id='bad/rule', check=lambda situation: time.sleep(30), timeout=5)]
    """,
    "adjust-sleeps": """
        @hookimpl
        def pip_doctor_adjust_report(report):
            time.sleep(30)
    """,
    "secrets-sleeps": """
        @hookimpl
        def pip_doctor_secrets(situation):
            time.sleep(30)
    """,
}

#: What a problem entry says for each fault (None: the fault leaves no trace to report).
FAULT_WORDS = {
    "import-raises": "could not be loaded: RuntimeError: broken at import",
    "bad-hook-signature": "could not be loaded: PluginValidationError",
    "probes-raises": "pip_doctor_probes failed: RuntimeError: boom in probes",
    "rules-raises": "pip_doctor_rules failed: RuntimeError: boom in rules",
    "probe-run-raises": "RuntimeError: boom in probe",
    "rule-check-raises": "RuntimeError: boom in rule",
    "adjust-raises": "pip_doctor_adjust_report: RuntimeError: boom in adjust",
    "secrets-raises": "pip_doctor_secrets: RuntimeError: boom in secrets",
    "probes-junk": "returned int, expected Probe",
    "rules-junk": "returned str, expected Rule",
    "probe-run-junk": "returned list, expected a mapping",
    "rule-check-junk": "returned str, expected Diagnosis",
    "adjust-junk": "returned str, expected Report or None",
    "adjust-drops-everything": None,
    "secrets-junk": "pip_doctor_secrets returned 42; ignored",
    "probes-sleeps": "pip_doctor_probes failed: timed out",
    "probe-run-sleeps": "timed out",
    "rule-check-sleeps": "timed out",
    "adjust-sleeps": "pip_doctor_adjust_report: timed out",
    "secrets-sleeps": "pip_doctor_secrets: timed out",
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_broken_plugin_is_skipped_and_the_rest_of_the_report_stands(site, monkeypatch, fault):
    _module(site, "pd_good_witness", GOOD_PLUGIN)
    header = "import time\nfrom pip_doctor import Probe, Rule, hookimpl\n"
    _module(site, "pd_fault", header + textwrap.dedent(FAULTS[fault]))
    manager = _load(monkeypatch, PIP_DOCTOR_PLUGINS="pd_fault,pd_good_witness")
    report = pip_doctor.diagnose(ENOSPC)
    assert report.best is not None
    assert report.best.id == BUILTIN_ID
    assert report.get("good/seen") is not None or fault == "adjust-drops-everything"
    words = FAULT_WORDS[fault]
    mine = [p for p in report.problems if "pd_fault" in p.source or "bad/" in p.source]
    if words is None:
        assert mine == []
    else:
        assert any(words in p.message for p in mine), report.problems
    json.loads(report.to_json())
    info = _infos(manager)["pd_fault"]
    if fault in ("import-raises", "bad-hook-signature"):
        assert info.status == "failed"
        assert info.error is not None
        assert words in info.error
    elif fault in ("probes-raises", "rules-raises", "probes-sleeps"):
        assert info.status == "loaded"  # its other hooks still run
        assert info.error is not None
        assert words in info.error
    else:
        assert (info.status, info.error) == ("loaded", None)
    # pip's own text comes first, byte for byte, whatever the plugin did.
    pips = original_message_function()
    assert pips is not None
    assert pip_doctor.format_os_error(ENOSPC, False, False).startswith(
        pips(ENOSPC, False, False))


def test_a_plugin_whose_import_at_failure_time_fails_is_a_problem(site, monkeypatch):
    _module(site, "pd_late_import", """
        from pip_doctor import Rule, hookimpl

        def _check(situation):
            import pd_module_that_does_not_exist  # noqa: F401

        @hookimpl
        def pip_doctor_rules():
            return [Rule(id="late/import", check=_check)]
    """)
    _load(monkeypatch, PIP_DOCTOR_PLUGINS="pd_late_import")
    report = pip_doctor.diagnose(ENOSPC)
    (problem,) = [p for p in report.problems if "late/import" in p.source]
    assert problem.message.startswith("ModuleNotFoundError")
    assert report.best.id == BUILTIN_ID


def test_a_plugin_may_report_its_own_configuration_mistakes(site, monkeypatch):
    _module(site, "pd_own_problem", """
        from pip_doctor import Problem, hookimpl

        @hookimpl
        def pip_doctor_rules():
            return [Problem(source="acme", message="/etc/acme.toml: line 3: unknown key 'x'")]
    """)
    _load(monkeypatch, PIP_DOCTOR_PLUGINS="pd_own_problem")
    report = pip_doctor.diagnose(ENOSPC)
    assert ("acme", "/etc/acme.toml: line 3: unknown key 'x'") in [
        (p.source, p.message) for p in report.problems]


# ------------------------------------------------------------ inside real pip

#: Broken plugins dropped into the environment's site-packages for the real-pip runs.
BROKEN_IN_PIP = {
    "pd_raises_in_rule": FAULTS["rule-check-raises"],
    "pd_sleeps_in_probe": FAULTS["probe-run-sleeps"],
    "pd_junk_adjust": FAULTS["adjust-junk"],
    "pd_raises_in_secrets": FAULTS["secrets-raises"],
    "pd_import_fails": FAULTS["import-raises"],
    "pd_late_stdlib_import": """
        def _check(situation):
            import wave  # a stdlib module nobody imported before pip failed
            return None

        @hookimpl
        def pip_doctor_rules():
            return [Rule(id='late/wave', check=_check)]
    """,
}
PIP_LINE = "ERROR: Could not install packages due to an OSError"


def _venv_with_broken_plugins(base: Path, name: str, pip_version: str | None = None) -> Path:
    import scenarios

    venv = scenarios.make_venv(base / name, pip_version=pip_version, with_pip_doctor=True)
    purelib = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    header = "import time\nfrom pip_doctor import Probe, Rule, hookimpl\n"
    for module, body in BROKEN_IN_PIP.items():
        path = Path(purelib) / f"{module}.py"
        path.write_text(header + textwrap.dedent(body))
        path.chmod(0o644)
    return venv


@pytest.fixture(scope="module")
def pip_base(wheelhouse: Path):
    import shutil

    import scenarios

    base = scenarios.shared_dir("pd-plugins-")
    scenarios.make_wheel(base / "wheels", "tinypkg", "1.0")
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _pip_install(venv: Path, wheels: Path, account, **environ: str):
    import scenarios

    report = venv.parent / f"report-{venv.name}-{len(environ)}.json"
    report.unlink(missing_ok=True)
    result = scenarios.run_as(
        account,
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-v", "--no-index",
         "--find-links", str(wheels), "tinypkg"],
        env={"NO_COLOR": "1", "PIP_DOCTOR_REPORT": str(report), **environ},
    )
    return result, (json.loads(report.read_text()) if report.exists() else None)


@pytest.mark.e2e
@pytest.mark.parametrize("pip_version", [None, "26.3"], ids=["bundled-pip", "pip-26.3"])
def test_broken_plugins_inside_real_pip_leave_pips_message_and_the_built_ins(
    pip_base, account, pip_version
):
    (pip_base / "reports").mkdir(exist_ok=True)
    venv = _venv_with_broken_plugins(pip_base, f"venv-{pip_version or 'bundled'}", pip_version)
    venv.parent.chmod(0o1777)  # the account writes its JSON report next to the venv
    plain, no_report = _pip_install(venv, pip_base / "wheels", account, PIP_DOCTOR_DISABLE="1")
    result, report = _pip_install(venv, pip_base / "wheels", account,
                                  PIP_DOCTOR_PLUGINS=",".join(BROKEN_IN_PIP))
    assert no_report is None
    assert plain.returncode == result.returncode == 1
    pips_line = [line for line in plain.stderr.splitlines() if line.startswith(PIP_LINE)]
    assert pips_line
    assert pips_line[0] in result.stderr.splitlines()
    assert report is not None, result.stderr
    assert report["diagnoses"][0]["id"] == "env-owned-by-other-user"
    problems = {p["source"]: p["message"] for p in report["problems"]}
    by_plugin = {module: [s for s in problems if module in s] for module in BROKEN_IN_PIP}
    late = by_plugin.pop("pd_late_stdlib_import")
    assert all(by_plugin.values()), problems
    assert late == []  # the diagnosis runs in a child: pip 26.3's import blocking is pip's
    assert "Unexpected import" not in result.stderr
    assert result.stderr.count("Traceback") == plain.stderr.count("Traceback")
    # -v: each problem under pip's message (wrapped at 80 columns).
    flowing = " ".join(result.stderr.split())
    for source, message in problems.items():
        assert " ".join(f"- {source}: {message}".split()) in flowing, source
