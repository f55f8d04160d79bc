"""``python -m pip_doctor``: the ``pip-doctor`` command line."""

from __future__ import annotations

from pip_doctor._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
