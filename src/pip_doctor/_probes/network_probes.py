"""``network-probes``: the only network traffic pip-doctor ever makes.

Only after pip failed on the network, only to the host and port pip was
already contacting (or the proxy pip was configured to use), each bounded in
time:

- for a certificate failure, one TLS handshake to that host and port (through
  the proxy when pip used one), verification off, to read the certificate
  the server really presents; it is then compared with the CA bundle pip
  used, on this machine, without any traffic;
- for a name that did not resolve, one lookup of that name;
- for a proxy that could not be reached, one lookup of the proxy's name and
  one TCP connect to it.

``PIP_DOCTOR_NETWORK_PROBES=0`` turns them off, as does blocking this probe
(``PIP_DOCTOR_BLOCK=network-probes``); the diagnosis then says what could not
be measured. No data is sent beyond the handshake (and a ``CONNECT`` line to
the proxy); nothing is downloaded.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional

from pip_doctor._model import JSON, Probe, Situation
from pip_doctor._probes.network import ID as NETWORK
from pip_doctor._probes.network import probes_enabled

if TYPE_CHECKING:
    import socket

# ``socket``, ``ssl``, ``datetime`` and ``_x509`` are imported by the functions
# that use them: they serve network failures only, and every other failure's
# diagnosis would pay for loading them.

ID = "network-probes"

#: Time limits (seconds): a name lookup, a TCP connect, a whole TLS handshake.
LOOKUP_TIMEOUT = 0.1
CONNECT_TIMEOUT = 0.1
HANDSHAKE_TIMEOUT = 0.25

#: Long attribute names of ``ssl.SSLContext.get_ca_certs`` -> OpenSSL's short ones.
_SHORT = {
    "commonName": "CN", "countryName": "C", "localityName": "L",
    "stateOrProvinceName": "ST", "organizationName": "O",
    "organizationalUnitName": "OU", "emailAddress": "emailAddress",
}


def lookup(host: str, timeout: float = LOOKUP_TIMEOUT) -> dict[str, JSON]:
    """One bounded name lookup: ``{"addresses": [...]}`` or ``{"error": ...}``.

    ``getaddrinfo`` cannot be interrupted; it runs in a daemon thread that is
    left behind when it overruns.
    """
    box: list[dict[str, JSON]] = []
    started = time.monotonic()

    def resolve() -> None:
        import socket

        try:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
            box.append({"addresses": sorted({str(info[4][0]) for info in infos})})
        except OSError as error:
            box.append({"error": _error_text(error)})

    thread = threading.Thread(target=resolve, name="pip-doctor-lookup", daemon=True)
    thread.start()
    thread.join(timeout)
    result = box[0] if box else {"error": f"no answer within {timeout:.2f} s"}
    return {"host": host, **result, "seconds": round(time.monotonic() - started, 3)}


def _error_text(error: BaseException) -> str:
    import socket

    if isinstance(error, socket.gaierror) or (
        isinstance(error, OSError) and error.strerror and error.errno is not None
    ):
        return f"[Errno {error.errno}] {error.strerror}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _connect(host: str, port: int, deadline: float) -> socket.socket:
    """A TCP connection to ``host:port`` (its first address), bounded by ``deadline``."""
    import socket

    if _is_address(host):
        address = host
    else:
        found = lookup(host, min(LOOKUP_TIMEOUT, max(0.01, deadline - time.monotonic())))
        addresses = found.get("addresses")
        if not isinstance(addresses, list) or not addresses:
            raise OSError(f"{host} does not resolve: {found.get('error')}")
        address = str(addresses[0])
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("no time left")
    return socket.create_connection((address, port), timeout=min(CONNECT_TIMEOUT * 2, left))


def _is_address(host: str) -> bool:
    import socket

    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
            return True
        except OSError:
            continue
    return False


def tcp_connect(host: str, port: int, timeout: float = CONNECT_TIMEOUT) -> dict[str, JSON]:
    """One bounded TCP connect: ``{"connected": bool, "error": ...}``."""
    started = time.monotonic()
    try:
        sock = _connect(host, port, time.monotonic() + LOOKUP_TIMEOUT + timeout)
    except OSError as error:
        outcome = _outcome(error)
        return {"host": host, "port": port, "connected": False, "outcome": outcome,
                "error": _error_text(error), "seconds": round(time.monotonic() - started, 3)}
    sock.close()
    return {"host": host, "port": port, "connected": True, "outcome": "connected",
            "error": None, "seconds": round(time.monotonic() - started, 3)}


def _outcome(error: OSError) -> str:
    import socket

    if isinstance(error, ConnectionRefusedError):
        return "refused"
    if isinstance(error, (TimeoutError, socket.timeout)):
        return "timeout"
    if isinstance(error, ConnectionResetError):
        return "reset"
    if "does not resolve" in str(error):
        return "not-resolved"
    return "error"


def _tunnel(sock: socket.socket, host: str, port: int, deadline: float) -> Optional[str]:
    """Ask the proxy on ``sock`` for a tunnel to ``host:port``; None when it
    agreed, else its status line."""
    sock.settimeout(max(0.01, deadline - time.monotonic()))
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    sock.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode("ascii"))
    received = b""
    while b"\r\n\r\n" not in received and len(received) < 16384:
        chunk = sock.recv(4096)
        if not chunk:
            break
        received += chunk
    status = received.split(b"\r\n", 1)[0].decode("latin-1").strip()
    parts = status.split(" ", 2)
    if len(parts) >= 2 and parts[1] == "200":
        return None
    return status or "no answer"


def read_certificate(
    host: str, port: int, proxy: Optional[tuple[str, int]] = None,
    timeout: float = HANDSHAKE_TIMEOUT,
) -> dict[str, JSON]:
    """One TLS handshake, verification off, to read the server's certificate."""
    started = time.monotonic()
    deadline = started + timeout
    facts: dict[str, JSON] = {"host": host, "port": port,
                              "through_proxy": f"{proxy[0]}:{proxy[1]}" if proxy else None}
    import datetime
    import ssl  # here: loading OpenSSL is a third of the diagnosis's start

    from pip_doctor._probes import _x509

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        first: tuple[str, int] = proxy if proxy is not None else (host, port)
        sock = _connect(first[0], first[1], deadline)
        try:
            if proxy is not None:
                refused = _tunnel(sock, host, port, deadline)
                if refused is not None:
                    facts.update(error=f"the proxy answered {refused}")
                    return facts
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            server_name = None if _is_address(host) else host
            with context.wrap_socket(sock, server_hostname=server_name) as tls:
                der = tls.getpeercert(binary_form=True)
                facts["tls_version"] = tls.version()
        finally:
            sock.close()
    except (OSError, ValueError) as error:
        facts.update(error=_error_text(error), seconds=round(time.monotonic() - started, 3))
        return facts
    certificate = _x509.try_parse(der)
    facts["seconds"] = round(time.monotonic() - started, 3)
    if certificate is None:
        facts["error"] = "the certificate could not be read"
        return facts
    now = datetime.datetime.now(datetime.timezone.utc)
    facts.update(
        subject=_x509.name_text(certificate.subject),
        issuer=_x509.name_text(certificate.issuer),
        not_before=certificate.not_before.strftime("%Y-%m-%d"),
        not_after=certificate.not_after.strftime("%Y-%m-%d"),
        expired=certificate.not_after < now,
        not_yet_valid=certificate.not_before > now,
        self_signed=certificate.self_signed,
        error=None,
    )
    facts["_issuer_name"] = [list(pair) for pair in certificate.issuer]
    return facts


def bundle_subjects(path: str) -> Optional[set[tuple[tuple[str, str], ...]]]:
    """The subjects of the CA certificates in the PEM file ``path`` (no traffic)."""
    if not os.path.isfile(path):
        return None
    import ssl  # here: loading OpenSSL is a third of the diagnosis's start

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(cafile=path)
    except (OSError, ssl.SSLError):
        return None
    subjects = set()
    for ca in context.get_ca_certs():
        subject: Any = ca.get("subject", ())
        subjects.add(tuple((_SHORT.get(str(k), str(k)), str(v)) for rdn in subject
                           for k, v in rdn))
    return subjects


def _issuer_in_bundle(issuer: Any, bundle: Mapping[str, Any]) -> Optional[bool]:
    path = bundle.get("path")
    if not isinstance(path, str) or not isinstance(issuer, list):
        return None
    subjects = bundle_subjects(path)
    if subjects is None:
        return None
    return tuple((str(k), str(v)) for k, v in issuer) in subjects


def run(situation: Situation) -> dict[str, JSON]:
    kind = situation.fact(NETWORK, "failure")
    if not isinstance(kind, str):
        return {}
    if not probes_enabled(os.environ):
        return {"measured": False,
                "why": "network probes are off (PIP_DOCTOR_NETWORK_PROBES=0)"}
    host = situation.fact(NETWORK, "host")
    port = situation.fact(NETWORK, "port")
    proxy = situation.fact(NETWORK, "proxy")
    proxy = proxy if isinstance(proxy, Mapping) else None
    via: Optional[tuple[str, int]] = None
    if proxy and not proxy.get("bypassed") and not proxy.get("problem"):
        proxy_host, proxy_port = proxy.get("host"), proxy.get("port")
        if isinstance(proxy_host, str) and isinstance(proxy_port, int):
            via = (proxy_host, proxy_port)
        if proxy.get("scheme") != "http" and kind == "tls":
            # only a plain-HTTP proxy is asked for a tunnel (CONNECT)
            return {"measured": False,
                    "why": f"the certificate is not read through a {proxy.get('scheme')}:// proxy"}
    facts: dict[str, JSON] = {"measured": True}
    if kind == "tls" and isinstance(host, str) and isinstance(port, int) \
            and situation.fact(NETWORK, "scheme") == "https":
        certificate = read_certificate(host, port, via)
        bundle = situation.fact(NETWORK, "ca_bundle") or {}
        issuer = certificate.pop("_issuer_name", None)
        certificate["issuer_in_bundle"] = (
            _issuer_in_bundle(issuer, bundle) if certificate.get("error") is None else None
        )
        facts["certificate"] = certificate
    elif kind == "dns" and isinstance(host, str) and via is None:
        facts["lookup"] = lookup(host)
    elif kind == "proxy-connect" and via is not None:
        facts["proxy_connect"] = tcp_connect(*via)
    else:
        facts["measured"] = False
        facts["why"] = "nothing to measure for this failure"
    return facts


PROBE = Probe(
    id=ID,
    run=run,
    description="one bounded TLS handshake, name lookup or proxy connect, after a network failure",
    timeout=0.3,
)
