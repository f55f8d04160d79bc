"""``host-not-resolved``: the index or file host does not resolve."""

from __future__ import annotations

from typing import Optional

from pip_doctor import _links
from pip_doctor._model import Confidence, Diagnosis, Rule, Situation
from pip_doctor._rules import _network
from pip_doctor._rules._common import code

ID = "host-not-resolved"


def check(situation: Situation) -> Optional[Diagnosis]:
    if _network.kind(situation) != "dns":
        return None
    host = situation.fact("network", "host")
    name = host if isinstance(host, str) else "the host"
    evidence = [_network.fetching_line(situation, "could not resolve the name of")]
    confidence: Confidence = "high"
    lookup = _network.mapping(situation, "network-probes", "lookup")
    if lookup:
        addresses = lookup.get("addresses")
        if isinstance(addresses, list) and addresses:
            evidence.append(f"{name} resolves just now (to {', '.join(map(str, addresses))}): "
                            "the failure was temporary, or pip ran with another resolver")
            confidence = "medium"
        else:
            evidence.append(f"a lookup of {name} just now failed too: {lookup.get('error')}")
    else:
        missing = _network.not_measured(situation)
        if missing:
            evidence.append(f"{name} was not looked up again: {missing}")
    index = _network.mapping(situation, "network", "index")
    index_line = _network.index_line(situation)
    if index_line:
        evidence.append(index_line)
    if index.get("host") == host:
        evidence.append(f"{name} is the index's host: check that URL for a typo")
    if name.endswith((".invalid", ".example", ".test", ".localhost")):
        evidence.append(f"{code(name)} is under a reserved name that never resolves")
    proxy = _network.mapping(situation, "network", "proxy")
    if proxy and not proxy.get("bypassed"):
        evidence.append(f"a proxy ({code(proxy.get('url'))}) is set and was not used for the "
                        "name: check NO_PROXY")
    return Diagnosis(
        id=ID,
        title=f"{name} does not resolve (offline, DNS, or a typo in the index URL)",
        confidence=confidence,
        evidence=evidence,
        fixes=[_network.config_debug_fix(situation), _network.offline_fix(situation)],
        links=(_links.PIP_CONFIGURATION, _links.PIP_LOCAL_PACKAGES),
    )


RULE = Rule(id=ID, check=check, description="the index or file host does not resolve",
            families=_network.FAMILIES)
