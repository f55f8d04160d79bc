"""Stable public documentation that diagnoses link to.

Each constant is a :class:`~pip_doctor._model.Link`; rules pick the ones that
fit their cause. Only long-lived URLs: the Python Packaging User Guide, pip's
user guide, the standard library's docs and the PEPs.
"""

from __future__ import annotations

from pip_doctor._model import Link

VENV_GUIDE = Link(
    title="Install packages in a virtual environment using pip and venv",
    url="https://packaging.python.org/en/latest/guides/"
    "installing-using-pip-and-virtual-environments/",
)
INSTALLING_TUTORIAL = Link(
    title="Installing packages (Python Packaging User Guide)",
    url="https://packaging.python.org/en/latest/tutorials/installing-packages/",
)
PIP_USER_INSTALLS = Link(
    title="pip user guide: user installs",
    url="https://pip.pypa.io/en/stable/user_guide/#user-installs",
)
VENV_DOCS = Link(title="venv: creation of virtual environments", url="https://docs.python.org/3/library/venv.html")
PEP_668 = Link(
    title="PEP 668: marking Python base environments as externally managed",
    url="https://peps.python.org/pep-0668/",
)
PIP_TARGET_OPTION = Link(
    title="pip install options: --target, --prefix, --root, --user",
    url="https://pip.pypa.io/en/stable/cli/pip_install/#options",
)

PIP_HTTPS_CERTIFICATES = Link(
    title="pip: HTTPS certificates (--cert, truststore)",
    url="https://pip.pypa.io/en/stable/topics/https-certificates/",
)
TRUSTSTORE = Link(
    title="truststore: verify certificates with the system's trust store",
    url="https://truststore.readthedocs.io/",
)
PIP_PROXY = Link(
    title="pip user guide: using a proxy server",
    url="https://pip.pypa.io/en/stable/user_guide/#using-a-proxy-server",
)
PIP_CONFIGURATION = Link(
    title="pip: configuration (files, environment variables, pip config debug)",
    url="https://pip.pypa.io/en/stable/topics/configuration/",
)
PIP_LOCAL_PACKAGES = Link(
    title="pip user guide: installing from local packages (--no-index --find-links)",
    url="https://pip.pypa.io/en/stable/user_guide/#installing-from-local-packages",
)

__all__ = [
    "INSTALLING_TUTORIAL",
    "PEP_668",
    "PIP_CONFIGURATION",
    "PIP_HTTPS_CERTIFICATES",
    "PIP_LOCAL_PACKAGES",
    "PIP_PROXY",
    "PIP_TARGET_OPTION",
    "PIP_USER_INSTALLS",
    "TRUSTSTORE",
    "VENV_DOCS",
    "VENV_GUIDE",
]
