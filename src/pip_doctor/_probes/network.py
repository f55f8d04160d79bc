"""``network``: what failed, and the settings pip used for it (no network traffic).

Reads pip's failure (:mod:`._network_failure`) from the error, its causes,
pip's message and the warnings pip logged, then where each setting that
matters came from: the proxy (``--proxy``, ``PIP_PROXY``, pip's configuration,
``HTTPS_PROXY``/``https_proxy``/``HTTP_PROXY``/``ALL_PROXY``, and whether
``NO_PROXY`` covers the host), the CA bundle pip verified with (its vendored
certifi, truststore, ``--cert``, ``PIP_CERT``, ``REQUESTS_CA_BUNDLE``,
``SSL_CERT_FILE``, pip.conf ``cert``), the index URL (``--index-url``,
``PIP_INDEX_URL``, a configuration file, or PyPI) and ``--timeout``/``--retries``.

The facts are documented in ``docs/facts.md``. Credentials never enter
them: URLs are shown with ``***`` in place of a user's password or token.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from pip_doctor._model import JSON, Probe, Situation
from pip_doctor._probes._network_failure import Failure, read_failure, split_url
from pip_doctor._redact import pip_config_files

ID = "network"

#: Set to ``0`` to turn the network probes (one TLS handshake, one lookup,
#: one TCP connect to the proxy) off.
PROBES_VARIABLE = "PIP_DOCTOR_NETWORK_PROBES"

PYPI = "https://pypi.org/simple"

#: pip options that take a value, as written on the command line -> dest.
_VALUE_OPTIONS = {
    "--proxy": "proxy",
    "--cert": "cert",
    "--client-cert": "client_cert",
    "-i": "index_url",
    "--index-url": "index_url",
    "--extra-index-url": "extra_index_urls",
    "--timeout": "timeout",
    "--retries": "retries",
    "--trusted-host": "trusted_hosts",
    "--use-feature": "features_enabled",
    "--use-deprecated": "deprecated_features_enabled",
}
#: Options pip keeps as lists.
_LIST_OPTIONS = frozenset({"extra_index_urls", "trusted_hosts", "features_enabled",
                           "deprecated_features_enabled"})
#: pip's configuration keys (in [global] or [install]) -> dest.
_CONFIG_KEYS = {"proxy": "proxy", "cert": "cert", "index-url": "index_url",
                "timeout": "timeout", "retries": "retries", "trusted-host": "trusted_hosts"}


def probes_enabled(environ: Mapping[str, str]) -> bool:
    """False when ``PIP_DOCTOR_NETWORK_PROBES`` says ``0``/``false``/``no``/``off``."""
    value = environ.get(PROBES_VARIABLE, "").strip().lower()
    return value not in ("0", "false", "no", "off")


def hide_credentials(url: str) -> str:
    """``url`` with any ``user:password@`` or ``token@`` shown as ``***@``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, tail = rest.partition("/")
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    return f"{scheme}{sep}{netloc}{slash}{tail}"


# ------------------------------------------------------------------ inputs


def error_texts(situation: Situation) -> list[str]:
    """The texts of pip's failure: the error and its causes, then pip's message."""
    texts = [e.message for e in situation.error.errors]
    if situation.context.original_message:
        texts.append(situation.context.original_message)
    return texts


def pip_failure(situation: Situation) -> Optional[Failure]:
    """The network failure of ``situation``, or None when it is none.

    pip's log is read only after a "No matching distribution found" (an index
    page that failed is only logged) or when pip's own error names a network
    failure without its details.
    """
    errors = situation.error.errors
    reference = next((e.reference for e in errors if e.reference), None)
    log = situation.context.log
    if situation.context.failure not in ("no-matching-distribution", "pip-error"):
        log = ()
    failure = read_failure(error_texts(situation), log, reference=reference)
    if failure is None:
        return None
    if failure.kind == "invalid-proxy" and "NoneType found" in failure.line and not (
        _proxy_candidates(situation)
    ):
        return None  # that TypeError has other causes when no proxy is set
    return failure


def _argv(situation: Situation) -> tuple[str, ...]:
    return situation.context.argv


def _from_argv(argv: Sequence[str]) -> dict[str, Any]:
    """The options above as given on the command line (last one wins)."""
    found: dict[str, Any] = {}
    items = list(argv)
    for index, item in enumerate(items):
        flag, eq, value = item.partition("=")
        if not eq:
            flag, value = item, (items[index + 1] if index + 1 < len(items) else "")
        dest = _VALUE_OPTIONS.get(flag)
        if dest is None:
            continue
        if dest in _LIST_OPTIONS:
            found.setdefault(dest, []).append(value)
        else:
            found[dest] = value
    return found


def _given_on_command_line(argv: Sequence[str], dest: str) -> bool:
    flags = [f for f, d in _VALUE_OPTIONS.items() if d == dest]
    return any(a == f or a.startswith(f + "=") for a in argv for f in flags)


def read_pip_config(environ: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """dest -> (value, file) from pip's configuration files, later files
    winning and ``[install]`` over ``[global]`` (as pip reads them)."""
    if environ.get("PIP_CONFIG_FILE") == os.devnull:
        return {}
    import configparser  # here: only a network failure reads pip's configuration

    found: dict[str, tuple[str, str]] = {}
    for path in pip_config_files(environ):
        if not os.path.isfile(path):
            continue
        parser = configparser.RawConfigParser()
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                parser.read_string(handle.read(1 << 20), source=path)
        except (OSError, configparser.Error):
            continue
        for section in ("global", "install"):
            if not parser.has_section(section):
                continue
            for key, dest in _CONFIG_KEYS.items():
                for spelling in (key, key.replace("-", "_")):
                    if parser.has_option(section, spelling):
                        found[dest] = (parser.get(section, spelling).strip(), path)
    return found


class Settings:
    """pip's effective network settings and where each came from."""

    def __init__(self, situation: Situation, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.argv = _argv(situation)
        options = situation.context.pip_options
        self.options: Mapping[str, Any] = options if options else _from_argv(self.argv)
        self.config = read_pip_config(environ)

    def source(self, dest: str, variable: str) -> Optional[str]:
        """Where pip's value for ``dest`` came from, or None when not set."""
        if _given_on_command_line(self.argv, dest):
            flag = next(f for f, d in _VALUE_OPTIONS.items() if d == dest and f.startswith("--"))
            return f"the {flag} option"
        if self.environ.get(variable):
            return f"the {variable} environment variable"
        if dest in self.config:
            key = next(k for k, d in _CONFIG_KEYS.items() if d == dest)
            return f"`{key}` in {self.config[dest][1]}"
        if self.options.get(dest) and not self.argv:
            return "pip's options"
        return None

    def value(self, dest: str, variable: str) -> Optional[str]:
        value = self.options.get(dest)
        if isinstance(value, str) and value:
            return value
        if self.environ.get(variable):
            return self.environ[variable]
        if dest in self.config:
            return self.config[dest][0]
        return None


# ------------------------------------------------------------------ settings


def _proxy_candidates(situation: Situation) -> bool:
    environ = os.environ
    if any(k.lower() in ("https_proxy", "http_proxy", "all_proxy") and v
           for k, v in environ.items()):
        return True
    return Settings(situation, environ).value("proxy", "PIP_PROXY") is not None


def _environment_proxy(environ: Mapping[str, str], scheme: str) -> Optional[tuple[str, str]]:
    """(value, variable) of the proxy requests takes from the environment for
    ``scheme``: lowercase names win over uppercase, ``ALL_PROXY`` last."""
    for name in (f"{scheme}_proxy", "all_proxy"):
        for spelling in (name, name.upper()):
            value = environ.get(spelling)
            if value:
                return value, spelling
    return None


def _no_proxy(environ: Mapping[str, str]) -> tuple[Optional[str], Optional[str]]:
    for name in ("no_proxy", "NO_PROXY"):
        if environ.get(name):
            return environ[name], name
    return None, None


def _bypassed(host: str, no_proxy: Optional[str]) -> bool:
    """``NO_PROXY`` covers ``host`` (the way urllib and requests read it)."""
    if not no_proxy or not host:
        return False
    import urllib.request  # here: costly, and only a network failure needs it

    bypass: Any = getattr(urllib.request, "proxy_bypass_environment")  # noqa: B009
    return bool(bypass(host, {"no": no_proxy}))


def proxy_facts(settings: Settings, scheme: Optional[str], host: Optional[str]
                ) -> Optional[dict[str, JSON]]:
    """The proxy pip used for ``scheme://host``: where it was set, whether
    NO_PROXY covers the host, whether it is a usable URL; None when none is set."""
    value = settings.value("proxy", "PIP_PROXY")
    no_proxy, no_proxy_variable = _no_proxy(settings.environ)
    if value:
        source = settings.source("proxy", "PIP_PROXY") or "pip's --proxy option"
        bypassed = False  # pip's --proxy applies to every host
    else:
        found = _environment_proxy(settings.environ, scheme or "https")
        if found is None:
            return None
        value, variable = found
        source = f"the {variable} environment variable"
        bypassed = _bypassed(host or "", no_proxy)
    parts = _split_proxy(value)
    return {
        "url": hide_credentials(value),
        "source": source,
        "credentials": parts["credentials"],
        "scheme": parts["scheme"],
        "host": parts["host"],
        "port": parts["port"],
        "problem": parts["problem"],
        "no_proxy": no_proxy,
        "no_proxy_variable": no_proxy_variable,
        "bypassed": bypassed,
    }


def _malformed_proxy(settings: Settings) -> Optional[dict[str, JSON]]:
    """For a proxy setting pip could not use (the URL pip was fetching is then
    unknown): the https, else the http proxy, the first that is not usable."""
    found = [proxy_facts(settings, scheme, None) for scheme in ("https", "http")]
    usable = [facts for facts in found if facts is not None]
    return next((facts for facts in usable if facts.get("problem")),
                usable[0] if usable else None)


def _split_proxy(value: str) -> dict[str, Any]:
    text = value.strip()
    if "://" not in text:
        text = "http://" + text  # requests assumes http:// for a bare host:port
    problem: Optional[str] = None
    from urllib.parse import urlsplit  # here, as in _indexes_for: network failures only

    try:
        parts = urlsplit(text)
        host, port = parts.hostname, parts.port
        credentials = parts.username is not None or parts.password is not None
        scheme = parts.scheme.lower()
    except ValueError as error:
        return {"credentials": "@" in value, "scheme": None, "host": None, "port": None,
                "problem": f"it cannot be read as a URL ({error})"}
    if scheme not in ("http", "https", "socks5", "socks5h", "socks4", "socks4a"):
        problem = f"its scheme `{scheme}` is not http:// or https://"
    elif not host:
        problem = "it has no host name" + (
            " (a user and password, then nothing after the @)" if credentials else "")
    return {"credentials": credentials, "scheme": scheme, "host": host,
            "port": port or (443 if scheme == "https" else 1080 if scheme.startswith("socks")
                             else 80),
            "problem": problem}


def _truststore(settings: Settings, pip_version: Optional[str]) -> tuple[bool, str]:
    """Whether pip verifies with truststore (the system's store), and why."""
    version = _version_tuple(pip_version)
    features = settings.options.get("features_enabled") or []
    deprecated = settings.options.get("deprecated_features_enabled") or []
    if version >= (24, 2):
        if "legacy-certs" in deprecated:
            return False, "pip 24.2+ with --use-deprecated=legacy-certs"
        if sys.version_info < (3, 10):
            return False, "pip 24.2+ uses truststore only on Python 3.10+"
        return True, "pip 24.2 and later always use the system's trust store (truststore)"
    if version >= (22, 2) and "truststore" in features:
        return True, "--use-feature=truststore"
    return False, f"pip {pip_version or '(unknown)'} verifies with its bundled certifi"


def _version_tuple(version: Optional[str]) -> tuple[int, ...]:
    parts = []
    for part in (version or "").split(".")[:2]:
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts) or (0,)


def certifi_bundle() -> Optional[str]:
    """pip's vendored certifi bundle, found without importing pip."""
    pip_file = getattr(sys.modules.get("pip"), "__file__", None)
    roots = ([os.path.dirname(pip_file)] if isinstance(pip_file, str)
             else [os.path.join(entry, "pip") for entry in sys.path if entry])
    for root in roots:
        candidate = os.path.join(root, "_vendor", "certifi", "cacert.pem")
        if os.path.isfile(candidate):
            return candidate
    return None


def ca_bundle_facts(settings: Settings, pip_version: Optional[str]) -> dict[str, JSON]:
    """Which certificates pip trusted, and why (the first that applies wins)."""
    truststore, why = _truststore(settings, pip_version)
    cert = settings.value("cert", "PIP_CERT")
    requests_bundle = settings.environ.get("REQUESTS_CA_BUNDLE") or settings.environ.get(
        "CURL_CA_BUNDLE")
    ssl_cert_file = settings.environ.get("SSL_CERT_FILE")
    if cert:
        path: Optional[str] = cert
        source = settings.source("cert", "PIP_CERT") or "pip's --cert option"
    elif requests_bundle:
        path = requests_bundle
        name = "REQUESTS_CA_BUNDLE" if settings.environ.get("REQUESTS_CA_BUNDLE") \
            else "CURL_CA_BUNDLE"
        source = f"the {name} environment variable"
    elif truststore:
        path = ssl_cert_file or _system_cafile()
        source = (f"the SSL_CERT_FILE environment variable (read by truststore: {why})"
                  if ssl_cert_file else why)
    else:
        path = certifi_bundle()
        source = why
    return {
        "truststore": truststore,
        "truststore_reason": why,
        "path": path,
        "source": source,
        "exists": bool(path and os.path.isfile(path)),
        "adds_to_system_store": bool(truststore and (cert or requests_bundle)),
        "ssl_cert_file": ssl_cert_file,
    }


def _system_cafile() -> Optional[str]:
    import ssl  # here: loading OpenSSL is a third of the diagnosis's start

    paths = ssl.get_default_verify_paths()
    return paths.cafile or paths.openssl_cafile


def index_facts(settings: Settings) -> dict[str, JSON]:
    url = settings.value("index_url", "PIP_INDEX_URL") or PYPI
    source = settings.source("index_url", "PIP_INDEX_URL") or "pip's default (PyPI)"
    extra = settings.options.get("extra_index_urls") or []
    return {
        "url": hide_credentials(url),
        "source": source,
        "extra": [hide_credentials(str(u)) for u in extra if isinstance(u, str)],
        "host": split_url(url)[1],
    }


def _indexes_for(settings: Settings, path: Optional[str]) -> list[str]:
    """The index URLs (``--index-url``, then each ``--extra-index-url``) whose
    path the failed page's ``path`` starts with (all of them when none does)."""
    main = str(settings.value("index_url", "PIP_INDEX_URL") or PYPI)
    extra = [u for u in settings.options.get("extra_index_urls") or () if isinstance(u, str)]
    every = [main, *extra]
    from urllib.parse import urlsplit

    matching = [url for url in every if path and urlsplit(url).path.rstrip("/")
                and path.startswith(urlsplit(url).path.rstrip("/") + "/")]
    return matching or every


def _number(value: Any) -> Optional[float]:
    try:
        return float(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def run(situation: Situation) -> dict[str, JSON]:
    failure = pip_failure(situation)
    if failure is None:
        return {}
    settings = Settings(situation, os.environ)
    index = index_facts(settings)
    host, scheme, port, where = failure.host, failure.scheme, failure.port, failure.where
    candidates: list[str] = []
    if failure.kind == "invalid-proxy":
        proxy = _malformed_proxy(settings)
    elif host is None and where != "file":
        # An index page failed and pip's text named only its path: the index it
        # is on, when only one can be; else the candidates.
        candidates = _indexes_for(settings, failure.path)
        if len(candidates) == 1:
            scheme, host, port = split_url(candidates[0])
        where = "index"
    if failure.kind != "invalid-proxy":
        proxy = proxy_facts(settings, scheme, host)
    timeout = _number(settings.options.get("timeout"))
    retries = _number(settings.options.get("retries"))
    return {
        "failure": failure.kind,
        "where": where,
        "url": hide_credentials(failure.url) if failure.url else None,
        "scheme": scheme,
        "host": host,
        "port": port,
        "detail": failure.detail,
        "reported": failure.line[:500],
        "candidates": [hide_credentials(url) for url in candidates] if len(candidates) > 1
        else [],
        "proxy": proxy,
        "ca_bundle": ca_bundle_facts(settings, situation.context.pip_version),
        "index": index,
        "timeout": timeout if timeout is not None else 15.0,
        "retries": int(retries) if retries is not None else 5,
        "probes_enabled": probes_enabled(os.environ),
    }


PROBE = Probe(id=ID, run=run, description="what failed on the network, and pip's settings for it",
              timeout=0.1)
