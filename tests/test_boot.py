"""The start-up hook: the finder, the .pth line, and the wrapped pip command.

Each case runs a fresh interpreter (this one, with ``src`` first on the path)
so the real import machinery and the real installed pip are exercised.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import pip_doctor
import scenarios
from pip_doctor import _pip_hook

SRC = scenarios.SRC


def run_python(code: str, *, env: dict[str, str] | None = None,
               path: Path = SRC) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_DOCTOR")}
    full_env.update({"PYTHONPATH": str(path), **(env or {})})
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=full_env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_install_is_idempotent_and_adds_one_finder():
    done = run_python("""
        import sys, _pip_doctor_boot as boot
        boot.install(); boot.install(); boot.install()
        print(sum(f is boot for f in sys.meta_path), sys.meta_path[0] is boot)
    """)
    assert done.stdout.split() == ["1", "True"], done.stderr


@pytest.mark.parametrize(("value", "active"), [("1", False), ("true", False), ("0", True),
                                               ("", True)])
def test_disable_variable(value: str, active: bool):
    done = run_python("""
        import sys, _pip_doctor_boot as boot
        boot.install()
        print(any(f is boot for f in sys.meta_path))
    """, env={"PIP_DOCTOR_DISABLE": value})
    assert done.stdout.strip() == str(active), done.stderr


def test_finder_ignores_every_other_module():
    done = run_python("""
        import _pip_doctor_boot as boot
        print([boot.find_spec(n) for n in ("json", "pip", "pip._internal.commands.download",
                                        "pip._internal.commands.installx")])
    """)
    assert done.stdout.strip() == "[None, None, None, None]", done.stderr


def test_pip_install_module_gets_wrapped_run_and_keeps_its_loader_behaviour():
    done = run_python("""
        import sys, _pip_doctor_boot as boot
        boot.install()
        from pip._internal.commands import install, uninstall
        print(getattr(install.InstallCommand.run, "__pip_doctor__", False),
              getattr(uninstall.UninstallCommand.run, "__pip_doctor__", False),
              install.__spec__.loader.get_filename("pip._internal.commands.install")
              == install.__file__,
              "pip_doctor._pip_hook" in sys.modules)
    """)
    assert done.stdout.split() == ["True", "True", "True", "True"], done.stderr


def test_a_failing_hook_leaves_pip_alone():
    """The pip_doctor package gone (a half-removed install): pip imports unpatched."""
    done = run_python("""
        import sys, _pip_doctor_boot as boot
        sys.modules["pip_doctor"] = None  # what a deleted package looks like to import
        boot.install()
        from pip._internal.commands import install
        print(hasattr(install.InstallCommand.run, "__pip_doctor__"))
    """)
    assert (done.stdout.strip(), done.stderr) == ("False", "")


@pytest.mark.parametrize("boot_present", [True, False])
def test_pth_line_is_silent(tmp_path: Path, boot_present: bool):
    """The .pth line as site.py runs it: no output, with or without the boot module."""
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    shutil.copy(SRC / "pip_doctor.pth", site_dir)
    shutil.copy(SRC / "_pip_doctor_boot.py", site_dir)
    hide = "" if boot_present else "sys.modules['_pip_doctor_boot'] = None  # deleted"
    done = run_python(f"""
        import site, sys
        {hide}
        site.addsitedir({str(site_dir)!r})
        print(sys.modules.get("_pip_doctor_boot") is not None)
    """, path=tmp_path)
    assert (done.stdout.strip(), done.stderr) == (str(boot_present), "")


def test_pth_is_one_import_line_and_start_names_install():
    lines = (SRC / "pip_doctor.pth").read_text().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("import ")
    assert (SRC / "pip_doctor.start").read_text() == "_pip_doctor_boot:install\n"
    assert sorted(["pip_doctor.pth", "_editable_impl_x.pth", "__editable__.x.pth"])[-1] == (
        "pip_doctor.pth"
    )


def test_unknown_pip_shape_simulated_is_left_alone_with_a_note_under_verbose():
    done = run_python("""
        import sys, types
        sys.argv = ["pip", "install", "-v", "x"]
        from pip_doctor import _pip_hook
        module = types.ModuleType("fake_install")
        class InstallCommand:
            def run(self, options):  # another signature than pip's (self, options, args)
                return 0
        module.InstallCommand = InstallCommand
        module.create_os_error_message = lambda error, show_traceback, using_user_site: ""
        _pip_hook.patch_install_module(module)
        print(hasattr(InstallCommand.run, "__pip_doctor__"))
    """)
    assert done.stdout.strip() == "False"
    assert "pip-doctor: note:" in done.stderr
    assert "stays out of this pip" in done.stderr


# ----------------------------------------------------------------- JSON report files


def _report_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    name = f"pd_report_paths_{os.urandom(3).hex()}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(body))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PIP_DOCTOR_PLUGINS", name)


def _report() -> pip_doctor.Report:
    return pip_doctor.diagnose(PermissionError(13, "Permission denied", "/nonexistent/x"))


def test_report_goes_to_the_variable_and_every_plugin_path(tmp_path, monkeypatch, capsys):
    plugin_file = tmp_path / "from-plugin.json"
    _report_plugin(tmp_path, monkeypatch, f"""
        import pip_doctor

        @pip_doctor.hookimpl
        def pip_doctor_report_paths(report):
            return [{str(plugin_file)!r}]
    """)
    monkeypatch.setenv("PIP_DOCTOR_REPORT", str(tmp_path / "from-variable.json"))
    report = _report()
    _pip_hook.write_reports(report, verbosity=1)
    for path in (tmp_path / "from-variable.json", plugin_file):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["schema_version"] == 1
        assert data["error"]["errno"] == 13
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("verbosity", [0, 1])
def test_report_failures_are_notes_under_verbose_only(tmp_path, monkeypatch, capsys, verbosity):
    _report_plugin(tmp_path, monkeypatch, """
        import time
        import pip_doctor

        @pip_doctor.hookimpl
        def pip_doctor_report_paths(report):
            time.sleep(5)
            return []
    """)
    monkeypatch.setenv("PIP_DOCTOR_REPORT", str(tmp_path / "missing-dir" / "r.json"))
    report = _report()
    started = time.monotonic()
    _pip_hook.write_reports(report, verbosity=verbosity)
    assert time.monotonic() - started < _pip_hook.REPORT_PATHS_TIMEOUT + 2
    err = capsys.readouterr().err
    if verbosity == 0:
        assert err == ""
    else:
        lines = err.splitlines()
        assert len(lines) == 2, err
        assert all(line.startswith("pip-doctor: note: ") for line in lines)
        assert "timed out" in err
        assert "missing-dir" in err


def test_the_context_keeps_requirement_files_and_editables():
    """pip keeps ``-r`` and ``-e`` in its options, not its arguments: the fixes need them."""
    from pip._internal.commands import create_command

    from pip_doctor import _pip_hook

    command = create_command("install")
    options, args = command.parse_args(["-r", "req.txt", "-e", "./proj", "pkg"])
    session = _pip_hook.Session(options, args, "install", 0, _pip_hook, None)
    assert session.requested() == ["pkg", "-r", "req.txt", "-e", "./proj"]
    assert session.context().requirements == ("pkg", "-r", "req.txt", "-e", "./proj")
