"""``proxy-auth-required``: the proxy answers 407 Proxy Authentication Required."""

from __future__ import annotations

from typing import Optional

from pip_doctor import _links
from pip_doctor._model import Diagnosis, Fix, Rule, Situation
from pip_doctor._rules import _network, _proxy
from pip_doctor._rules._common import code
from pip_doctor._shells import shell_commands

ID = "proxy-auth-required"

WARN_PASSWORD = (
    "A password in a proxy URL ends up in your shell history and in the environment "
    "of every program you start; prefer the proxy's own sign-on helper where your "
    "organisation offers one, and never commit it to a pip.conf under version control."
)


def check(situation: Situation) -> Optional[Diagnosis]:
    if _network.kind(situation) != "proxy-auth":
        return None
    proxy = _proxy.proxy(situation)
    evidence = [_network.fetching_line(situation, "was refused by the proxy (407 Proxy "
                                       "Authentication Required) for")]
    if proxy:
        evidence += _proxy.proxy_lines(situation, proxy)
        evidence.append(
            "the proxy URL carries credentials (not shown): the proxy did not accept them"
            if proxy.get("credentials")
            else "the proxy URL carries no user name or password"
        )
    name = _proxy.variable(proxy) if proxy else None
    host = proxy.get("host") if proxy else None
    port = proxy.get("port") if proxy else None
    # without a scheme (requests adds http://), so that it does not read as a
    # URL with credentials, which every report masks
    with_user = (f"USER:PASSWORD@{host}:{port}" if isinstance(host, str)
                 else "USER:PASSWORD@PROXY-HOST:PORT")
    fixes: list[Fix] = []
    if name:
        fixes.append(Fix(
            summary=f"Give the proxy your credentials for this shell: set {name} with your "
            "user name and password (write them in place of USER and PASSWORD; "
            "percent-encode @ and : in them)",
            commands=_network.set_variable_commands(name, with_user),
            safety="review",
        ))
    else:
        fixes.append(Fix(
            summary="Give the proxy your credentials once (write them in place of USER and "
            "PASSWORD)" + _network.placeholder_note(situation),
            commands=shell_commands(
                _network.install_argv(situation, "--proxy", with_user)),
            safety="review",
        ))
    fixes.append(_network.config_debug_fix(situation))
    title = (f"The proxy {code(proxy.get('url'))} requires you to sign in" if proxy
             else "A proxy requires you to sign in (407 Proxy Authentication Required)")
    return Diagnosis(
        id=ID,
        title=title,
        confidence="high",
        evidence=evidence,
        fixes=fixes,
        links=(_links.PIP_PROXY,),
        warnings=(WARN_PASSWORD,),
    )


RULE = Rule(id=ID, check=check, description="the proxy answers 407",
            families=_network.FAMILIES)
