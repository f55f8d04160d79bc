"""The start-up hook: the finder, the .pth line, and the wrapped pip command.

Each case runs a fresh interpreter (this one, with ``src`` first on the path)
so the real import machinery and the real installed pip are exercised.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

import scenarios

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
                                        "pip._internal.commands.installx",
                                        "pip._internal.commands.install")])
    """)
    assert done.stdout.strip() == "[None, None, None, None, None]", done.stderr


def test_pip_base_command_gets_its_context_hooked_and_nothing_else_is_loaded():
    done = run_python("""
        import sys, _pip_doctor_boot as boot
        boot.install()
        from pip._internal.cli import base_command
        print(getattr(base_command.Command.main_context, "__pip_doctor__", False),
              base_command.__spec__.loader.get_filename(base_command.__name__)
              == base_command.__file__,
              sorted(m for m in sys.modules if m.startswith(("pip_doctor", "pluggy"))))
    """)
    assert done.stdout.strip().split(maxsplit=2) == [
        "True", "True",
        "['pip_doctor', 'pip_doctor._error_data', 'pip_doctor._pip_hook', 'pip_doctor._version']"
    ], done.stderr


def test_a_failing_hook_leaves_pip_alone():
    """The pip_doctor package gone (a half-removed install): pip imports unpatched."""
    done = run_python("""
        import sys, _pip_doctor_boot as boot
        sys.modules["pip_doctor"] = None  # what a deleted package looks like to import
        boot.install()
        from pip._internal.cli import base_command
        print(hasattr(base_command.Command.main_context, "__pip_doctor__"))
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


@pytest.mark.parametrize(("code", "imported"), [
    ("pass", False),  # a program that never runs pip: nothing of pip-doctor's
    ("import runpy  # runpy.run_module('pip') would run pip here", True),
])
def test_pth_line_imports_the_hook_only_when_the_command_line_mentions_pip(
    code: str, imported: bool
):
    base = Path(tempfile.mkdtemp(prefix="pd-start-"))  # pytest's tmp_path names the test
    try:
        shutil.copy(SRC / "pip_doctor.pth", base)
        shutil.copy(SRC / "_pip_doctor_boot.py", base)
        # -S: only this site directory's .pth runs; the code must not name the module
        code = textwrap.dedent(f"""
            import site, sys
            {code}
            site.addsitedir({str(base)!r})
            print(("_" + "p" + "ip_doctor_boot") in sys.modules)
        """)
        done = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True,
                              text=True, timeout=120, check=False)
    finally:
        shutil.rmtree(base)
    # Python 3.9 has no sys.orig_argv: the line imports the hook in every process
    expected = imported or sys.version_info < (3, 10)
    assert (done.stdout.strip(), done.stderr) == (str(expected), "")


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
        module = types.ModuleType("fake_base_command")
        class Command:  # no main_context: not the pip pip-doctor knows
            def main(self, args):
                return 0
        module.Command = Command
        _pip_hook.patch_base_command(module)
        print(hasattr(Command, "main_context"))
    """)
    assert done.stdout.strip() == "False"
    assert "pip-doctor: note:" in done.stderr
    assert "stays out of this pip" in done.stderr
