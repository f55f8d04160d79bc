"""``certificate-not-trusted``: TLS verification failed.

Usually a proxy or security product that re-signs traffic with the
organisation's own CA; also a private index with a private CA, or a
certificate that expired or names another host. The evidence is the
certificate the server really presents (read by ``network-probes``) and the
CA bundle pip verified with.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, Optional

from pip_doctor import _links
from pip_doctor._model import Confidence, Diagnosis, Fix, Rule, Situation
from pip_doctor._rules import _network
from pip_doctor._rules._common import code
from pip_doctor._shells import shell_commands

ID = "certificate-not-trusted"

#: Where the organisation's CA certificate stands in the commands shown.
CA_PLACEHOLDER = "CA.pem"
#: Where Debian and Ubuntu take local CA certificates from.
SYSTEM_CA_FILE = "/usr/local/share/ca-certificates/organisation-ca.crt"
#: Hosts whose certificates come from public CAs (in every bundle).
PUBLIC_HOSTS = frozenset({"pypi.org", "files.pythonhosted.org", "pypi.python.org",
                          "upload.pypi.org", "test.pypi.org"})

WARN_TRUSTED_HOST = (
    "`--trusted-host HOST` turns certificate verification off for that host: "
    "pip then installs whatever anyone on the way answers. Use it only for a "
    "host you reach over a network you trust, and never for pypi.org."
)


def _certificate_lines(situation: Situation, cert: Mapping[str, Any],
                       bundle: Mapping[str, Any]) -> list[str]:
    lines = []
    where = f"{cert.get('host')}:{cert.get('port')}"
    via = cert.get("through_proxy")
    how = f" (read through the proxy {via})" if via else ""
    if cert.get("error"):
        lines.append(f"the certificate of {where} could not be read{how}: {cert['error']}")
        return lines
    lines.append(
        f"{where} presents a certificate for {code(cert.get('subject'))}, issued by "
        f"{code(cert.get('issuer'))}, valid {cert.get('not_before')} to "
        f"{cert.get('not_after')}{how}"
    )
    if cert.get("self_signed"):
        lines.append("that certificate is self-signed: no CA vouches for it")
    if cert.get("expired"):
        lines.append(f"that certificate expired on {cert.get('not_after')}")
    if cert.get("not_yet_valid"):
        lines.append(f"that certificate is valid only from {cert.get('not_before')} "
                     "(is this machine's clock right?)")
    in_bundle = cert.get("issuer_in_bundle")
    if in_bundle is False:
        lines.append("that issuer is not in the CA bundle pip verified with")
    elif in_bundle is True:
        lines.append("that issuer is in the CA bundle pip verified with (so the chain the "
                     "server sends, or the host name, is what fails)")
    host = cert.get("host")
    if host in PUBLIC_HOSTS and in_bundle is False and not cert.get("self_signed"):
        lines.append(
            f"{host}'s real certificates come from public CAs: something between you "
            "and it (a proxy or security product) re-signs the traffic"
        )
    return lines


def _bundle_line(bundle: Mapping[str, Any]) -> Optional[str]:
    path, source = bundle.get("path"), bundle.get("source")
    if not source:
        return None
    where = f" {code(path)}" if path else ""
    store = "the system trust store" if bundle.get("truststore") else "the CA bundle"
    line = f"pip verified with {store}{where} ({source})"
    if bundle.get("adds_to_system_store"):
        line += "; with truststore, that file is added to the system's store"
    if path and bundle.get("exists") is False:
        line += f"; {code(path)} does not exist"
    return line


def _server_side(cert: Mapping[str, Any], detail: str) -> bool:
    """The certificate itself is wrong (expired, not yet valid, another host):
    no bundle on this machine fixes that."""
    return bool(cert.get("expired") or cert.get("not_yet_valid")) or any(
        mark in detail for mark in ("expired", "Hostname mismatch", "not yet valid"))


def _ca_words(cert: Mapping[str, Any]) -> str:
    """How the certificate to trust is named in the fixes."""
    if cert.get("self_signed") and cert.get("subject"):
        return "the server's own certificate"  # a self-signed one is its own CA
    issuer = str(cert.get("issuer") or "")
    common = next((part[3:] for part in issuer.split(", ") if part.startswith("CN=")), "")
    return f"the CA {common!r}" if common else "your organisation's CA"


def _fixes(situation: Situation, cert: Mapping[str, Any]) -> list[Fix]:
    fixes: list[Fix] = []
    version = _network.pip_version(situation)
    ca_name = _ca_words(cert)
    note = f" ({CA_PLACEHOLDER}: the path of its certificate, a PEM file)"
    python_ok = sys.version_info >= (3, 10)
    if (22, 2) <= version < (24, 2) and python_ok:
        fixes.append(Fix(
            summary="Let pip use the system's trust store (where an organisation's CA is "
            "usually installed already)" + _network.placeholder_note(situation),
            commands=shell_commands(_network.install_argv(situation, "--use-feature=truststore")),
            safety="safe",
        ))
    fixes.append(Fix(
        summary=f"Install once, trusting {ca_name}" + note
        + _network.placeholder_note(situation),
        commands=shell_commands(_network.install_argv(situation, "--cert", CA_PLACEHOLDER)),
        safety="safe",
    ))
    keep = (" (before pip 24.2 this file replaces pip's own bundle: it must also hold "
            "the public CAs if you install from PyPI too)") if version < (24, 2) else ""
    fixes.append(Fix(
        summary=f"Make it permanent for your account: point pip at {ca_name}{keep}",
        commands=shell_commands(_network.pip_argv(situation, "config", "--user", "set",
                                                  "global.cert", CA_PLACEHOLDER)),
        safety="safe",
    ))
    fixes.append(Fix(
        summary=f"Or for this shell only: set PIP_CERT to {ca_name}",
        commands=_network.set_variable_commands("PIP_CERT", CA_PLACEHOLDER),
        safety="safe",
    ))
    if version >= (24, 2):
        fixes.append(Fix(
            summary="pip trusts the system's store: add the CA certificate there "
            "(Debian and Ubuntu shown; needs root, read it first)" + note,
            commands=shell_commands(
                ["sudo", "cp", CA_PLACEHOLDER, SYSTEM_CA_FILE],
                ["sudo", "update-ca-certificates"],
                shells=("posix", "fish"),
            ),
            safety="review",
        ))
    host = situation.fact("network", "host")
    if isinstance(host, str) and host not in PUBLIC_HOSTS:
        fixes.append(Fix(
            summary=f"Last resort, for a host on a network you trust: skip verification for "
            f"{host} (read the warning below first)" + _network.placeholder_note(situation),
            commands=shell_commands(_network.install_argv(situation, "--trusted-host", host)),
            safety="review",
        ))
    return fixes


def check(situation: Situation) -> Optional[Diagnosis]:
    if _network.kind(situation) != "tls":
        return None
    cert = _network.mapping(situation, "network-probes", "certificate")
    bundle = _network.mapping(situation, "network", "ca_bundle")
    detail = situation.fact("network", "detail")
    detail = detail if isinstance(detail, str) else ""
    evidence = [_network.fetching_line(situation, "could not verify the certificate of")
                + (f": {detail}" if detail else "")]
    evidence += _certificate_lines(situation, cert, bundle) if cert else []
    missing = _network.not_measured(situation)
    if not cert and missing:
        evidence.append(f"the certificate the server presents was not read: {missing}")
    bundle_line = _bundle_line(bundle)
    if bundle_line:
        evidence.append(bundle_line)
    confidence: Confidence = "high"
    host = _network.host_port(situation)
    if _server_side(cert, detail):
        title = f"The certificate of {host} is not valid for it (expired, or for another host)"
        fixes = [Fix(
            summary="Check the index URL and this machine's date; if both are right, the "
            "server's administrators must renew or correct its certificate",
            commands=shell_commands(["date", "-u"], shells=("posix", "fish")),
            safety="safe",
        ), _network.config_debug_fix(situation)]
    else:
        via = "a self-signed certificate" if cert.get("self_signed") or "self-signed" in \
            detail else "a certificate from a CA that pip does not trust"
        title = f"{host} presents {via}"
        fixes = _fixes(situation, cert)
    return Diagnosis(
        id=ID,
        title=title,
        confidence=confidence,
        evidence=evidence,
        fixes=fixes,
        links=(_links.PIP_HTTPS_CERTIFICATES, _links.TRUSTSTORE),
        warnings=(_network.WARN_NO_VERIFY, WARN_TRUSTED_HOST),
    )


RULE = Rule(id=ID, check=check,
            description="TLS verification failed: which certificate, which CA bundle",
            families=_network.FAMILIES)
