"""What the three proxy rules share: the proxy as evidence, and how to set,
unset or bypass it for this shell."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from pip_doctor._model import Fix, Situation
from pip_doctor._rules import _network
from pip_doctor._rules._common import code
from pip_doctor._shells import shell_commands

#: Stands for the proxy the user should use.
PROXY_PLACEHOLDER = "http://PROXY-HOST:PORT"


def proxy(situation: Situation) -> Mapping[str, Any]:
    return _network.mapping(situation, "network", "proxy")


def variable(proxy_facts: Mapping[str, Any]) -> Optional[str]:
    """The environment variable that set the proxy, when one did."""
    source = proxy_facts.get("source")
    if isinstance(source, str) and source.startswith("the ") and source.endswith(
            " environment variable"):
        name = source[len("the "):-len(" environment variable")]
        return name
    return None


def proxy_lines(situation: Situation, proxy_facts: Mapping[str, Any]) -> list[str]:
    lines = [f"the proxy is {code(proxy_facts.get('url'))}, set by {proxy_facts.get('source')}"]
    no_proxy = proxy_facts.get("no_proxy")
    host = situation.fact("network", "host")
    if isinstance(no_proxy, str) and isinstance(host, str):
        lines.append(
            f"{proxy_facts.get('no_proxy_variable')}={no_proxy} does not cover {host}"
            if not proxy_facts.get("bypassed")
            else f"{proxy_facts.get('no_proxy_variable')}={no_proxy} covers {host}")
    elif isinstance(host, str) and proxy_facts.get("source", "").startswith("the "):
        lines.append(f"no NO_PROXY is set, so requests to {host} go through the proxy")
    return lines


def unset_fixes(situation: Situation, proxy_facts: Mapping[str, Any]) -> list[Fix]:
    """Stop using the proxy (for this shell), or bypass it for the index host."""
    fixes: list[Fix] = []
    name = variable(proxy_facts)
    if name:
        fixes.append(Fix(
            summary=f"If this network needs no proxy: unset {name} for this shell",
            commands=_network.unset_variable_commands(name),
            safety="safe",
        ))
    elif "--proxy" not in str(proxy_facts.get("source")):
        fixes.append(Fix(
            summary="If this network needs no proxy: remove `proxy` from your pip "
            "configuration (`pip config debug` shows the file)",
            commands=shell_commands(_network.pip_argv(situation, "config", "--user", "unset",
                                                      "global.proxy")),
            safety="review",
        ))
    host = situation.fact("network", "host")
    if isinstance(host, str) and name:
        current = proxy_facts.get("no_proxy")
        value = f"{current},{host}" if isinstance(current, str) and current else host
        fixes.append(Fix(
            summary=f"If {host} is reachable without the proxy (an internal index): "
            "add it to NO_PROXY for this shell",
            commands=_network.set_variable_commands("NO_PROXY", value),
            safety="safe",
        ))
    fixes.append(_network.config_debug_fix(situation))
    return fixes
