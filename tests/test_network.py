"""The network causes without pip: pip's texts, settings, probes on 127.0.0.1, rules.

The texts are what real pips printed for the cases of ``netlab`` (pip 23.0.1
and 26.3, recorded with ``python tests/netlab.py record PYTHON``). Probes
only contact servers this module starts on 127.0.0.1; the only name looked
up is ``localhost`` (from ``/etc/hosts``). End-to-end runs in a private
network namespace are in ``test_e2e_network.py``.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Optional

import attrs
import pytest

import netlab
from pip_doctor import _engine, _manager
from pip_doctor._model import ErrorInfo, InstallContext, Report
from pip_doctor._probes import _network_failure, _x509, network, network_probes

SSL_23 = (
    "HTTPSConnectionPool(host='127.0.0.1', port=8443): Max retries exceeded with url: "
    "/files/tls_self_signed-1.0-py3-none-any.whl (Caused by SSLError(SSLCertVerificationError("
    "1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate "
    "(_ssl.c:992)')))"
)
CORP_23 = (
    "HTTPSConnectionPool(host='localhost', port=9443): Max retries exceeded with url: "
    "/files/tls_corporate-1.0-py3-none-any.whl (Caused by SSLError(SSLCertVerificationError(1, "
    "'[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer "
    "certificate (_ssl.c:992)')))"
)
REFUSED_23 = (
    "HTTPConnectionPool(host='127.0.0.1', port=8081): Max retries exceeded with url: "
    "/files/port_closed-1.0-py3-none-any.whl (Caused by NewConnectionError('<pip._vendor."
    "urllib3.connection.HTTPConnection object at 0x7f69f057c790>: Failed to establish a new "
    "connection: [Errno 111] Connection refused'))"
)
TIMEOUT_23 = (
    "HTTPConnectionPool(host='127.0.0.1', port=8082): Max retries exceeded with url: "
    "/files/no_answer-1.0-py3-none-any.whl (Caused by ReadTimeoutError(\"HTTPConnectionPool("
    "host='127.0.0.1', port=8082): Read timed out. (read timeout=2.0)\"))"
)
DNS_26 = (
    "HTTPConnectionPool(host='files.pip-doctor.invalid', port=80): Max retries exceeded with "
    "url: /files/host_invalid-1.0-py3-none-any.whl (Caused by NameResolutionError(\""
    "HTTPConnection(host='files.pip-doctor.invalid', port=80): Failed to resolve "
    "'files.pip-doctor.invalid' ([Errno -2] Name or service not known)\"))"
)
PROXY_407_23 = (
    "HTTPSConnectionPool(host='localhost', port=9443): Max retries exceeded with url: "
    "/files/tls_corporate-1.0-py3-none-any.whl (Caused by ProxyError('Cannot connect to "
    "proxy.', OSError('Tunnel connection failed: 407 Proxy Authentication Required')))"
)
PROXY_CLOSED_23 = (
    "HTTPSConnectionPool(host='localhost', port=9443): Max retries exceeded with url: "
    "/files/tls_corporate-1.0-py3-none-any.whl (Caused by ProxyError('Cannot connect to "
    "proxy.', NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at "
    "0x7f055afb97d0>: Failed to establish a new connection: [Errno 111] Connection refused')))"
)
INDEX_LOG_26 = (
    "Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after "
    "connection broken by 'SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED]"
    " certificate verify failed: self-signed certificate (_ssl.c:992)'))': /simple/tls-self-signed/"
)


# ----------------------------------------------------------------- pip's texts


@pytest.mark.parametrize(
    ("texts", "kind", "host", "port", "where", "detail"),
    [
        ([SSL_23], "tls", "127.0.0.1", 8443, "file", "self-signed certificate"),
        ([CORP_23], "tls", "localhost", 9443, "file", "unable to get local issuer certificate"),
        ([REFUSED_23], "refused", "127.0.0.1", 8081, "file", None),
        ([TIMEOUT_23], "timeout", "127.0.0.1", 8082, "file", None),
        ([DNS_26], "dns", "files.pip-doctor.invalid", 80, "file", None),
        ([PROXY_407_23], "proxy-auth", "localhost", 9443, "file", None),
        ([PROXY_CLOSED_23], "proxy-connect", "localhost", 9443, "file", None),
        # pip 26.3: its own error names no host; the requests error behind it does
        (["<SSLVerificationError: ssl-verification-failed>", SSL_23], "tls", "127.0.0.1", 8443,
         "file", "self-signed certificate"),
        (["<ProxyConnectionError: proxy-connection-failed>", PROXY_CLOSED_23], "proxy-connect",
         "localhost", 9443, "file", None),
        (["<ProxyConnectionError: proxy-connection-failed>", PROXY_407_23.replace(
            "Cannot connect to proxy.", "Unable to connect to proxy")], "proxy-auth",
         "localhost", 9443, "file", None),
        (["<ConnectionTimeoutError: connection-timeout>", "HTTPConnectionPool(host='127.0.0.1', "
          "port=8082): Read timed out. (read timeout=2.0)"], "timeout", "127.0.0.1", 8082, None,
         None),
        (["<ConnectionFailedError: connection-failed>", DNS_26], "dns",
         "files.pip-doctor.invalid", 80, "file", None),
        # an index page: pip logged it, and ended in "No matching distribution"
        (["No matching distribution found for tls-self-signed", INDEX_LOG_26], "tls", None, None,
         "index", "self-signed certificate"),
        (["Could not fetch URL https://127.0.0.1:8443/simple/x/: There was a problem confirming "
          "the ssl certificate: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
          "self-signed certificate (_ssl.c:992) - skipping"], "tls", "127.0.0.1", 8443, "index",
         "self-signed certificate"),
        (["Please check proxy URL. It is malformed and could be missing the host."],
         "invalid-proxy", None, None, None, None),
        (["Proxy URL had unsupported scheme httpx, should use http:// or https://"],
         "invalid-proxy", None, None, None, None),
    ],
)
def test_pips_texts_are_read(texts: list[str], kind: str, host: Optional[str],
                             port: Optional[int], where: Optional[str],
                             detail: Optional[str]) -> None:
    # after "No matching distribution", what follows is pip's log; else the error's causes
    split = 1 if texts[0].startswith("No matching") else len(texts)
    failure = _network_failure.read_failure(texts[:split], texts[split:])
    assert failure is not None
    assert (failure.kind, failure.host, failure.port, failure.where, failure.detail) == (
        kind, host, port, where, detail)


@pytest.mark.parametrize("text", [
    "[Errno 13] Permission denied: '/usr/lib/python3/dist-packages/x'",
    "No matching distribution found for nothing-here",
    "",
])
def test_other_texts_are_no_network_failure(text: str) -> None:
    assert _network_failure.read_failure([text]) is None


def test_a_url_is_split_without_its_credentials() -> None:
    assert _network_failure.split_url("https://u:p@example.org/simple/") == (
        "https", "example.org", 443)
    assert _network_failure.split_url("http://[::1]:8080/x") == ("http", "::1", 8080)
    assert network.hide_credentials("http://alice:pw@proxy:3128") == "http://***@proxy:3128"
    assert network.hide_credentials("http://alice:pw@") == "http://***@"


# ----------------------------------------------------------------- certificates


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return netlab.make_certificates(tmp_path_factory.mktemp("certs"))


def test_a_certificate_is_read_without_verifying_it(certs: Mapping[str, str]) -> None:
    der = ssl.PEM_cert_to_DER_cert(Path(certs["corporate_cert"]).read_text())
    cert = _x509.parse_certificate(der)
    assert _x509.name_text(cert.subject) == "CN=localhost, O=pip-doctor Test Corp"
    assert _x509.name_text(cert.issuer) == (
        "CN=pip-doctor Test Corporate Root CA, O=pip-doctor Test Corp")
    assert not cert.self_signed
    assert cert.not_after > cert.not_before
    assert _x509.try_parse(der[:40]) is None
    assert _x509.try_parse(b"") is None


@contextlib.contextmanager
def tls_server(cert: str, key: str, connections: int = 4) -> Iterator[int]:
    """A TLS server on 127.0.0.1 that completes at most ``connections`` handshakes."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    port = listener.getsockname()[1]

    def serve() -> None:
        for _ in range(connections):
            try:
                conn, _address = listener.accept()
            except OSError:
                return
            with contextlib.suppress(OSError), context.wrap_socket(conn, server_side=True):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        listener.close()
        thread.join(5)


def test_the_handshake_reads_the_certificate_the_server_presents(
        certs: Mapping[str, str]) -> None:
    with tls_server(certs["corporate_cert"], certs["corporate_key"]) as port:
        facts = network_probes.read_certificate("127.0.0.1", port)
    assert facts["error"] is None, facts
    assert facts["subject"] == "CN=localhost, O=pip-doctor Test Corp"
    assert facts["self_signed"] is False
    assert facts["expired"] is False
    assert isinstance(facts["seconds"], float)
    assert facts["seconds"] < network_probes.HANDSHAKE_TIMEOUT + 0.05


def test_the_issuer_is_looked_up_in_the_bundle(certs: Mapping[str, str]) -> None:
    issuer = [["CN", "pip-doctor Test Corporate Root CA"], ["O", "pip-doctor Test Corp"]]
    assert network_probes._issuer_in_bundle(issuer, {"path": certs["ca_cert"]}) is True
    assert network_probes._issuer_in_bundle(
        issuer, {"path": certs["self_signed_cert"]}) is False
    assert network_probes._issuer_in_bundle(issuer, {"path": "/nonexistent.pem"}) is None


def test_a_closed_port_and_a_silent_one_are_measured_within_their_limits() -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    silent = socket.create_server(("127.0.0.1", 0))
    try:
        refused = network_probes.tcp_connect("127.0.0.1", closed.getsockname()[1])
        assert (refused["connected"], refused["outcome"]) == (False, "refused")
        started = network_probes.read_certificate("127.0.0.1", silent.getsockname()[1])
        assert started["error"]
        assert started["seconds"] < network_probes.HANDSHAKE_TIMEOUT + 0.1
    finally:
        closed.close()
        silent.close()


def test_localhost_is_looked_up_from_the_hosts_file() -> None:
    found = network_probes.lookup("localhost")
    assert "127.0.0.1" in found.get("addresses", []) or "::1" in found.get("addresses", [])


# ----------------------------------------------------------------- settings


def situation_for(texts: list[str], **context: Any) -> Any:
    from pip_doctor._model import Situation

    error = ErrorInfo.from_data({
        "type": "ConnectionError", "module": "pip._vendor.requests.exceptions",
        "mro": ["pip._vendor.requests.exceptions.ConnectionError", "builtins.OSError"],
        "message": texts[0], "cause": None,
    })
    return Situation(error=error, context=InstallContext(log=tuple(texts[1:]), **context))


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                 "all_proxy", "NO_PROXY", "no_proxy", "PIP_PROXY", "PIP_CERT",
                 "PIP_INDEX_URL", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE",
                 "PIP_DOCTOR_NETWORK_PROBES", "VIRTUAL_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "xdg"))
    monkeypatch.setenv("PIP_CONFIG_FILE", str(tmp_path / "pip.conf"))
    # this machine's /etc/pip.conf must not decide the tests
    monkeypatch.setattr(network, "pip_config_files", lambda environ: [str(tmp_path / "pip.conf")])
    return tmp_path


def test_the_proxy_and_no_proxy_come_from_the_environment(
        clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("https_proxy", "http://alice:pw@proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", "pypi.internal,.corp")
    facts = network.run(situation_for([PROXY_CLOSED_23]))
    proxy = facts["proxy"]
    assert proxy["url"] == "http://***@proxy.corp:3128"
    assert proxy["source"] == "the https_proxy environment variable"
    assert proxy["credentials"] is True
    assert (proxy["host"], proxy["port"], proxy["bypassed"]) == ("proxy.corp", 3128, False)
    assert "pw" not in json.dumps(facts)


def test_the_proxy_option_wins_and_no_proxy_can_cover_the_host(
        clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("no_proxy", "localhost")
    covered = network.run(situation_for([PROXY_CLOSED_23]))
    assert covered["proxy"]["bypassed"] is True
    given = network.run(situation_for(
        [PROXY_CLOSED_23], argv=("install", "--proxy", "http://other:8080", "x"),
        pip_options={"proxy": "http://other:8080"}))
    assert given["proxy"]["source"] == "the --proxy option"
    assert given["proxy"]["url"] == "http://other:8080"


def test_the_bundle_and_the_index_say_where_they_came_from(
        clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / "pip.conf").write_text(
        "[global]\ncert = /etc/corp/ca.pem\nindex-url = https://u:tok3n-x@pypi.corp/simple\n")
    facts = network.run(situation_for([CORP_23], pip_version="23.0.1"))
    assert facts["ca_bundle"]["path"] == "/etc/corp/ca.pem"
    assert facts["ca_bundle"]["source"] == f"`cert` in {clean_env / 'pip.conf'}"
    assert facts["index"] == {"url": "https://***@pypi.corp/simple",
                              "source": f"`index-url` in {clean_env / 'pip.conf'}",
                              "extra": [], "host": "pypi.corp"}
    monkeypatch.setenv("PIP_CERT", "/tmp/other.pem")
    assert network.run(situation_for([CORP_23]))["ca_bundle"]["source"] == (
        "the PIP_CERT environment variable")


def test_the_network_facts_are_the_documented_ones(clean_env: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from test_probes import documented_keys

    documented = documented_keys()
    facts = network.run(situation_for([CORP_23]))
    assert set(facts) == documented["network"]
    monkeypatch.setenv("PIP_DOCTOR_NETWORK_PROBES", "0")
    report = diagnose([CORP_23])
    assert set(report.facts["network-probes"]) <= documented["network-probes"]


@pytest.mark.parametrize(("pip_version", "argv", "truststore"), [
    ("21.2.4", (), False),
    ("23.0.1", (), False),
    ("23.0.1", ("install", "--use-feature=truststore", "x"), True),
    ("24.2", (), True),
    ("26.3", (), True),
])
def test_truststore_follows_the_pip_version(clean_env: Path, pip_version: str,
                                            argv: tuple[str, ...], truststore: bool) -> None:
    facts = network.run(situation_for([CORP_23], pip_version=pip_version, argv=argv))
    assert facts["ca_bundle"]["truststore"] is truststore
    if not truststore:
        assert facts["ca_bundle"]["path"].endswith("certifi/cacert.pem")


# ----------------------------------------------------------------- rules


def diagnose(texts: list[str], **context: Any) -> Report:
    situation = situation_for(texts, **context)
    return _engine.diagnose(situation.error, situation.context, _manager.get_manager())


@pytest.mark.parametrize(("texts", "cause"), [
    ([SSL_23], "certificate-not-trusted"),
    ([REFUSED_23], "index-unreachable"),
    ([TIMEOUT_23], "index-unreachable"),
    ([DNS_26], "host-not-resolved"),
    (["Please check proxy URL. It is malformed and could be missing the host."],
     "invalid-proxy-url"),
])
def test_each_cause_is_named_from_pips_text(clean_env: Path, monkeypatch: pytest.MonkeyPatch,
                                            texts: list[str], cause: str) -> None:
    monkeypatch.setenv("PIP_DOCTOR_NETWORK_PROBES", "0")
    report = diagnose(texts, pip_version="23.0.1", argv=("install", "x"))
    assert [d.id for d in report.diagnoses] == [cause]


def test_proxy_causes_need_a_proxy(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_DOCTOR_NETWORK_PROBES", "0")
    assert [d.id for d in diagnose([PROXY_CLOSED_23]).diagnoses] == []
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    assert [d.id for d in diagnose([PROXY_CLOSED_23]).diagnoses] == ["proxy-unreachable"]
    auth = diagnose([PROXY_407_23])
    assert [d.id for d in auth.diagnoses] == ["proxy-auth-required"]
    # the placeholder credentials of the fix survive redaction; nothing real is in them
    assert "export HTTPS_PROXY=USER:PASSWORD@127.0.0.1:9" in auth.to_text(shell="posix")


def test_without_probes_the_evidence_says_what_was_not_measured(
        clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_DOCTOR_NETWORK_PROBES", "0")
    report = diagnose([CORP_23], pip_version="23.0.1")
    best = report.diagnoses[0]
    assert any("was not read" in line and "PIP_DOCTOR_NETWORK_PROBES=0" in line
               for line in best.evidence)
    assert report.facts.get_fact("network-probes", "measured") is False


def test_tls_fixes_are_safe_first_and_never_turn_verification_off(
        clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_DOCTOR_NETWORK_PROBES", "0")
    for version, first in (("23.0.1", "--use-feature=truststore"), ("26.3", "--cert")):
        best = diagnose([CORP_23], pip_version=version, argv=("install", "x")).diagnoses[0]
        texts = [c.text for fix in best.fixes for c in fix.commands]
        assert first in best.fixes[0].commands[0].text
        assert not any("PYTHONHTTPSVERIFY" in t or "verify=False" in t for t in texts)
        trusted = [fix for fix in best.fixes
                   if any("--trusted-host" in c.text for c in fix.commands)]
        assert [fix.safety for fix in trusted] == ["review"]
        assert any("--trusted-host" in warning for warning in best.warnings)


def test_a_network_error_is_not_a_permission_error(clean_env: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_DOCTOR_NETWORK_PROBES", "0")
    report = diagnose([SSL_23])
    assert report.error.family == "network"
    assert [d.id for d in report.diagnoses] == ["certificate-not-trusted"]


def test_a_failed_index_page_is_put_on_the_index_it_belongs_to(clean_env: Path) -> None:
    from pip_doctor._model import Situation

    error = ErrorInfo.from_data({"type": "DistributionNotFound",
                                 "module": "pip._internal.exceptions",
                                 "message": "No matching distribution found for tls-self-signed"})
    context = InstallContext(
        failure="no-matching-distribution", log=(INDEX_LOG_26,),
        argv=("install", "-i", "https://pypi.org/simple", "--extra-index-url",
              "https://127.0.0.1:8443/simple/", "tls-self-signed"),
        pip_options={"index_url": "https://pypi.org/simple",
                     "extra_index_urls": ["https://127.0.0.1:8443/simple/"]})
    facts = network.run(Situation(error=error, context=context))
    # both indexes have /simple/: pip's log cannot tell which failed, and nor can we
    assert (facts["failure"], facts["where"], facts["host"]) == ("tls", "index", None)
    assert facts["candidates"] == ["https://pypi.org/simple", "https://127.0.0.1:8443/simple/"]
    one = attrs.evolve(context, argv=("install", "-i", "https://127.0.0.1:8443/simple/", "x"),
                       pip_options={"index_url": "https://127.0.0.1:8443/simple/"})
    facts = network.run(Situation(error=error, context=one))
    assert (facts["host"], facts["port"], facts["candidates"]) == ("127.0.0.1", 8443, [])
    # the same log after an OSError is not read: that failure is the OSError's
    other = attrs.evolve(context, failure="os-error")
    assert network.run(Situation(error=error, context=other)) == {}


def test_an_organisation_turns_the_probes_off_in_a_plugin(
        clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "acme_no_network_probes.py").write_text(
        "import os\nos.environ['PIP_DOCTOR_NETWORK_PROBES'] = '0'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PIP_DOCTOR_PLUGINS", "acme_no_network_probes")
    monkeypatch.setenv("PIP_DOCTOR_NETWORK_PROBES", "1")  # restored after the test
    _manager.reset_manager()
    report = diagnose([CORP_23])
    assert report.facts["network-probes"] == {
        "measured": False, "why": "network probes are off (PIP_DOCTOR_NETWORK_PROBES=0)"}
    assert any("was not read" in line for line in report.diagnoses[0].evidence)


# ----------------------------------------------------------------- the shim


def test_the_shim_knows_requests_crash_on_a_proxy_url_without_host() -> None:
    from pip._vendor.requests.utils import prepend_scheme_if_needed

    from pip_doctor import _pip_hook

    with pytest.raises(TypeError) as crash:
        prepend_scheme_if_needed("http://alice:pw@", "http")
    assert _pip_hook.is_proxy_url_crash(crash.value)
    with pytest.raises(TypeError) as other:
        ", ".join([None])  # type: ignore[list-item]
    assert not _pip_hook.is_proxy_url_crash(other.value)


def test_the_shim_keeps_the_line_of_a_failed_index_page_and_no_other_info() -> None:
    import logging

    from pip_doctor import _pip_hook

    watch = _pip_hook.Watch(command=None)
    try:
        logger = logging.getLogger("pip._internal.index.collector")
        logger.setLevel(logging.INFO)
        logger.info("Collecting %s", "x")
        logger.info("Could not fetch URL %s: %s - skipping", "https://127.0.0.1:8443/simple/x/",
                    "There was a problem confirming the ssl certificate: ...")
        logger.warning("Retrying after connection broken by 'SSLError()': /simple/x/")
    finally:
        logging.getLogger("pip").removeHandler(watch)
        logging.getLogger("pip._internal.index.collector").setLevel(logging.NOTSET)
    assert watch.log == [
        "Could not fetch URL https://127.0.0.1:8443/simple/x/: There was a problem confirming "
        "the ssl certificate: ... - skipping",
        "Retrying after connection broken by 'SSLError()': /simple/x/",
    ]


def test_a_malformed_proxy_is_named_whatever_pip_was_fetching(
        clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://alice:s3cr3t-pw@")
    from pip_doctor._model import Situation

    error = ErrorInfo.from_data({"type": "TypeError", "module": "builtins",
                                 "message": "sequence item 1: expected str instance, "
                                            "NoneType found"})
    context = InstallContext(failure="unhandled",
                             argv=("install", "-i", "http://127.0.0.1:8080/simple/", "x"))
    facts = network.run(Situation(error=error, context=context))
    assert facts["failure"] == "invalid-proxy"
    assert facts["proxy"]["source"] == "the HTTPS_PROXY environment variable"
    assert facts["proxy"]["url"] == "http://***@"
    assert facts["proxy"]["problem"].startswith("it has no host name")
    assert facts["host"] is None
