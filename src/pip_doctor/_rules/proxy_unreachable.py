"""``proxy-unreachable``: a proxy is configured and cannot be connected to."""

from __future__ import annotations

from typing import Optional

from pip_doctor import _links
from pip_doctor._model import Confidence, Diagnosis, Fix, Rule, Situation
from pip_doctor._rules import _network, _proxy

ID = "proxy-unreachable"


def check(situation: Situation) -> Optional[Diagnosis]:
    if _network.kind(situation) != "proxy-connect":
        return None
    proxy = _proxy.proxy(situation)
    if not proxy or proxy.get("bypassed"):
        return None
    evidence = [_network.fetching_line(situation, "could not reach the proxy for")]
    evidence += _proxy.proxy_lines(situation, proxy)
    confidence: Confidence = "high"
    measured = _network.mapping(situation, "network-probes", "proxy_connect")
    where = f"{proxy.get('host')}:{proxy.get('port')}"
    if measured:
        if measured.get("connected"):
            evidence.append(f"a TCP connect to {where} succeeded just now: the proxy is "
                            "up again, or refuses only some requests")
            confidence = "medium"
        else:
            evidence.append(f"a TCP connect to {where} just now: {measured.get('outcome')} "
                            f"({measured.get('error')})")
    else:
        missing = _network.not_measured(situation)
        if missing:
            evidence.append(f"whether {where} accepts connections was not measured: {missing}")
    fixes: list[Fix] = []
    name = _proxy.variable(proxy)
    if name:
        fixes.append(Fix(
            summary=f"If the proxy moved: set {name} to the right one for this shell "
            f"(write it in place of {_proxy.PROXY_PLACEHOLDER})",
            commands=_network.set_variable_commands(name, _proxy.PROXY_PLACEHOLDER),
            safety="safe",
        ))
    fixes += _proxy.unset_fixes(situation, proxy)
    return Diagnosis(
        id=ID,
        title=f"The proxy {proxy.get('url')} cannot be reached",
        confidence=confidence,
        evidence=evidence,
        fixes=fixes,
        links=(_links.PIP_PROXY, _links.PIP_CONFIGURATION),
    )


RULE = Rule(id=ID, check=check, description="the configured proxy cannot be reached",
            families=_network.FAMILIES)
