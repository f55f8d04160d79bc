"""``index-unreachable``: connection refused, reset or timed out, no proxy involved."""

from __future__ import annotations

from typing import Optional

from pip_doctor import _links
from pip_doctor._model import Diagnosis, Fix, Rule, Situation
from pip_doctor._rules import _network
from pip_doctor._shells import shell_commands

ID = "index-unreachable"

_WHAT = {
    "refused": ("refused the connection", "nothing listens on that port, or a firewall "
                "rejects it"),
    "reset": ("closed the connection without an answer", "a firewall or the server "
              "dropped it"),
    "timeout": ("did not answer in time", "a firewall drops the packets, or the server "
                "is overloaded"),
}

_SHORT = {"refused": "connection refused", "reset": "connection reset",
          "timeout": "timed out"}


def check(situation: Situation) -> Optional[Diagnosis]:
    kind = _network.kind(situation)
    if kind not in _WHAT:
        return None
    proxy = _network.mapping(situation, "network", "proxy")
    if proxy and not proxy.get("bypassed"):
        return None  # through a proxy, the proxy rules speak
    what, why = _WHAT[str(kind)]
    evidence = [_network.fetching_line(situation, "could not connect to")
                + f": {_SHORT[str(kind)]}"]
    timeout = situation.fact("network", "timeout")
    retries = situation.fact("network", "retries")
    evidence.append(f"pip waited {timeout} s per attempt (--timeout) and retried {retries} "
                    "times (--retries)")
    if proxy and proxy.get("bypassed"):
        evidence.append(f"a proxy is set ({proxy.get('url')}) but "
                        f"{proxy.get('no_proxy_variable')} excludes this host")
    else:
        evidence.append("no proxy is configured for this URL")
    index_line = _network.index_line(situation)
    if index_line:
        evidence.append(index_line)
    fixes: list[Fix] = []
    if kind == "timeout":
        fixes.append(Fix(
            summary="Give a slow server more time" + _network.placeholder_note(situation),
            commands=shell_commands(_network.install_argv(situation, "--timeout", "60",
                                                          "--retries", "10")),
            safety="safe",
        ))
    fixes += [_network.config_debug_fix(situation), _network.offline_fix(situation)]
    return Diagnosis(
        id=ID,
        title=f"{_network.host_port(situation)} {what} ({why})",
        confidence="high",
        evidence=evidence,
        fixes=fixes,
        links=(_links.PIP_CONFIGURATION, _links.PIP_LOCAL_PACKAGES),
    )


RULE = Rule(id=ID, check=check, description="connection refused, reset or timed out, no proxy",
            families=_network.FAMILIES)
