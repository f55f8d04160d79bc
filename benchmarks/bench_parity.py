"""Totals of the parity guard's timed runs: pip with pip-doctor on, off, absent.

The parity guard (``tests/test_pip_parity.py``) runs a table of real pip
commands with pip-doctor active, with ``PIP_DOCTOR_DISABLE=1`` and (full
table) without pip-doctor installed, and records each run's wall time::

    PIP_DOCTOR_PARITY=full PIP_DOCTOR_PARITY_TIMES=/tmp/parity.jsonl \\
        python3 tests/run_all.py -e e2e-pip2124,e2e-pip2301,e2e-pip263 -- -k parity
    python3 benchmarks/bench_parity.py /tmp/parity.jsonl

This prints, per pip, the summed seconds of each kind of run and two
ratios (on/off: active to disabled; off/absent: disabled to bare), separately
for the commands pip completes and for the ones it fails (where pip-doctor's
diagnosis runs, and pip waits for it). One
run per command and kind, on a machine running tests: a rough figure, not a
measurement (README "What it costs" has those).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

KINDS = ("active", "disabled", "bare")


def read(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def totals(records: Iterable[Mapping[str, object]]) -> dict[tuple[str, str], dict[str, float]]:
    """Seconds summed by (pip, "pip succeeds" / "pip fails"): ``active`` and
    ``disabled`` over every command; ``bare`` and ``disabled-vs-bare`` (the
    disabled runs of the same commands) over the commands that had a bare run.

    A command counts as failing when its disabled run (pip alone) failed.
    """
    by_case: dict[tuple[str, str], dict[str, Mapping[str, object]]] = defaultdict(dict)
    for record in records:
        by_case[(str(record["pip"]), str(record["case"]))][str(record["run"])] = record
    summed: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (pip, _case), runs in by_case.items():
        if "active" not in runs or "disabled" not in runs:
            continue
        outcome = "pip fails" if runs["disabled"]["status"] else "pip succeeds"
        row = summed[(pip, outcome)]
        row["commands"] += 1
        for kind in ("active", "disabled"):
            row[kind] += seconds(runs[kind])
        if "bare" in runs:
            row["bare"] += seconds(runs["bare"])
            row["disabled-vs-bare"] += seconds(runs["disabled"])
    return summed


def seconds(record: Mapping[str, object]) -> float:
    value = record["seconds"]
    assert isinstance(value, (int, float)), record
    return float(value)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def ratio(top: float, bottom: float) -> str:
    return f"{top / bottom:.3f}" if bottom else "-"


def report(summed: Mapping[tuple[str, str], Mapping[str, float]]) -> list[str]:
    lines = [f"{'pip':<8} {'commands':<13} {'n':>3} " + " ".join(f"{k:>9}" for k in KINDS)
             + "  on/off  off/absent"]
    for pip, outcome in sorted(summed, key=lambda key: (version_key(key[0]), key[1])):
        row = summed[(pip, outcome)]
        cells = " ".join(f"{row[k]:>8.2f}s" if k in row else f"{'-':>9}" for k in KINDS)
        lines.append(f"{pip:<8} {outcome:<13} {int(row['commands']):>3} {cells}  "
                     f"{ratio(row['active'], row['disabled']):>6}  "
                     f"{ratio(row.get('disabled-vs-bare', 0), row.get('bare', 0)):>10}")
    lines.append("on/off: active / disabled, every command; off/absent: disabled / bare, "
                 "the commands run without pip-doctor installed too")
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("times", type=Path, help="the PIP_DOCTOR_PARITY_TIMES file")
    args = parser.parse_args(argv)
    print("\n".join(report(totals(read(args.times)))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
