"""Odd errors never break the diagnosis, and each named one gives a sensible report.

``diagnose`` is fed generated OSErrors (any errno or none, text, bytes,
relative or missing file names, ``filename2``, a Windows ``winerror``) and the
bad inputs the engine issue names, built for real on disk: a vanished path, a
symlink loop, a non-UTF-8 name, a directory the account may not read.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any, Optional, Union

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scenarios
from pip_doctor import Report
from pip_doctor._pip_compat import fallback_message
from scenarios import SYSTEM_PYTHON, Account
from test_scenarios import diagnose_as, pdlib  # noqa: F401  (pdlib is a fixture)

FileName = Union[None, str, bytes]

_names = st.one_of(
    st.none(),
    st.text(max_size=30),  # relative, empty, unicode, surrogates
    st.binary(max_size=30).filter(lambda b: b"\0" not in b),
    st.sampled_from(["/", "/usr/lib", "/nonexistent/deeper/still", ".", "..", "~", "C:\\x"]),
)
_errnos = st.one_of(st.none(), st.sampled_from(sorted(errno.errorcode)), st.integers(-5, 10**6))


def rule_problems(report: Report) -> list[str]:
    return [p.message for p in report.problems if p.source.startswith("rule ")]


def diagnose(error: BaseException) -> Report:
    """The built-in rules must not fail on odd input, whatever the machine's load."""
    report: Report = scenarios.diagnose_patiently(error)
    return report


def assert_sensible(report: Report) -> dict[str, Any]:
    """Every output form works, the built-in rules did not fail, JSON is plain."""
    assert isinstance(report, Report)
    assert not rule_problems(report), rule_problems(report)
    data: dict[str, Any] = json.loads(report.to_json())
    assert data["schema_version"] == 1
    report.to_text(color=False)
    for diagnosis in report.diagnoses:
        assert diagnosis.evidence, diagnosis
        assert diagnosis.fixes, diagnosis
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    number=_errnos,
    strerror=st.one_of(st.none(), st.text(max_size=20)),
    filename=_names,
    filename2=_names,
    winerror=st.one_of(st.none(), st.integers(0, 2**31)),
)
def test_diagnose_never_raises_on_generated_oserrors(
    number: Optional[int], strerror: Optional[str], filename: FileName,
    filename2: FileName, winerror: Optional[int],
) -> None:
    if number is None:
        error = OSError(strerror) if strerror is not None else OSError()
    else:
        error = OSError(number, strerror, filename, None, filename2)
    if winerror is not None:
        error.winerror = winerror  # type: ignore[attr-defined]  # POSIX OSErrors have none
    report = diagnose(error)
    data = assert_sensible(report)
    assert data["error"]["errno"] == number
    assert data["error"]["winerror"] == winerror


def test_no_errno_and_no_filename_falls_back_to_the_install_scheme() -> None:
    data = assert_sensible(diagnose(OSError("something went wrong")))
    assert data["error"]["errno"] is None
    assert data["environment"]["path"]["source"] == "scheme"


def test_relative_filename_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    (tmp_path / "lib").mkdir()
    monkeypatch.chdir(tmp_path)
    data = assert_sensible(diagnose(PermissionError(13, "Permission denied", "lib/pkg/x.py")))
    path = data["environment"]["path"]
    assert path["given"] == "lib/pkg/x.py"
    assert path["nearest_existing"] == str(tmp_path / "lib")


def test_bytes_non_utf8_filename_of_a_real_file(tmp_path: Path) -> None:
    name = os.fsencode(tmp_path) + b"/caf\xe9-\xff"
    with open(name, "wb"):
        pass
    report = diagnose(PermissionError(13, "Permission denied", name))
    data = assert_sensible(report)
    assert report.error.filename == os.fsdecode(name)
    assert data["environment"]["path"]["exists"] is True


def test_filename2_is_kept_and_quoted(tmp_path: Path) -> None:
    error = OSError(errno.EXDEV, "Invalid cross-device link", str(tmp_path / "a"), None,
                    str(tmp_path / "b"))
    data = assert_sensible(diagnose(error))
    assert data["error"]["filename2"] == str(tmp_path / "b")


def test_vanished_path_is_measured_at_its_nearest_existing_ancestor(tmp_path: Path) -> None:
    gone = tmp_path / "was" / "here" / "file.py"
    data = assert_sensible(diagnose(PermissionError(13, "Permission denied", str(gone))))
    path = data["environment"]["path"]
    assert path["exists"] is False
    assert path["nearest_existing"] == str(tmp_path)


def test_symlink_loop_is_reported_not_followed(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    error = OSError(errno.ELOOP, "Too many levels of symbolic links", str(loop / "x"))
    data = assert_sensible(diagnose(error))
    assert data["environment"]["path"]["symlink_loop"] is True


def test_windows_winerror_on_posix() -> None:
    error = PermissionError(13, "Access is denied", "C:\\Python311\\Lib\\site-packages\\x")
    error.winerror = 5  # type: ignore[attr-defined]
    data = assert_sensible(diagnose(error))
    assert data["error"]["winerror"] == 5


def test_errno_of_the_wrong_type_is_ignored() -> None:
    error = OSError("odd")
    error.errno = "13"  # type: ignore[assignment]
    data = assert_sensible(diagnose(error))
    assert data["error"]["errno"] is None


def test_an_exception_whose_str_breaks() -> None:
    class Broken(OSError):
        def __str__(self) -> str:
            raise RuntimeError("no text")

    data = assert_sensible(diagnose(Broken(13, "Permission denied")))
    assert data["error"]["type"] == "Broken"


#: The causes that say "this account may not write there".
PERMISSION_CAUSES = frozenset({
    "system-site-packages", "env-owned-by-other-user", "foreign-owned-files",
    "install-target-not-writable", "owner-write-bit-removed", "cache-dir-not-writable",
    "needs-admin",
})


class _BrokenErrno(OSError):
    """An error whose errno and text break when read."""

    def __init__(self, raises: BaseException) -> None:
        super().__init__(13, "Permission denied")
        self.raises = raises

    @property
    def errno(self) -> int:  # type: ignore[override]
        raise self.raises

    def __str__(self) -> str:
        raise self.raises


@pytest.mark.parametrize("raises", [RuntimeError("no errno"), SystemExit(3),
                                    GeneratorExit()], ids=repr)
def test_an_error_whose_attributes_break_is_read_as_far_as_it_can_be(
    raises: BaseException,
) -> None:
    report = diagnose(_BrokenErrno(raises))
    error = report.error
    assert (error.type, error.errno, error.message, error.family) == (
        "_BrokenErrno", None, "_BrokenErrno", "other")
    assert error.strerror == "Permission denied"  # what could be read was read
    # no errno: no evidence of a permission problem, so no permission cause
    assert not [d.id for d in report.diagnoses if d.id in PERMISSION_CAUSES]


def test_diagnose_lets_ctrl_c_through() -> None:
    with pytest.raises(KeyboardInterrupt):
        diagnose(_BrokenErrno(KeyboardInterrupt()))


def test_pips_fallback_wording_survives_an_error_whose_str_breaks() -> None:
    text = fallback_message(_BrokenErrno(RuntimeError("no text")), False)
    assert text == "Could not install packages due to an OSError: _BrokenErrno\n"


@pytest.mark.parametrize(
    ("number", "cause"),
    [(errno.EROFS, "read-only-filesystem"), (errno.ENOSPC, "disk-full"),
     (getattr(errno, "EDQUOT", 122), "disk-full")],
)
def test_errno_alone_names_the_cause(number: int, cause: str) -> None:
    """No filename: the errno is the evidence, quoted as such, never more."""
    report = diagnose(OSError(number, os.strerror(number)))
    assert_sensible(report)
    assert report.best is not None
    assert report.best.id == cause
    assert report.best.confidence == "high"
    assert f"[Errno {number}]" in report.best.evidence[0]


def test_directory_the_account_may_not_read(
    account: Account, shared: Path, pdlib: Path  # noqa: F811
) -> None:
    secret = shared / "secret"
    secret.mkdir(mode=0o700)
    failing = secret / "sub" / "file.py"
    report = diagnose_as(
        account, SYSTEM_PYTHON,
        {"errno": 13, "strerror": "Permission denied", "filename": str(failing),
         "filename2": None},
        lib=pdlib, env={"PYTHONNOUSERSITE": "1"}, requirements=[],
    )
    path = report["environment"]["path"]
    assert path["nearest_existing"] == str(secret)
    assert path["owner_name"] == "root"
    assert path["writable"] is False
    # The path is in no environment: no cause is claimed for the system Python.
    assert "system-site-packages" not in [d["id"] for d in report["diagnoses"]]
