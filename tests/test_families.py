"""Every error is put in a family before any rule runs, and a permission cause
is named only for an error of the permission family.

The network errors here are real: pip's vendored requests and urllib3 fail
against sockets on 127.0.0.1 (a closed port, a server that never answers, a
server that does not speak TLS), so the class trees and cause chains are the
ones pip sees.
"""

from __future__ import annotations

import errno
import shutil
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pip_doctor import ErrorInfo, Facts, InstallContext, InstallOptions, Situation
from pip_doctor._engine import _run_rules
from pip_doctor._error_data import FAMILIES, classify, exception_data
from pip_doctor._manager import get_manager
from pip_doctor._model import Rule
from pip_doctor._timebox import Deadline
from test_bad_input import PERMISSION_CAUSES
from test_rules import BASE, SITE, merge

requests = pytest.importorskip("pip._vendor.requests")
urllib3 = pytest.importorskip("pip._vendor.urllib3")


# ------------------------------------------------------------ real network errors


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Listener:
    """A server on 127.0.0.1 that accepts at most ``limit`` connections and
    either says nothing or answers with bytes that are not TLS.
    """

    def __init__(self, reply: bytes = b"", limit: int = 4) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(limit)
        self.sock.settimeout(5)
        self.port = int(self.sock.getsockname()[1])
        self.reply = reply
        self.limit = limit
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        for _ in range(self.limit):
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            if self.reply:
                conn.sendall(self.reply)
                conn.close()
            else:
                self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()
        self.thread.join(5)


def _raised(call: Any) -> BaseException:
    try:
        call()
    except BaseException as error:
        return error
    raise AssertionError("the request did not fail")


@pytest.fixture(scope="module")
def network_errors() -> Iterator[list[BaseException]]:
    """Errors pip's vendored requests raises, made for real on 127.0.0.1."""
    get = requests.get
    silent = _Listener()
    garbage = _Listener(reply=b"HTTP/1.0 200 OK\r\n\r\nnot tls at all\r\n" * 4)
    closed = _closed_port()
    try:
        errors = [
            _raised(lambda: get(f"http://127.0.0.1:{closed}/simple/", timeout=2)),
            _raised(lambda: get(f"https://127.0.0.1:{closed}/simple/", timeout=2)),
            _raised(lambda: get(f"http://127.0.0.1:{silent.port}/", timeout=0.2)),
            _raised(lambda: get(f"https://127.0.0.1:{garbage.port}/", timeout=2)),
            _raised(lambda: get("http://pypi.org/simple/", timeout=2,
                                proxies={"http": f"http://127.0.0.1:{closed}"})),
            _raised(lambda: urllib3.PoolManager(retries=False).request(
                "GET", f"http://127.0.0.1:{closed}/")),
        ]
    finally:
        silent.close()
        garbage.close()
    return errors


def test_the_real_network_errors_are_what_pip_raises(network_errors: list[BaseException]) -> None:
    kinds = [type(e).__name__ for e in network_errors]
    assert kinds == ["ConnectionError", "ConnectionError", "ReadTimeout", "SSLError",
                     "ProxyError", "NewConnectionError"]
    # requests' errors are OSErrors with no errno: pip's create_os_error_message gets them
    assert all(isinstance(e, OSError) and e.errno is None for e in network_errors[:5])


def test_every_real_network_error_is_in_the_network_family(
    network_errors: list[BaseException],
) -> None:
    for error in network_errors:
        assert classify(exception_data(error)) == "network", repr(error)
        assert ErrorInfo.from_exception(error).family == "network"


def test_a_network_error_in_a_root_owned_venv_gets_no_permission_cause(
    network_errors: list[BaseException],
) -> None:
    """The case of the issue: 0.1 called this `env-owned-by-other-user`."""
    for error in network_errors:
        found = _causes(ErrorInfo.from_exception(error))
        assert not found & PERMISSION_CAUSES, (error, found)


def test_the_cause_chain_is_kept_for_rules(network_errors: list[BaseException]) -> None:
    info = ErrorInfo.from_exception(network_errors[0])
    assert info.chain, "requests' ConnectionError is raised while handling urllib3's"
    names = [name for item in info.errors for name in item.mro]
    assert any(name.endswith("urllib3.exceptions.MaxRetryError") for name in names)
    assert "chain" not in info.to_dict()
    assert info.to_dict()["family"] == "network"


# ------------------------------------------------------------------ the table


def _os_error(number: int, *names: str) -> OSError:
    return OSError(number, "x", *names) if names else OSError(number, "x")


def _windows(number: int, winerror: int) -> OSError:
    error = OSError(number, "x", "C:\\p")
    error.winerror = winerror  # type: ignore[misc]  # as CPython sets it on Windows
    return error


def _chained(outer: BaseException, inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException:
            raise outer  # noqa: B904 - __context__, as pip's handlers do
    except BaseException as error:
        return error


EDQUOT = getattr(errno, "EDQUOT", 122)

TABLE: list[tuple[str, BaseException, str]] = [
    ("EACCES", _os_error(errno.EACCES, "/x"), "permission"),
    ("EPERM", _os_error(errno.EPERM, "/x"), "permission"),
    ("WinError 5", _windows(errno.EACCES, 5), "permission"),
    ("WinError 32 (CPython says EACCES)", _windows(errno.EACCES, 32), "in-use"),
    ("WinError 33", _windows(errno.EACCES, 33), "in-use"),
    ("EBUSY", _os_error(errno.EBUSY, "/mnt"), "in-use"),
    ("ETXTBSY", _os_error(errno.ETXTBSY, "/v/bin/python"), "in-use"),
    ("ENOSPC", _os_error(errno.ENOSPC, "/x"), "space"),
    ("EDQUOT", _os_error(EDQUOT, "/x"), "space"),
    ("ENOSPC in a shutil.Error list",
     shutil.Error([("/a", "/b", "[Errno 28] No space left on device: '/b'")]), "space"),
    ("EACCES in a shutil.Error list",
     shutil.Error([("/a", "/b", "[Errno 13] Permission denied: '/b'")]), "permission"),
    ("EROFS", _os_error(errno.EROFS, "/x"), "read-only"),
    ("ENAMETOOLONG", _os_error(errno.ENAMETOOLONG, "/x"), "name"),
    ("WinError 206", _windows(errno.ENOENT, 206), "name"),
    ("ENOENT", _os_error(errno.ENOENT, "/x"), "missing"),
    ("EXDEV", _os_error(errno.EXDEV, "/a", "/b"), "cross-device"),
    ("ENOTEMPTY from a rename", OSError(errno.ENOTEMPTY, "x", "/a", None, "/b"),
     "cross-device"),
    ("ENOTEMPTY from rmdir", _os_error(errno.ENOTEMPTY, "/a"), "other"),
    ("ECONNREFUSED", ConnectionRefusedError(errno.ECONNREFUSED, "refused"), "network"),
    ("socket.gaierror", socket.gaierror(-2, "Name or service not known"), "network"),
    ("an OSError with no errno", OSError("something"), "other"),
    ("a RuntimeError", RuntimeError("x"), "other"),
    ("a BrokenPipeError is not a network error", BrokenPipeError(errno.EPIPE, "x"), "other"),
    ("pip's requirements-file error, raised while handling EACCES",
     _chained(RuntimeError("Could not open requirements file"),
              _os_error(errno.EACCES, "/r.txt")), "permission"),
    ("an error raised while handling a network error",
     _chained(OSError("wrapped"), socket.gaierror(-2, "x")), "network"),
]


@pytest.mark.parametrize(("error", "family"), [c[1:] for c in TABLE], ids=[c[0] for c in TABLE])
def test_families(error: BaseException, family: str) -> None:
    assert classify(exception_data(error)) == family
    assert ErrorInfo.from_exception(error).family == family


def test_windows_long_path_is_a_name_problem() -> None:
    error = OSError(errno.ENOENT, "x", "C:\\" + "a\\" * 150)
    error.winerror = 3  # type: ignore[misc]
    assert classify(exception_data(error)) == "name"


def test_an_error_info_built_by_hand_is_classified_from_its_fields() -> None:
    assert ErrorInfo(type="PermissionError", errno=13).family == "permission"
    assert ErrorInfo(type="OSError").family == "other"
    assert ErrorInfo(type="OSError", errno=13, family="network").family == "network"
    with pytest.raises(ValueError, match="family"):
        ErrorInfo(type="OSError", family="weather")


def test_from_data_accepts_junk() -> None:
    info = ErrorInfo.from_data({"type": 3, "errno": "13", "mro": "x", "cause": {"cause": 7}})
    assert (info.type, info.errno, info.mro, info.family) == ("Exception", None, (), "other")
    assert len(info.chain) == 1


def test_exception_data_is_json_and_cycle_safe() -> None:
    import json

    first, second = OSError(errno.EACCES, "x", b"/bytes/\xff"), OSError("y")
    first.__context__, second.__context__ = second, first
    data = exception_data(first)
    json.dumps(data)
    assert data["filename"] == "/bytes/\udcff"
    assert data["cause"]["message"] == "y"
    assert data["cause"]["cause"] is None


NETWORK_CAUSES = frozenset({
    "certificate-not-trusted", "proxy-unreachable", "proxy-auth-required",
    "host-not-resolved", "index-unreachable", "invalid-proxy-url",
})


def test_rules_declare_their_families_and_the_default_leaves_network_out() -> None:
    rule = Rule(id="acme/x", check=lambda s: None)
    assert rule.families == frozenset(FAMILIES) - {"network"}
    with pytest.raises(ValueError, match="unknown families"):
        Rule(id="acme/y", check=lambda s: None, families={"weather"})
    from pip_doctor._rules import BUILTIN_RULES

    for builtin in BUILTIN_RULES:
        assert "network" not in builtin.families or builtin.id in NETWORK_CAUSES


# ------------------------------------------------------------------ property


def _causes(error: ErrorInfo) -> set[str]:
    """The causes the real rules name for ``error`` in a root-owned venv
    (facts of a real run), through the engine's own rule pass.
    """
    situation = Situation(
        error=error,
        context=InstallContext(options=InstallOptions(), requirements=("pkg",)),
        facts=Facts(merge()),
    )
    problems: list[Any] = []
    return {d.id for d in _run_rules(situation, get_manager(), problems, Deadline(5))}


def test_the_facts_alone_do_give_a_permission_cause_for_eacces() -> None:
    """So the property below has teeth: the same facts with EACCES do."""
    found = _causes(ErrorInfo.from_exception(OSError(errno.EACCES, "x", f"{SITE}/pkg")))
    assert "env-owned-by-other-user" in found
    assert BASE["path"]["owner_uid"] == 0


_ERRNOS = sorted(errno.errorcode)
_NAMES = st.one_of(st.none(), st.sampled_from([f"{SITE}/pkg", "/tmp/x", "rel/x", "C:\\x"]),
                   st.text(max_size=40), st.binary(max_size=20))


@st.composite
def _errors(draw: st.DrawFn, depth: int = 0) -> BaseException:
    kind = draw(st.sampled_from(["oserror", "winerror", "noerrno", "shutil", "other"]))
    error: BaseException
    if kind == "oserror":
        error = OSError(draw(st.sampled_from(_ERRNOS)), "x", draw(_NAMES))
    elif kind == "winerror":
        error = OSError(errno.EACCES, "x", draw(_NAMES))
        error.winerror = draw(st.sampled_from([2, 3, 5, 19, 32, 33, 112, 206, 10061, 7]))  # type: ignore[misc]
    elif kind == "noerrno":
        error = OSError(draw(st.text(max_size=40)))
    elif kind == "shutil":
        number = draw(st.sampled_from(_ERRNOS))
        error = shutil.Error([("/a", "/b", f"[Errno {number}] x: '/b'")])
    else:
        error = draw(st.sampled_from([RuntimeError("x"), ValueError("y"), KeyError("z")]))
    if depth < 2 and draw(st.booleans()):
        inner = draw(_errors(depth + 1))
        if draw(st.booleans()):
            error.__cause__ = inner
        else:
            error.__context__ = inner
    return error


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(error=_errors(), real=st.integers(min_value=0, max_value=5),
       how=st.sampled_from(["generated", "real", "raised while handling the real one"]))
def test_no_error_outside_the_permission_family_gets_a_permission_cause(
    error: BaseException, real: int, how: str, network_errors: list[BaseException],
) -> None:
    chosen = error
    if how == "real":
        chosen = network_errors[real]
    elif how.startswith("raised"):
        error.__cause__, error.__context__ = None, network_errors[real]
    info = ErrorInfo.from_exception(chosen)
    assert info.family in FAMILIES
    if info.family != "permission":
        assert not _causes(info) & PERMISSION_CAUSES, (chosen, info)


def test_a_network_error_is_said_to_be_one(
    network_errors: list[BaseException], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With no network cause to name (the network rules blocked), the text
    still says what kind of failure it is, and names no other cause.
    """
    from pip_doctor import _manager, diagnose

    monkeypatch.setenv("PIP_DOCTOR_BLOCK", ",".join(sorted(NETWORK_CAUSES)))
    _manager.reset_manager()
    report = diagnose(network_errors[0])
    assert report.error.family == "network"
    assert not report.diagnoses
    text = report.to_text(color=False)
    assert text.startswith("pip-doctor: not a permission problem: a network error")
