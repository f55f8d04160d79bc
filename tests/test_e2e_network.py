"""Network failures with real pip, against servers on 127.0.0.1 in a private netns.

Every case runs once in an environment without pip-doctor and once in an
identical one with its wheel, inside one ``unshare --net --mount`` child
(``netlab``): only ``lo`` exists, name lookups come from files only, and the
servers the test starts there are the only thing pip (and pip-doctor's
probes) can reach. pip's first error line and exit status must not change;
the JSON report names the expected cause first, with the evidence measured
there; no secret from a proxy URL appears in what pip-doctor adds.

Cost: one lab per pip version, about 30 pip runs of about a second each
(``--retries 0``; the silent server costs ``--timeout 2``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Optional

import pytest

import netlab
import scenarios

pytestmark = pytest.mark.e2e

SECRET = "s3cr3t-Proxy-Pw"
FIXABLE = ("tls-self-signed", "tls-corporate")


def _cases(certs: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """name -> {"args", "env", "cause"}: what to run and what must be diagnosed."""
    proxy_env = {"NO_PROXY": netlab.HOST}
    return {
        "tls-self-signed": {"args": ["tls-self-signed"], "cause": "certificate-not-trusted"},
        "tls-corporate": {"args": ["tls-corporate"], "cause": "certificate-not-trusted"},
        "port-closed": {"args": ["port-closed"], "cause": "index-unreachable"},
        "no-answer": {"args": ["--timeout", "2", "no-answer"], "cause": "index-unreachable"},
        "host-invalid": {"args": ["host-invalid"], "cause": "host-not-resolved"},
        "proxy-407": {"args": ["tls-corporate"], "cause": "proxy-auth-required",
                      "env": {**proxy_env,
                              "HTTPS_PROXY": f"http://alice:{SECRET}@{netlab.HOST}:"
                                             f"{netlab.PROXY_407_PORT}"}},
        "proxy-closed": {"args": ["tls-corporate"], "cause": "proxy-unreachable",
                         "env": {**proxy_env, "HTTPS_PROXY": netlab.CLOSED_PROXY}},
        "proxy-no-host": {"args": ["tls-corporate"], "cause": "invalid-proxy-url",
                          "env": {**proxy_env, "HTTPS_PROXY": f"http://alice:{SECRET}@"}},
        "proxy-bad-scheme": {"args": ["tls-corporate"], "cause": "invalid-proxy-url",
                             "env": {**proxy_env, "HTTPS_PROXY": "httpx://127.0.0.1:3128"}},
        "index-self-signed": {"args": ["--retries", "1", "tls-self-signed"],
                              "index": netlab.SELF_SIGNED_INDEX,
                              "cause": "certificate-not-trusted"},
    }


@pytest.fixture(scope="module")
def lab(wheelhouse: Path) -> Iterator[dict[str, Any]]:
    """Every case without and with pip-doctor, plus each suggested fix, in one lab."""
    base = scenarios.shared_dir("pd-netlab-")
    try:
        certs = netlab.make_certificates(base / "certs")
        wheels = netlab.make_wheels(base / "wheels")
        venvs = {
            "without": scenarios.make_venv(base / "without"),
            "with": scenarios.make_venv(base / "with", with_pip_doctor=True),
        }
        cases = _cases(certs)
        runs = []
        for name, case in cases.items():
            for variant, venv in venvs.items():
                runs.append(_run(f"{name}/{variant}", venv, base, case))
        first = netlab.run_lab(runs, wheels=wheels, certs=certs)
        # The fixes pip-doctor suggested, run in the same lab (a second netns).
        fixes = []
        for name in FIXABLE:
            report = _report(base, f"{name}/with")
            command = _fix_command(report, certs["ca_cert"] if name == "tls-corporate"
                                   else certs["self_signed_cert"], venvs["with"], base, name)
            fixes.append({"name": f"{name}/fix", "argv": ["sh", "-e", "-c", command],
                          "env": _env({}), "timeout": 120})
        second = netlab.run_lab(fixes, wheels=wheels, certs=certs)
        if os.environ.get("PIP_DOCTOR_NETLAB_KEEP"):  # to look at what pip printed
            Path(os.environ["PIP_DOCTOR_NETLAB_KEEP"]).write_text(json.dumps({
                **first["results"], **second["results"],
                "reports": {n: _report(base, n) for n in first["results"]}}, indent=1))
        yield {"cases": cases, "base": base, "certs": certs,
               "results": {**first["results"], **second["results"]},
               "events": first["events"]}
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _env(extra: Mapping[str, str]) -> dict[str, str]:
    # what is found is tested here, not how fast: a loaded CI machine gets time
    return {**netlab.BASE_ENV, "PIP_DOCTOR_TIMEOUT": "10", **extra}


def _report_path(base: Path, run_name: str) -> Path:
    return base / "reports" / (run_name.replace("/", "--") + ".json")


def _report(base: Path, run_name: str) -> Optional[dict[str, Any]]:
    path = _report_path(base, run_name)
    return json.loads(path.read_text()) if path.exists() else None


def _run(name: str, venv: Path, base: Path, case: Mapping[str, Any]) -> dict[str, Any]:
    report = _report_path(base, name)
    report.parent.mkdir(exist_ok=True)
    target = base / "targets" / name.replace("/", "--")
    argv = [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--retries", "0",
            "--target", str(target), "--index-url", case.get("index", netlab.INDEX),
            *case["args"]]
    return {"name": name, "argv": argv, "timeout": 120,
            "env": _env({**case.get("env", {}), "PIP_DOCTOR_REPORT": str(report)})}


def _fix_command(report: Optional[Mapping[str, Any]], ca: str, venv: Path, base: Path,
                 name: str) -> str:
    """The first safe fix of the best diagnosis that names ``--cert``, with the CA
    file written in place of its placeholder, into a fresh target."""
    assert report is not None
    best = report["diagnoses"][0]
    fix = next(f for f in best["fixes"] if f["safety"] == "safe"
               and any("--cert" in c["text"] for c in f["commands"]))
    (command,) = [c["text"] for c in fix["commands"] if c["shell"] == "posix"]
    old_target = str(base / "targets" / f"{name}--with")
    return command.replace("CA.pem", ca).replace(old_target, old_target + "-fixed")


def _result(lab: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    return lab["results"][name]


def _first_error_line(stderr: str) -> str:
    """pip's first error line, without the object addresses that differ per run."""
    line = next((line for line in stderr.splitlines()
                 if line.startswith(("ERROR", "error:"))), "")
    return re.sub(r" at 0x[0-9a-f]+", " at 0x...", line)


@pytest.mark.parametrize("name", list(_cases({}).keys()))
def test_diagnosed_with_pips_message_and_status_unchanged(lab: Mapping[str, Any],
                                                         name: str) -> None:
    without = _result(lab, f"{name}/without")
    with_doctor = _result(lab, f"{name}/with")
    assert without["status"] not in (0, None), without
    assert with_doctor["status"] == without["status"], (without, with_doctor)
    assert _first_error_line(with_doctor["stderr"]) == _first_error_line(without["stderr"])
    assert _report(lab["base"], f"{name}/without") is None
    report = _report(lab["base"], f"{name}/with")
    assert report is not None, with_doctor["stderr"]
    ids = [d["id"] for d in report["diagnoses"]]
    assert ids, with_doctor["stderr"]
    assert ids[0] == lab["cases"][name]["cause"], (ids, with_doctor["stderr"])
    assert f"pip-doctor explain {ids[0]}" in with_doctor["stderr"]
    assert report["error"].get("family", "network") in ("network", "other")


@pytest.mark.parametrize("name", FIXABLE)
def test_the_suggested_cert_fix_makes_the_install_succeed(lab: Mapping[str, Any],
                                                          name: str) -> None:
    fixed = _result(lab, f"{name}/fix")
    assert fixed["status"] == 0, fixed
    assert "Successfully installed" in fixed["stdout"]


def test_certificate_evidence_is_what_the_server_presents(lab: Mapping[str, Any]) -> None:
    report = _report(lab["base"], "tls-corporate/with")
    assert report is not None
    cert = report["environment"]["network-probes"]["certificate"]
    assert cert["subject"] == "CN=localhost, O=pip-doctor Test Corp"
    assert cert["issuer"] == "CN=pip-doctor Test Corporate Root CA, O=pip-doctor Test Corp"
    assert cert["issuer_in_bundle"] is False
    assert cert["self_signed"] is False
    evidence = "\n".join(report["diagnoses"][0]["evidence"])
    assert "pip-doctor Test Corporate Root CA" in evidence
    assert "localhost:9443" in evidence
    self_signed = _report(lab["base"], "tls-self-signed/with")
    assert self_signed is not None
    assert self_signed["environment"]["network-probes"]["certificate"]["self_signed"] is True


def test_one_handshake_more_only_to_where_pip_failed(lab: Mapping[str, Any]) -> None:
    """pip-doctor's only traffic: one handshake to the server pip failed on."""
    def handshakes(run: str) -> list[Mapping[str, Any]]:
        return [e for e in lab["events"] if e["run"] == run and e["what"] == "connect"]

    without = handshakes("tls-corporate/without")
    with_doctor = handshakes("tls-corporate/with")
    assert {e["server"] for e in with_doctor} == {"index", "corporate"}
    assert len(with_doctor) == len(without) + 1

    def seen(run: str) -> list[tuple[str, str]]:
        return [(e["server"], e["what"]) for e in lab["events"] if e["run"] == run]

    # a refused connection is not probed again
    assert seen("port-closed/with") == seen("port-closed/without")


def test_proxy_credentials_never_appear(lab: Mapping[str, Any]) -> None:
    for name in ("proxy-407", "proxy-no-host"):
        with_doctor = _result(lab, f"{name}/with")
        added = with_doctor["stderr"].split("pip-doctor:", 1)[-1]
        assert SECRET not in added
        report_text = _report_path(lab["base"], f"{name}/with").read_text()
        assert SECRET not in report_text
    report = _report(lab["base"], "proxy-407/with")
    assert report is not None
    assert "credentials" in "\n".join(report["diagnoses"][0]["evidence"])


def test_the_crash_on_a_proxy_without_host_keeps_its_status(lab: Mapping[str, Any]) -> None:
    with_doctor = _result(lab, "proxy-no-host/with")
    assert with_doctor["status"] == 2
    assert "ERROR: Exception:" in with_doctor["stderr"]
    report = _report(lab["base"], "proxy-no-host/with")
    assert report is not None
    evidence = "\n".join(report["diagnoses"][0]["evidence"])
    assert "`http://***@`" in evidence
    assert "HTTPS_PROXY" in evidence


def test_no_probe_when_turned_off(wheelhouse: Path, lab: Mapping[str, Any]) -> None:
    """``PIP_DOCTOR_NETWORK_PROBES=0``: the same cause, no handshake, and the
    evidence says the certificate was not read."""
    base = lab["base"]
    case = {**_cases(lab["certs"])["tls-corporate"]}
    case["env"] = {"PIP_DOCTOR_NETWORK_PROBES": "0"}
    run = _run("tls-corporate-off/with", base / "with", base, case)
    result = netlab.run_lab([run], wheels=base / "wheels", certs=lab["certs"])
    report = _report(base, "tls-corporate-off/with")
    assert report is not None, result
    best = report["diagnoses"][0]
    assert best["id"] == "certificate-not-trusted"
    assert any("was not read" in line for line in best["evidence"])
    connects = [e for e in result["events"] if e["server"] == "corporate"
                and e["what"] == "connect"]
    assert len(connects) == 1  # pip's own attempt only
