"""``blocked-by-security-software``: on Windows, antivirus or endpoint security
holds or quarantines a file pip just wrote.

The evidence: WinError 225 ("the file contains a virus or potentially
unwanted software") or 226, in the error or one behind it; or EINVAL or
WinError 5 on pip's own freshly written temporary files (``pip-unpack-*``,
``pip-install-*``...), which no other account owns and nothing else should
hold, when this account's rights there were measured and allow it.
"""

from __future__ import annotations

import errno
import re
from typing import Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Command, Confidence, Diagnosis, Fix, Rule, Situation
from pip_doctor._rules._common import code, error_line, text_fact
from pip_doctor._shells import quote

ID = "blocked-by-security-software"
#: ERROR_VIRUS_INFECTED, ERROR_VIRUS_DELETED.
VIRUS_WINERRORS = frozenset({225, 226})
#: The temporary directories pip creates for itself.
_PIP_TEMP = re.compile(r"[\\/]pip-(unpack|install|req-build|ephem-wheel-cache|target|"
                       r"build-env|wheel|modern-metadata)-[^\\/]*", re.IGNORECASE)

WARN_EXCLUSION = (
    "Do not turn off real-time protection, and do not exclude your whole profile, "
    "%TEMP% or Downloads: everything downloaded there would go unscanned. If your "
    "organisation manages the antivirus, ask it instead."
)


def pip_temp_file(situation: Situation) -> Optional[str]:
    """The failing name when it lies in one of pip's own temporary directories."""
    for error in situation.error.errors:
        for name in (error.filename, error.filename2):
            if name and _PIP_TEMP.search(name):
                return name
    return None


def _virus_error(situation: Situation) -> bool:
    return any(e.winerror in VIRUS_WINERRORS for e in situation.error.errors)


def check(situation: Situation) -> Optional[Diagnosis]:
    if not _fixes.is_windows(situation):
        return None
    virus = _virus_error(situation)
    temp_file = pip_temp_file(situation)
    confidence: Confidence
    evidence = [error_line(situation)]
    if virus:
        confidence = "high"
        evidence.append("Windows reports that security software found a virus or unwanted "
                        "software in the file and blocked or removed it")
    elif temp_file is not None and any(
        e.errno == errno.EINVAL or e.winerror == 5 for e in situation.error.errors
    ):
        if situation.fact("path", "writable") is False:
            return None  # the account may not write there: a permission cause, not this
        confidence = "medium"
        evidence.append(f"{code(temp_file)} is one of pip's own temporary files, written "
                        "moments before by this same pip; antivirus scanning or holding "
                        "new files is the usual reason Windows then refuses them")
        if situation.fact("path", "writable") is True:
            evidence.append("your account may write there (Windows' access check)")
    else:
        return None
    folder = text_fact(situation, "path", "nearest_existing") or "DIRECTORY"
    fixes = [
        _fixes.pip_install(situation, _fixes.python_of(situation),
                           "Run the command again: a scan that held the file is often over"),
        Fix(
            summary="See what Microsoft Defender detected, and when",
            commands=(Command(
                shell="powershell",
                text="Get-MpThreatDetection | Sort-Object InitialDetectionTime -Descending "
                "| Select-Object -First 5"),),
            safety="safe",
        ),
        Fix(
            summary="If it is a false positive, report the file to your antivirus vendor "
            "(for Defender: the submission link below)",
            safety="safe",
        ),
        Fix(
            summary=f"Only if you trust the package: exclude the one folder {folder} from "
            "scanning (needs an elevated shell; undo it with Remove-MpPreference)",
            commands=(Command(
                shell="powershell",
                text="Add-MpPreference -ExclusionPath " + quote(folder, "powershell")),),
            safety="review",
        ),
    ]
    return Diagnosis(
        id=ID,
        title="Security software (antivirus) blocked a file pip wrote",
        confidence=confidence,
        evidence=evidence,
        fixes=fixes,
        links=(_links.DEFENDER_HISTORY, _links.DEFENDER_SUBMISSION),
        warnings=(WARN_EXCLUSION,),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="Windows: antivirus blocked or quarantined a file pip wrote",
    families=frozenset({"permission", "other", "name", "missing", "in-use"}),
)
