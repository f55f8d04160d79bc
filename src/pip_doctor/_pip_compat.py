"""What pip-doctor needs to know about the installed pip, across versions."""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable
from typing import Optional

MessageFunction = Callable[[OSError, bool, bool], str]

#: The names of pip's message function, newest first (20.x used the second).
MESSAGE_FUNCTION_NAMES = ("create_os_error_message", "create_env_error_message")

def original_message_function() -> Optional[MessageFunction]:
    """pip's own message function (pip-doctor never replaces it)."""
    try:
        from pip._internal.commands import install
    except Exception:
        return None
    for name in MESSAGE_FUNCTION_NAMES:
        function = getattr(install, name, None)
        if callable(function):
            return function  # type: ignore[no-any-return]
    return None


def pip_message(error: OSError, show_traceback: bool, using_user_site: bool) -> str:
    """Exactly what the installed pip prints for this error."""
    function = original_message_function()
    if function is not None:
        try:
            return function(error, show_traceback, using_user_site)
        except Exception:
            pass
    return fallback_message(error, show_traceback)


def fallback_message(error: OSError, show_traceback: bool) -> str:
    """pip's wording, for when pip cannot be imported (a tool without pip)."""
    head = "Could not install packages due to an OSError"
    text = f"{head}." if show_traceback else f"{head}: {_describe(error)}"
    text += "\n"
    try:
        denied = getattr(error, "errno", None) == errno.EACCES
    except Exception:
        denied = False
    if denied:
        text += "Check the permissions.\n"
    return text.strip() + "\n"


def _describe(error: BaseException) -> str:
    """``str(error)``, or its type's name when its ``__str__`` breaks."""
    try:
        return str(error)
    except Exception:
        return type(error).__name__


def pip_version() -> Optional[str]:
    """The version of the pip that is loaded, else of the pip that is
    installed, or None.
    """
    pip = sys.modules.get("pip")
    if pip is None:
        try:
            import pip  # only outside a pip run: the command line, a tool
        except Exception:
            return None
    version = getattr(pip, "__version__", None)
    return version if isinstance(version, str) else None
