"""Every speed target of pip-doctor 0.2, measured side by side in one run.

Run by hand as root, on quiet cores (not a test)::

    python benchmarks/bench_targets.py [--pass-pairs 400] [--stdlib-pairs 40]
        [--pip-pairs 50] [--child-runs 40] [--hang-pairs 8] [--pip 26.3 ...]

It prints the load average before and after, the details of each
measurement, then one table: the target, the figure measured, met or not.

1. ``python -c pass`` with pip-doctor installed against a bare ``import sys``
   ``.pth`` line, on Debian's ``/usr/bin/python3`` and on the ``python3``
   running this script (pyenv's unoptimised build): target 0.05 ms. The
   figure is ``site``'s ``exec`` of each line, timed in one process (what the
   line adds; ``bench_startup.py``); the whole-process difference, a median
   of interleaved pairs with a 95% bootstrap interval, is shown beside it, but
   cannot resolve tens of microseconds.
2. A program importing 200+ stdlib modules, with pip-doctor against without:
   target 0.1 ms. In a process that does not run pip, pip-doctor installs no
   import finder (checked here); the whole-process difference is shown too.
3. A no-op ``pip install`` of an installed wheel ("Requirement already
   satisfied"), pip-doctor active against ``PIP_DOCTOR_DISABLE=1`` in the same
   environment (Debian's python3), for every pip of tox.ini's matrix: target a
   ratio of at most 1.01. Pairs are interleaved (the order alternates), each
   process's CPU time comes from ``wait4``; the figure is the median of the
   pairs' ratios with a 95% bootstrap interval, and the target counts as met
   when the interval's upper end is at most 1.01, for CPU time and wall time.
4. The failure path: the child that diagnoses a failure, as pip starts it and
   waits for it (``pip_doctor._pip_hook.run_child``, start included), on an
   environment of 20,000 files, with a generous deadline (the whole
   distribution) and then with pip's default of 0.5 s: target p95 at most
   0.5 s. Measured with Debian's python3 and with this script's.
5. A probe hung for good: a plugin probe blocked in ``read(2)`` on a pipe no
   one writes to (the diagnosis leaves it behind), and one that stops its whole
   process (as a system call on a hung mount holds it; pip kills it). A real
   ``pip install`` that fails with an ``OSError`` (``--target`` under a file:
   ``NotADirectoryError``, which pip 26.3 reports as an unhandled error) is
   timed against the same command with ``PIP_DOCTOR_DISABLE=1``: pip's extra
   time, less the 0.5 s deadline, is how long pip was held past it (target:
   not at all; 0.05 s is allowed for starting and killing the child).

Whole-process times on a shared machine scatter by more than targets 1 and 3
are about, so both are also counted in instructions (``--count-repeats``
runs of each process under ``valgrind --tool=cachegrind --cache-sim=no``,
``PYTHONHASHSEED=0``, pip with ``--disable-pip-version-check``): a count
repeats to within 0.2% whatever else the machine does. A difference in
instructions is turned into milliseconds at the rate of the same process run
natively (its median instructions over its median CPU time in the pairs),
an estimate: it assumes the extra instructions run as fast as the average
one. ``--counts-only`` skips targets 2, 4 and 5 and the first-exec timing,
and times only a few pairs (for that rate).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_diagnose  # noqa: E402  (the tree of 20,000 files, the child's timing)
import bench_startup  # noqa: E402  (the start-up environments; puts tests/ on sys.path)

import scenarios  # noqa: E402

#: pip's default deadline for the diagnosis (``PIP_DOCTOR_TIMEOUT``).
DEADLINE = 0.5
#: Allowed for starting, killing and reaping the child past the deadline.
KILL_SLACK = 0.05

Timing = tuple[float, float]  # (wall seconds, CPU seconds of the process)
Row = tuple[str, str, str]  # (target, figure, verdict)


def tox_pips() -> list[str]:
    """The pip versions of tox.ini's matrix (``PIP_DOCTOR_TEST_PIP``), in order."""
    text = (HERE.parent / "tox.ini").read_text()
    return re.findall(r"^\s*pip\d+: PIP_DOCTOR_TEST_PIP = (\S+)\s*$", text, re.MULTILINE)


def run_timed(argv: Sequence[str], env: Mapping[str, str], expect: Callable[[int], bool]
              ) -> Timing:
    """Wall time and CPU time (user + system, from ``wait4``) of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=env)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if not expect(process.returncode):
        raise SystemExit(f"unexpected exit status {process.returncode}: {' '.join(argv)}")
    return wall, usage.ru_utime + usage.ru_stime


def succeeds(status: int) -> bool:
    return status == 0


def fails(status: int) -> bool:
    return status != 0


Command = tuple[Sequence[str], Mapping[str, str]]


def pairs(a: Command, b: Command, count: int, expect: Callable[[int], bool] = succeeds
          ) -> list[tuple[Timing, Timing]]:
    """``count`` interleaved pairs (A then B, then B then A, ...) after one warm-up each."""
    run_timed(*a, expect)
    run_timed(*b, expect)
    found = []
    for index in range(count):
        if index % 2:
            second = run_timed(*b, expect)
            first = run_timed(*a, expect)
        else:
            first = run_timed(*a, expect)
            second = run_timed(*b, expect)
        found.append((first, second))
    return found


def bootstrap(values: Sequence[float], resamples: int = 2000) -> tuple[float, float]:
    """A 95% percentile bootstrap interval of the median of ``values``."""
    rng = random.Random(12)
    medians = sorted(statistics.median(rng.choices(values, k=len(values)))
                     for _ in range(resamples))
    return medians[int(0.025 * resamples)], medians[int(0.975 * resamples) - 1]


def summary(values: Sequence[float], scale: float, unit: str, digits: int) -> str:
    """Median [95% interval] (quartiles) of ``values`` times ``scale``."""
    low, high = bootstrap(values)
    q1, _q2, q3 = statistics.quantiles(values, n=4)
    f = f".{digits}f"
    return (f"{statistics.median(values) * scale:{f}}{unit} "
            f"[{low * scale:{f}}, {high * scale:{f}}] "
            f"(quartiles {q1 * scale:{f}}-{q3 * scale:{f}})")


def differences(found: Sequence[tuple[Timing, Timing]], which: int) -> list[float]:
    return [a[which] - b[which] for a, b in found]


def ratios(found: Sequence[tuple[Timing, Timing]], which: int) -> list[float]:
    return [a[which] / b[which] for a, b in found]


def clean_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items()
            if not key.startswith(("PIP_DOCTOR", "PYTHON"))}


#: Counts the instructions a process executes (user space), nothing else.
VALGRIND = ("valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null")
INSTRUCTIONS = re.compile(r"^==\d+== I\s+refs:\s+([\d,]+)\s*$", re.MULTILINE)


def instructions(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """The instructions one run of ``argv`` executes (``PYTHONHASHSEED=0``)."""
    done = subprocess.run([*VALGRIND, *argv], stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env={**env, "PYTHONHASHSEED": "0"})
    found = INSTRUCTIONS.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"counting failed ({done.returncode}): {' '.join(argv)}\n{done.stderr}")
    return int(found.group(1).replace(",", ""))


def counts(commands: Mapping[str, Command], repeats: int) -> dict[str, list[int]]:
    """``repeats`` instruction counts of each command, in rounds."""
    found: dict[str, list[int]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, (argv, env) in commands.items():
            found[name].append(instructions(argv, env))
    return found


def spread(values: Sequence[int]) -> str:
    """Median (min-max) of instruction counts, in thousands."""
    return (f"{statistics.median(values) / 1e3:,.0f}k "
            f"({min(values) / 1e3:,.0f}k-{max(values) / 1e3:,.0f}k)")


def per_ms(values: Sequence[int], cpu: Sequence[float]) -> float:
    """Instructions per millisecond of CPU time of the same process run natively."""
    return statistics.median(values) / (statistics.median(cpu) * 1000)


# ------------------------------------------------------------------ 1 and 2: start-up


#: The first ``exec`` of a ``.pth`` line in a fresh process, as ``site`` runs it
#: (after the venv's other ``.pth`` files): the line comes from the environment,
#: so that the command line does not mention pip.
FIRST_EXEC = """
import os, time
line = os.environ["PD_BENCH_LINE"]
start = time.perf_counter()
exec(line)
print(time.perf_counter() - start)
"""


def first_exec_costs(python: str, runs: int) -> dict[str, list[float]]:
    """Seconds of the first ``exec`` of each line in ``runs`` fresh processes each, interleaved."""
    lines = {"bare": "import sys", "doctor": bench_startup.PTH.read_text().strip()}
    found: dict[str, list[float]] = {name: [] for name in lines}
    for _ in range(runs):
        for name, line in lines.items():
            done = subprocess.run([python, "-c", FIRST_EXEC], capture_output=True, text=True,
                                  check=True, env={**clean_env(), "PD_BENCH_LINE": line})
            found[name].append(float(done.stdout))
    return found


#: The cheapest ``.pth`` line that tests anything at all (it does nothing, and
#: fails on Python 3.9, which has no ``sys.orig_argv``): what any start-up test
#: for pip costs at the least, measured beside pip-doctor's line.
FLOOR_LINE = "import sys;'pip'in str(sys.orig_argv)and sys\n"


def measure_startup(base: Path, python: str, args: argparse.Namespace, rows: list[Row]) -> None:
    env = clean_env()
    venvs = bench_startup.build_python(base, python)
    # for the instruction counts only: pip-doctor's line alone, the cheapest
    # possible test alone, pip-doctor's dependencies alone
    venvs["line"] = scenarios.make_venv(base / "linexx", python=python)
    (scenarios.site_packages(venvs["line"]) / "bare_import.pth").write_text(
        bench_startup.PTH.read_text())
    venvs["floor"] = scenarios.make_venv(base / "floorx", python=python)
    (scenarios.site_packages(venvs["floor"]) / "bare_import.pth").write_text(FLOOR_LINE)
    venvs["deps"] = scenarios.make_venv(base / "depsxx", python=python)
    scenarios.run_checked([str(venvs["deps"] / "bin" / "python"), "-m", "pip", "install", "-q",
                           "--no-index", "--find-links", str(scenarios.wheelhouse()),
                           "attrs", "pluggy", "packaging"])

    def run(name: str, *argv: str) -> Command:
        return [str(venvs[name] / "bin" / "python"), *argv], env

    found = pairs(run("doctor", "-c", "pass"), run("bare", "-c", "pass"), args.pass_pairs)
    whole = summary(differences(found, 0), 1000, " ms", 3)
    counted = counts({name: run(name, "-c", "pass") for name in venvs}, args.count_repeats)
    rate = per_ms(counted["bare"], [b[1] for _, b in found])

    def minus(a: str, b: str) -> float:
        return statistics.median(counted[a]) - statistics.median(counted[b])

    extra = minus("doctor", "bare")
    print(f"{python}: python -c pass, instructions, {args.count_repeats} runs each: "
          + ", ".join(f"{name} {spread(values)}" for name, values in counted.items())
          + f"; {rate / 1e3:,.0f}k per ms of CPU (bare, natively); doctor - bare "
          f"{extra / 1e3:+,.1f}k (~{extra / rate:+.3f} ms): pip-doctor's line instead of "
          f"`import sys` {minus('line', 'bare') / 1e3:+,.1f}k, the dependencies' files "
          f"{minus('deps', 'plain') / 1e3:+,.1f}k, the rest (pip-doctor's own files) "
          f"{(extra - minus('line', 'bare') - minus('deps', 'plain')) / 1e3:+,.1f}k; "
          f"bare - plain {minus('bare', 'plain') / 1e3:+,.1f}k; the cheapest test "
          f"({FLOOR_LINE.strip()!r}) instead of `import sys` "
          f"{minus('floor', 'bare') / 1e3:+,.1f}k (~{minus('floor', 'bare') / rate:+.3f} ms)")
    counted_figure = (f"instructions: {extra / 1e3:+,.0f}k of "
                      f"{statistics.median(counted['bare']) / 1e6:.1f}M, ~{extra / rate:+.3f} ms "
                      f"at {rate / 1e3:,.0f}k per ms (the line "
                      f"{minus('line', 'bare') / 1e3:+,.0f}k; the cheapest line that tests "
                      f"anything {minus('floor', 'bare') / 1e3:+,.0f}k, "
                      f"~{minus('floor', 'bare') / rate:+.3f} ms)")
    if args.counts_only:
        rows.append((f"`python -c pass`, pip-doctor vs a bare `import sys` .pth line, {python}",
                     f"{counted_figure}; whole process {whole}",
                     verdict(extra / rate <= 0.05, "target 0.05 ms, estimated from instructions")))
        return
    costs = bench_startup.pth_line_costs(str(venvs["doctor"] / "bin" / "python"))
    hot = costs["doctor"] - costs["bare"]
    first = first_exec_costs(str(venvs["plain"] / "bin" / "python"), args.pass_pairs // 4)
    cold = [a - b for a, b in zip(first["doctor"], first["bare"])]
    print(f"{python}: .pth line, best of 9 x 2000 in one process: bare "
          f"{costs['bare'] * 1e6:.1f} us, pip-doctor {costs['doctor'] * 1e6:.1f} us; "
          f"first exec in a fresh process ({len(cold)} each): bare "
          f"{statistics.median(first['bare']) * 1e6:.1f} us, pip-doctor "
          f"{statistics.median(first['doctor']) * 1e6:.1f} us, difference "
          f"{summary(cold, 1000, ' ms', 3)}; python -c pass, doctor - bare, "
          f"{len(found)} pairs: wall {whole}, CPU {summary(differences(found, 1), 1000, ' ms', 3)}")
    rows.append((f"`python -c pass`, pip-doctor vs a bare `import sys` .pth line, {python}",
                 f"the line's first exec +{statistics.median(cold) * 1e3:.3f} ms "
                 f"(+{hot * 1e3:.3f} ms at best, repeated); {counted_figure}; "
                 f"whole process {whole}",
                 verdict(extra / rate <= 0.05 and statistics.median(cold) <= 0.05e-3,
                         "target 0.05 ms, instructions and the line's first exec")))

    finder = subprocess.run(  # a command line that does not mention pip, as the program's
        [str(venvs["doctor"] / "bin" / "python"), "-c",
         "import sys; boot = '_p' + 'ip_doctor_boot'; "
         "print(any(getattr(f, '__name__', '') == boot for f in sys.meta_path))"],
        env=env, check=True, capture_output=True, text=True).stdout.strip()
    found = pairs(run("doctor", "-c", bench_startup.STDLIB_PROGRAM),
                  run("plain", "-c", bench_startup.STDLIB_PROGRAM), args.stdlib_pairs)
    whole = summary(differences(found, 0), 1000, " ms", 2)
    print(f"{python}: 200+ stdlib imports, doctor - plain, {len(found)} pairs: wall {whole}, "
          f"CPU {summary(differences(found, 1), 1000, ' ms', 2)}; "
          f"pip-doctor's finder installed: {finder}")
    rows.append((f"a program importing 200+ stdlib modules, {python}",
                 ("pip-doctor's finder is installed" if finder == "True"
                  else "no finder installed: 0 ms per import") + f"; whole process {whole}",
                 verdict(finder == "False", "target 0.1 ms")))


def verdict(met: bool, target: str) -> str:
    return f"met ({target})" if met else f"NOT met ({target})"


# ------------------------------------------------------------------ 3: no-op installs


def measure_pips(base: Path, wheels: Path, versions: Sequence[str], count: int,
                 repeats: int, rows: list[Row]) -> None:
    env = clean_env()
    venvs = {}
    for version in versions:  # built first, so the timings run back to back
        venv = scenarios.make_venv(base / f"pip-{version}", pip_version=version,
                                   with_pip_doctor=True)
        subprocess.run(bench_startup.pip_install(venv, wheels), check=True, capture_output=True)
        venvs[version] = venv
    for version, venv in venvs.items():
        argv = [*bench_startup.pip_install(venv, wheels), "--disable-pip-version-check"]
        active, disabled = (argv, env), (argv, {**env, "PIP_DOCTOR_DISABLE": "1"})
        found = pairs(active, disabled, count)
        cpu, wall = ratios(found, 1), ratios(found, 0)
        counted = counts({"active": active, "disabled": disabled}, repeats)
        on, off = counted["active"], counted["disabled"]
        ratio = statistics.median(on) / statistics.median(off)
        worst = max(on) / min(off)
        rate = per_ms(off, [b[1] for _, b in found])
        extra = (statistics.median(on) - statistics.median(off)) / rate
        print(f"pip {version}: no-op install, active/disabled, {len(found)} pairs: "
              f"CPU {summary(cpu, 1, '', 4)}, wall {summary(wall, 1, '', 4)}; "
              f"median CPU {statistics.median(t[0][1] for t in found) * 1000:.0f} / "
              f"{statistics.median(t[1][1] for t in found) * 1000:.0f} ms, "
              f"wall {statistics.median(t[0][0] for t in found) * 1000:.0f} / "
              f"{statistics.median(t[1][0] for t in found) * 1000:.0f} ms")
        print(f"  instructions, {repeats} runs each: active {spread(on)}, disabled {spread(off)}; "
              f"ratio {ratio:.4f} (worst pairing {worst:.4f}); ~{extra:+.1f} ms "
              f"at {rate / 1e3:,.0f}k per ms; fastest tenth, CPU: {fastest_tenth(found, 1):.4f}")
        rows.append((f"no-op `pip install`, active vs disabled, pip {version}",
                     f"instructions {ratio:.4f} (worst {worst:.4f}, ~{extra:+.1f} ms); "
                     f"CPU {summary(cpu, 1, '', 4)}; wall {summary(wall, 1, '', 4)}",
                     verdict(worst <= 1.01, "target 1.01, instructions, worst pairing")))


def fastest_tenth(found: Sequence[tuple[Timing, Timing]], which: int) -> float:
    """The ratio of the 10th percentiles (interference only ever adds time)."""
    def tenth(values: list[float]) -> float:
        return statistics.quantiles(values, n=10)[0]

    return tenth([a[which] for a, _ in found]) / tenth([b[which] for _, b in found])


# ------------------------------------------------------------------ 4: the failure path

CHILD_TIMING = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import bench_diagnose
failing, runs = Path(sys.argv[2]), int(sys.argv[3])
generous, _ = bench_diagnose.time_child(failing, runs, 30.0)
in_time, answered = bench_diagnose.time_child(failing, runs, 0.5)
print(json.dumps({"generous": generous, "in_time": in_time, "answered": answered}))
"""


def measure_child(python: str, label: str, failing: Path, runs: int, rows: list[Row]) -> None:
    done = subprocess.run([python, "-c", CHILD_TIMING, str(HERE), str(failing), str(runs)],
                          env=clean_env(), check=True, capture_output=True, text=True)
    data = json.loads(done.stdout)
    generous, in_time = data["generous"], data["in_time"]
    p95 = bench_diagnose.percentile(generous, 0.95)
    print(f"{label}: the child on 20,000 files, {runs} runs: median "
          f"{statistics.median(generous) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max "
          f"{max(generous) * 1000:.0f} ms; under the 0.5 s deadline {data['answered']} of "
          f"{len(in_time)} answered (p95 {bench_diagnose.percentile(in_time, 0.95) * 1000:.0f} ms)")
    rows.append((f"failure path: the child, start included, 20,000 files, {label}",
                 f"median {statistics.median(generous) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms; "
                 f"{data['answered']} of {len(in_time)} within 0.5 s",
                 verdict(p95 <= DEADLINE and data["answered"] >= 0.95 * len(in_time),
                         "target p95 0.5 s")))


# ------------------------------------------------------------------ 5: a hung probe

HUNG_PLUGIN = """
import os
import signal

import pip_doctor


def _blocks(situation):
    if os.environ.get("PD_BENCH_HANG") == "stop":
        os.kill(os.getpid(), signal.SIGSTOP)  # the whole process stops, as on a hung mount
    read_end, _write_end = os.pipe()
    os.read(read_end, 1)  # no one ever writes: blocked in read(2) for good
    return {}


@pip_doctor.hookimpl
def pip_doctor_probes():
    return [pip_doctor.Probe(id="bench/hung", run=_blocks, timeout=10**6)]
"""

#: What pip says under -v for each way of hanging (checked before timing).
HANG_SIGNS = {"read": "pip-doctor", "stop": "no diagnosis: it took longer than 0.5s"}


def measure_hang(base: Path, venv: Path, version: str, wheels: Path, count: int,
                 rows: list[Row]) -> None:
    plugins = base / "hung-plugin"
    scenarios.write_module(plugins, "pd_bench_hung", HUNG_PLUGIN)
    blocker = base / "a-file"
    blocker.write_text("")
    argv = [*bench_startup.pip_install(venv, wheels), "--target", str(blocker / "target")]
    env = {**clean_env(), "PYTHONPATH": str(plugins), "PIP_DOCTOR_PLUGINS": "pd_bench_hung"}
    for way, sign in HANG_SIGNS.items():
        hung = {**env, "PD_BENCH_HANG": way}
        shown = subprocess.run([*argv, "-v"], env=hung, capture_output=True, text=True)
        if shown.returncode == 0 or sign not in shown.stderr or "[Errno 20]" not in shown.stderr:
            raise SystemExit(f"the hung probe ({way}) did not do what it should:\n{shown.stderr}")
        found = pairs((argv, hung), (argv, {**env, "PIP_DOCTOR_DISABLE": "1"}), count, fails)
        past = [extra - DEADLINE for extra in differences(found, 0)]
        print(f"a probe hung ({way}): pip's extra wall time less the deadline, "
              f"{len(found)} pairs: median {statistics.median(past) * 1000:+.0f} ms, "
              f"max {max(past) * 1000:+.0f} ms")
        what = ("blocked in read(2), left behind" if way == "read"
                else "its process stopped, killed by pip")
        rows.append((f"a probe hung for good ({what}), pip {version}: "
                     "pip's exit past the deadline",
                     f"median {statistics.median(past) * 1000:+.0f} ms, "
                     f"max {max(past) * 1000:+.0f} ms",
                     verdict(max(past) <= KILL_SLACK, "target 0, 0.05 s allowed")))


# ------------------------------------------------------------------ the run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append",
                        help="interpreters for targets 1, 2 and 4 (default: Debian's and this one)")
    parser.add_argument("--pip", action="append", help="pip versions (default: tox.ini's)")
    parser.add_argument("--pass-pairs", type=int, default=400)
    parser.add_argument("--stdlib-pairs", type=int, default=40)
    parser.add_argument("--pip-pairs", type=int, default=50)
    parser.add_argument("--child-runs", type=int, default=40)
    parser.add_argument("--hang-pairs", type=int, default=8)
    parser.add_argument("--count-repeats", type=int, default=3,
                        help="instruction counts of each process (targets 1 and 3)")
    parser.add_argument("--counts-only", action="store_true",
                        help="targets 1 and 3 only, counted, with a few timed pairs")
    args = parser.parse_args()
    if args.counts_only:  # pairs only for the instructions' rate per ms
        args.pass_pairs, args.pip_pairs = min(args.pass_pairs, 40), min(args.pip_pairs, 8)
    pythons = args.python or [scenarios.SYSTEM_PYTHON, shutil.which("python3") or "python3"]
    versions = args.pip or tox_pips()
    started = time.monotonic()
    print(f"load average at the start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; "
          f"{os.cpu_count()} CPUs; pips {' '.join(versions)}")
    rows: list[Row] = []
    base = Path(tempfile.mkdtemp(prefix="pd-targets-"))
    try:
        # pip-doctor's wheel of this checkout, built once for every environment
        os.environ["PIP_DOCTOR_WHEEL"] = str(scenarios.pip_doctor_wheel(base / "built"))
        wheels = base / "wheels"
        scenarios.make_wheel(wheels, "tinypkg", "1.0")
        for number, python in enumerate(pythons):
            measure_startup(base / f"py{number}", python, args, rows)
        measure_pips(base, wheels, versions, args.pip_pairs, args.count_repeats, rows)
        if not args.counts_only:
            measure_failures(base, pythons, versions, wheels, args, rows)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    report(started, rows)


def measure_failures(base: Path, pythons: Sequence[str], versions: Sequence[str], wheels: Path,
                     args: argparse.Namespace, rows: list[Row]) -> None:
    """Targets 4 and 5, in the environments built for 1 and 3."""
    _root, failing = bench_diagnose.build_tree(base / "tree", 20000)
    last = base / f"pip-{versions[-1]}"
    for number, python in enumerate(pythons):
        venv = last if python == scenarios.SYSTEM_PYTHON else base / f"py{number}" / "doctor"
        measure_child(str(venv / "bin" / "python"), python, failing, args.child_runs, rows)
    measure_hang(base, last, versions[-1], wheels, args.hang_pairs, rows)


def report(started: float, rows: Sequence[Row]) -> None:
    print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; "
          f"the run took {(time.monotonic() - started) / 60:.1f} min")
    print("\nmedian [95% bootstrap interval] (quartiles)\n")
    print("| target | measured | |\n| --- | --- | --- |")
    for target, figure, met in rows:
        print(f"| {target} | {figure} | {met} |")


if __name__ == "__main__":
    main()
