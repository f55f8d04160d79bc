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
WINDOWS_PYTHON = Link(
    title="Using Python on Windows (per-user installs, the py launcher, the Store)",
    url="https://docs.python.org/3/using/windows.html",
)
WINDOWS_LONG_PATHS = Link(
    title="Maximum path length limitation (Windows)",
    url="https://learn.microsoft.com/en-us/windows/win32/fileio/maximum-file-path-limitation",
)
DEFENDER_HISTORY = Link(
    title="Get-MpThreatDetection: what Microsoft Defender detected",
    url="https://learn.microsoft.com/en-us/powershell/module/defender/get-mpthreatdetection",
)
DEFENDER_SUBMISSION = Link(
    title="Submit a file to Microsoft as a false positive",
    url="https://www.microsoft.com/en-us/wdsi/filesubmission",
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
CHMOD_MANUAL = Link(
    title="chmod: change file mode bits (GNU coreutils manual)",
    url="https://www.gnu.org/software/coreutils/manual/html_node/chmod-invocation.html",
)
TEMPFILE_DOCS = Link(
    title="tempfile.gettempdir: how Python chooses its temporary directory",
    url="https://docs.python.org/3/library/tempfile.html#tempfile.gettempdir",
)
PIP_CACHING = Link(
    title="pip user guide: caching",
    url="https://pip.pypa.io/en/stable/topics/caching/",
)
PIP_CACHE_COMMAND = Link(
    title="pip cache",
    url="https://pip.pypa.io/en/stable/cli/pip_cache/",
)
PIPX = Link(
    title="Installing stand alone command line tools (pipx)",
    url="https://packaging.python.org/en/latest/guides/installing-stand-alone-command-line-tools/",
)
EXTERNALLY_MANAGED_SPEC = Link(
    title="Externally managed environments (PyPA specification)",
    url="https://packaging.python.org/en/latest/specifications/externally-managed-environments/",
)
OVERLAYFS_DOCS = Link(
    title="Overlay filesystem: renaming directories (Linux kernel documentation)",
    url="https://docs.kernel.org/filesystems/overlayfs.html#renaming-directories",
)
PYTHON_ENV_VARS = Link(
    title="Python environment variables: PYTHONUSERBASE",
    url="https://docs.python.org/3/using/cmdline.html#envvar-PYTHONUSERBASE",
)
PIP_UNINSTALL = Link(
    title="pip uninstall",
    url="https://pip.pypa.io/en/stable/cli/pip_uninstall/",
)
FUSER_MANUAL = Link(
    title="fuser: identify processes using files",
    url="https://man7.org/linux/man-pages/man1/fuser.1.html",
)
PIP_REQUIREMENTS_FILES = Link(
    title="pip: requirements file format",
    url="https://pip.pypa.io/en/stable/reference/requirements-file-format/",
)
PIP_LOCAL_PROJECTS = Link(
    title="pip: local project installs (editable installs, build artifacts in the tree)",
    url="https://pip.pypa.io/en/stable/topics/local-project-installs/",
)

__all__ = [
    "CHMOD_MANUAL",
    "DEFENDER_HISTORY",
    "DEFENDER_SUBMISSION",
    "EXTERNALLY_MANAGED_SPEC",
    "FUSER_MANUAL",
    "INSTALLING_TUTORIAL",
    "OVERLAYFS_DOCS",
    "PEP_668",
    "PIPX",
    "PIP_CACHE_COMMAND",
    "PIP_CACHING",
    "PIP_CONFIGURATION",
    "PIP_HTTPS_CERTIFICATES",
    "PIP_LOCAL_PACKAGES",
    "PIP_LOCAL_PROJECTS",
    "PIP_PROXY",
    "PIP_REQUIREMENTS_FILES",
    "PIP_TARGET_OPTION",
    "PIP_UNINSTALL",
    "PIP_USER_INSTALLS",
    "PYTHON_ENV_VARS",
    "TEMPFILE_DOCS",
    "TRUSTSTORE",
    "VENV_DOCS",
    "VENV_GUIDE",
    "WINDOWS_LONG_PATHS",
    "WINDOWS_PYTHON",
]
