"""``cross-device-rename``: a rename failed with EXDEV (or ENOTEMPTY) on an
overlay filesystem: upgrading a package that lives in a lower (image) layer
of a container. overlayfs cannot rename a lower layer's directory unless it
was mounted with ``redirect_dir``.
"""

from __future__ import annotations

from typing import Optional

from pip_doctor import _fixes, _links
from pip_doctor._model import Confidence, Diagnosis, Fix, Rule, Situation
from pip_doctor._rules._common import code, error_line, text_fact

ID = "cross-device-rename"


def check(situation: Situation) -> Optional[Diagnosis]:
    """The cross-device family, on overlay (high) or elsewhere (medium: two
    filesystems, such as a bind mount in site-packages).
    """
    if situation.error.family != "cross-device":
        return None
    fs_type = text_fact(situation, "path", "fs_type")
    mount = text_fact(situation, "path", "mount_point")
    layer = text_fact(situation, "path", "overlay_layer")
    evidence = [error_line(situation)]
    confidence: Confidence
    if fs_type == "overlay":
        confidence = "high"
        evidence.append(f"{code(mount)} is an overlay filesystem (a container's layers)")
        if layer == "lower":
            evidence.append("the file pip moved lives only in a lower, read-only layer (the "
                            "image), not in the container's own writable layer")
        elif layer == "upper":
            evidence.append("the file is in the writable upper layer")
        else:
            evidence.append("which layer holds it could not be seen from here")
    else:
        confidence = "medium"
        evidence.append(f"pip renamed across two filesystems: {code(mount)} ({fs_type or '?'}) "
                        "and another")
    root = text_fact(situation, "path", "environment_root") or text_fact(
        situation, "environment", "root")
    fixes: list[Fix] = [_fixes.new_venv(situation, avoid=[root])]
    return Diagnosis(
        id=ID,
        title="pip could not move a file "
        + ("between the layers of an overlay filesystem" if fs_type == "overlay"
           else "between two filesystems"),
        confidence=confidence,
        evidence=evidence,
        fixes=fixes,
        links=(_links.OVERLAYFS_DOCS, _links.VENV_GUIDE),
        warnings=("Do not upgrade packages of the base image in place in a running "
                  "container: build a new image (or a venv in the image's own RUN step) "
                  "with the versions you need.",),
    )


RULE = Rule(
    id=ID,
    check=check,
    description="EXDEV / ENOTEMPTY from a rename across overlay layers",
    families=frozenset({"cross-device"}),
)
