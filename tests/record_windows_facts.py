"""Record the facts pip-doctor measures on the Windows CPython under Wine.

    python tests/record_windows_facts.py

runs tests/test_wine.py (root, Wine installed) and writes what the failing
installs measured -- the error, pip's part and every probe's facts -- to
tests/data/windows-recorded.json. tests/test_windows_rules.py builds its
"recorded" cases on those facts, changing only what Wine cannot reproduce
(a registry value, a path's length, an antivirus error code), and says so.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "windows-recorded.json"


def main() -> int:
    OUT.parent.mkdir(exist_ok=True)
    OUT.unlink(missing_ok=True)
    env = {**os.environ, "PIP_DOCTOR_WINE_RECORD": str(OUT), "PIP_DOCTOR_WINE_REQUIRED": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         str(ROOT / "tests" / "test_wine.py")],
        env=env, check=False,
    )
    print(f"recorded: {OUT}" if OUT.is_file() else "nothing recorded")
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
