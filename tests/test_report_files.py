"""Report files: parents created, written whole or not at all, symlinks of others refused."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import scenarios
from pip_doctor import _report_files


def test_missing_parents_are_created(tmp_path: Path):
    target = tmp_path / "a" / "b" / "report.json"
    _report_files.write_report(str(target), '{"x": 1}')
    assert json.loads(target.read_text()) == {"x": 1}


def test_a_write_replaces_the_file_whole_and_leaves_no_temporary(tmp_path: Path):
    target = tmp_path / "report.json"
    target.write_text("old")
    target.chmod(0o640)
    _report_files.write_report(str(target), "new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640  # the file's mode is kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_a_new_file_gets_the_mode_open_would_give(tmp_path: Path):
    mask = os.umask(0o027)
    try:
        _report_files.write_report(str(tmp_path / "r.json"), "{}")
    finally:
        os.umask(mask)
    assert (tmp_path / "r.json").stat().st_mode & 0o777 == 0o640


def test_own_symlink_is_followed_and_stays_a_symlink(tmp_path: Path):
    real = tmp_path / "real.json"
    link = tmp_path / "link.json"
    link.symlink_to(real.name)
    _report_files.write_report(str(link), "{}")
    assert link.is_symlink()
    assert real.read_text() == "{}"


def test_symlink_of_another_account_is_refused(tmp_path: Path, account: scenarios.Account):
    victim = tmp_path / "victim"
    victim.write_text("precious")
    link = tmp_path / "report.json"
    link.symlink_to(victim)
    os.lchown(link, account.uid, account.gid)
    with pytest.raises(PermissionError, match="belongs to another account"):
        _report_files.write_report(str(link), "{}")
    assert victim.read_text() == "precious"
    assert link.is_symlink()


def test_failed_write_leaves_nothing_behind(tmp_path: Path):
    (tmp_path / "report.json").mkdir()  # a directory where the file should go
    with pytest.raises(IsADirectoryError):
        _report_files.write_report(str(tmp_path / "report.json"), "{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_a_relative_path_is_taken_from_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _report_files.write_report("sub/r.json", "{}")
    assert (tmp_path / "sub" / "r.json").read_text() == "{}"
