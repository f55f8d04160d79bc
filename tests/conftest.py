"""Shared fixtures. Scenario tests need root; in CI a missing root is a failure."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import scenarios
from pip_doctor import _manager


def _need_root() -> None:
    if scenarios.is_root():
        return
    if os.environ.get("CI"):
        pytest.fail("scenario tests must run as root in CI")
    pytest.skip("needs root (real accounts, mounts and ownership)")


@pytest.fixture(scope="session")
def account() -> Iterator[scenarios.Account]:
    """A throwaway unprivileged account, removed after the session."""
    _need_root()
    created = scenarios.create_account()
    try:
        yield created
    finally:
        scenarios.delete_account(created)


@pytest.fixture
def shared(request: pytest.FixtureRequest) -> Iterator[Path]:
    """A fresh directory under /tmp that every account can enter."""
    _need_root()
    path = scenarios.shared_dir()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def wheelhouse() -> Path:
    _need_root()
    return scenarios.wheelhouse()


@pytest.fixture(scope="session")
def templates(wheelhouse: Path) -> Iterator[dict[str, Path]]:
    """Two identical environments made with the pip under test, one with
    pip-doctor's wheel: tests copy them, never change them. Built once a
    session, for every end-to-end module (each build installs pip).
    """
    base = scenarios.shared_dir("pd-templates-")
    try:
        yield {
            "without": scenarios.make_venv(base / "without"),
            "with": scenarios.make_venv(base / "with", with_pip_doctor=True),
        }
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test loads plugins from its own environment variables."""
    for name in ("PIP_DOCTOR_PLUGINS", "PIP_DOCTOR_BLOCK", "PIP_DOCTOR_RULES",
                 "PIP_DOCTOR_REPORT", "PIP_DOCTOR_DISABLE"):
        monkeypatch.delenv(name, raising=False)
    _manager.reset_manager()
    yield
    _manager.reset_manager()
