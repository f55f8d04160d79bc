"""What pip's network failure says: read from the texts pip produced.

pip reports a failed connection in several shapes, all read here:

- up to pip 26.2, a failed file download is an ``OSError`` whose text is
  requests' ``HTTPSConnectionPool(host='h', port=443): Max retries exceeded
  with url: /p (Caused by SSLError(...))``;
- pip 26.3 raises its own diagnostic errors (``ssl-verification-failed``,
  ``proxy-connection-failed``, ``connection-failed``, ``connection-timeout``);
  the requests error above is their cause;
- a failed index page is logged (``Retrying (...) after connection broken by
  'SSLError(...)': /simple/x/``, ``Could not fetch URL https://...: ...``) and
  the command ends in "No matching distribution found";
- a malformed proxy setting: ``Please check proxy URL...``, ``Proxy URL had
  unsupported scheme ...``, or the ``TypeError`` requests raises for a proxy
  URL with a user but no host.

:func:`read_failure` turns those texts into a :class:`Failure`. Pure: no
measurement, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Optional

import attrs

#: What went wrong, from the most specific to the most general.
KINDS = (
    "invalid-proxy",  # the proxy setting is not a usable URL
    "proxy-auth",     # the proxy answered 407
    "proxy-connect",  # the proxy could not be reached
    "tls",            # certificate verification failed
    "dns",            # the host name does not resolve
    "timeout",        # connect or read timed out
    "refused",        # connection refused
    "reset",          # connection reset or closed without a reply
)

_POOL = re.compile(
    r"(?P<scheme>HTTPS?)ConnectionPool\(host='(?P<host>[^']*)', port=(?P<port>\d+)\): "
    r"(?:Max retries exceeded with url: (?P<path>\S+))?"
)
_FETCH = re.compile(r"Could not fetch URL (?P<url>\S+?): ")
_FETCHING = re.compile(r"while fetching (?P<url>\S+)")
_UNABLE = re.compile(r"Unable to fetch (?P<url>\S+)")
_RETRY_PATH = re.compile(r"after connection broken by .*\)'?: (?P<path>/\S*)\s*$")
_VERIFY = re.compile(r"certificate verify failed: (?P<detail>[^(')\"]+?)\s*(?:\(_ssl|['\")]|$)")
_URL = re.compile(r"(?P<scheme>https?)://(?P<netloc>[^/\s'\"]+)(?P<path>/[^\s'\"]*)?", re.I)

_INVALID_PROXY = (
    "Please check proxy URL",
    "Proxy URL had unsupported scheme",
    "sequence item 1: expected str instance, NoneType found",
)
_TLS = ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed", "SSLCertVerificationError",
        "problem confirming the ssl certificate", "ssl-verification-failed")
_DNS = ("Name or service not known", "nodename nor servname", "Temporary failure in name "
        "resolution", "NameResolutionError", "getaddrinfo failed", "Failed to resolve",
        "No address associated with hostname", "[Errno -2]", "[Errno -3]", "[Errno -5]",
        "[Errno 11001]", "[Errno 11002]")
_TIMEOUT = ("ReadTimeoutError", "ConnectTimeoutError", "Read timed out", "timed out",
            "didn't respond within", "connection-timeout", "[Errno 110]", "WinError 10060")
_REFUSED = ("Connection refused", "[Errno 111]", "WinError 10061", "[Errno 61]")
_RESET = ("Connection reset", "Connection aborted", "RemoteDisconnected",
          "closed without a reply", "[Errno 104]", "WinError 10054")


@attrs.frozen(kw_only=True)
class Failure:
    """A network failure as pip reported it.

    ``kind`` is one of :data:`KINDS`; ``url`` (or ``scheme``/``host``/``port``)
    is what pip was fetching, when its text says; ``where`` is ``"index"`` for
    an index page, ``"file"`` for a download; ``detail`` is the TLS library's
    reason (``self-signed certificate``, ``certificate has expired``...);
    ``line`` is the text it was read from.
    """

    kind: str
    scheme: Optional[str] = None
    host: Optional[str] = None
    port: Optional[int] = None
    url: Optional[str] = None
    where: Optional[str] = None
    path: Optional[str] = None
    detail: Optional[str] = None
    line: str = ""


def _kind_of(text: str) -> Optional[str]:
    if any(mark in text for mark in _INVALID_PROXY):
        return "invalid-proxy"
    if "407 Proxy Authentication Required" in text or (" 407 " in text and "roxy" in text):
        return "proxy-auth"
    if ("ProxyError" in text or "connect to proxy" in text
            or "proxy-connection-failed" in text):
        return "proxy-connect"
    if any(mark in text for mark in _TLS):
        return "tls"
    if any(mark in text for mark in _DNS):
        return "dns"
    if any(mark in text for mark in _TIMEOUT):
        return "timeout"
    if any(mark in text for mark in _REFUSED):
        return "refused"
    if any(mark in text for mark in _RESET):
        return "reset"
    return None


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def split_url(url: str) -> tuple[Optional[str], Optional[str], Optional[int]]:
    """``(scheme, host, port)`` of an http(s) URL; Nones when it is not one."""
    match = _URL.match(url.strip())
    if match is None:
        return None, None, None
    scheme = match.group("scheme").lower()
    netloc = match.group("netloc").rpartition("@")[2]
    host, port_text = netloc, ""
    if netloc.startswith("["):
        host, _, rest = netloc[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif netloc.count(":") == 1:
        host, _, port_text = netloc.partition(":")
    port = int(port_text) if port_text.isdigit() else _default_port(scheme)
    return scheme, host or None, port


def _where(path: Optional[str]) -> Optional[str]:
    if not path:
        return None
    return "index" if "/simple" in path or path.endswith("/") else "file"


def _from_text(text: str, kind: str) -> Failure:
    detail = None
    verify = _VERIFY.search(text)
    if verify:
        detail = verify.group("detail").strip()
    elif kind == "tls" and "Hostname mismatch" in text:
        detail = "Hostname mismatch"
    pool = _POOL.search(text)
    for pattern in (_FETCH, _FETCHING, _UNABLE):
        found = pattern.search(text)
        if found:
            url = found.group("url").rstrip(".,")
            scheme, host, port = split_url(url)
            path = (_URL.match(url).group("path") if _URL.match(url) else None)  # type: ignore[union-attr]
            where = "index" if pattern is _FETCH else _where(path)
            return Failure(kind=kind, scheme=scheme, host=host, port=port, url=url,
                           where=where, detail=detail, line=text)
    if pool:
        scheme = pool.group("scheme").lower()
        host = pool.group("host")
        port = int(pool.group("port"))
        path = pool.group("path")
        shown_port = "" if port == _default_port(scheme) else f":{port}"
        url = f"{scheme}://{host}{shown_port}{path}" if path else None
        return Failure(kind=kind, scheme=scheme, host=host, port=port, url=url,
                       where=_where(path), detail=detail, line=text)
    retry = _RETRY_PATH.search(text)
    path = retry.group("path") if retry else None
    return Failure(kind=kind, where=_where(path), path=path, detail=detail, line=text)


def read_failure(
    errors: Iterable[str], log: Iterable[str] = (), *, reference: Optional[str] = None
) -> Optional[Failure]:
    """The network failure that pip's ``errors`` (the error, its causes and
    pip's message) or, failing those, its ``log`` lines describe; None when
    none of them is one.

    Among the texts of one kind, the most specific failure wins (a proxy's
    407 over "could not connect to the proxy"); texts of the same failure
    supply what the first lacked (pip 26.3's own error names no host; its
    cause does). The log is read only when the errors name no network
    failure: it may hold earlier attempts that failed otherwise.
    """
    found = _read(errors)
    if found is None and reference in _REFERENCE_KINDS:
        found = Failure(kind=_REFERENCE_KINDS[reference])
    if found is None:
        found = _read(log)
    return found


def _read(texts: Iterable[str]) -> Optional[Failure]:
    candidates = [_from_text(text, kind) for text in texts if text
                  for kind in (_kind_of(text),) if kind is not None]
    if not candidates:
        return None
    best = min(candidates, key=lambda failure: KINDS.index(failure.kind))
    for other in candidates:
        if _compatible(best.kind, other.kind):
            best = attrs.evolve(
                best,
                scheme=best.scheme or other.scheme,
                host=best.host or other.host,
                port=best.port or other.port,
                url=best.url or other.url,
                where=best.where or other.where,
                path=best.path or other.path,
                detail=best.detail or other.detail,
            )
    return best


def _compatible(first: str, second: str) -> bool:
    """Two texts describe the same failure (a proxy failure's inner refusal is
    the proxy's, so ``proxy-connect`` takes ``refused`` details)."""
    return first == second or first.startswith("proxy") or second.startswith("proxy")


#: pip 26.3's diagnostic error references and the kind each means.
_REFERENCE_KINDS = {
    "ssl-verification-failed": "tls",
    "proxy-connection-failed": "proxy-connect",
    "connection-timeout": "timeout",
}
