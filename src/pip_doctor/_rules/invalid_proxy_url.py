"""``invalid-proxy-url``: the proxy setting is not a valid URL."""

from __future__ import annotations

from typing import Optional

from pip_doctor import _links
from pip_doctor._model import Diagnosis, Fix, Rule, Situation
from pip_doctor._rules import _network, _proxy
from pip_doctor._rules._common import code

ID = "invalid-proxy-url"


def check(situation: Situation) -> Optional[Diagnosis]:
    if _network.kind(situation) != "invalid-proxy":
        return None
    proxy = _proxy.proxy(situation)
    evidence = ["pip could not use its proxy setting: "
                + str(situation.fact("network", "reported") or "")[:200]]
    if proxy:
        evidence.append(f"the proxy is {code(proxy.get('url'))} (shown without credentials), "
                        f"set by {proxy.get('source')}")
        if proxy.get("problem"):
            evidence.append(f"that is not a usable proxy URL: {proxy.get('problem')}")
    fixes: list[Fix] = []
    name = _proxy.variable(proxy) if proxy else None
    if name:
        fixes.append(Fix(
            summary=f"Set {name} to a full proxy URL for this shell (write yours in place of "
            f"{_proxy.PROXY_PLACEHOLDER}; a user and password go before the host, "
            "as USER:PASSWORD@, percent-encoded)",
            commands=_network.set_variable_commands(name, _proxy.PROXY_PLACEHOLDER),
            safety="safe",
        ))
        fixes.append(Fix(
            summary=f"Or, if this network needs no proxy, unset {name} for this shell",
            commands=_network.unset_variable_commands(name),
            safety="safe",
        ))
    fixes.append(_network.config_debug_fix(situation))
    return Diagnosis(
        id=ID,
        title="The proxy setting is not a valid proxy URL"
        + (f" ({proxy.get('source')})" if proxy else ""),
        confidence="high",
        evidence=evidence,
        fixes=fixes,
        links=(_links.PIP_PROXY, _links.PIP_CONFIGURATION),
    )


RULE = Rule(id=ID, check=check, description="the proxy setting is not a valid URL",
            families=_network.FAMILIES)
