"""A private loopback network for the network tests: servers and pip, in one netns.

Nothing here ever leaves 127.0.0.1, and nothing sends a DNS query. The host
side (:func:`run_lab`) starts ``unshare --net --mount`` with this file as the
child. The child

1. brings ``lo`` up in its fresh network namespace (the only interface there),
2. bind-mounts an ``nsswitch.conf`` that says ``hosts: files`` over
   ``/etc/nsswitch.conf`` in its private mount namespace (a ``.invalid`` name
   then fails at once, with no query sent),
3. starts the servers below on fixed ports of 127.0.0.1 (the namespace is
   new, so they are free), each bounded in connections and time,
4. runs the planned commands (real pip, usually) one after the other, each
   with a timeout, and records which server saw which connection,
5. stops the servers and prints the results as JSON.

The servers:

- ``INDEX`` (plain HTTP): a PEP 503 simple index. The file link of each
  project points at the server named in :data:`PROJECT_FILES`.
- ``SELF_SIGNED`` (HTTPS, a self-signed certificate for 127.0.0.1) and
  ``CORPORATE`` (HTTPS, a leaf for ``localhost`` signed by a local "corporate"
  CA): both also serve the index and the wheels.
- ``CLOSED``: a port that is bound but never listens (connection refused).
- ``SILENT``: a port that accepts (the kernel's backlog) and never answers.
- ``PROXY_407``: a proxy that answers every request ``407 Proxy
  Authentication Required``; ``CLOSED_PROXY``: a proxy port that refuses.
- ``files.pip-doctor.invalid``: a host that never resolves.

Run ``python tests/netlab.py record PYTHON`` (as root) to see what a real pip
prints for each case.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional

HOST = "127.0.0.1"
INDEX_PORT = 8080
SELF_SIGNED_PORT = 8443
CORPORATE_PORT = 9443
CLOSED_PORT = 8081
SILENT_PORT = 8082
PROXY_407_PORT = 3128
CLOSED_PROXY_PORT = 3129
INVALID_HOST = "files.pip-doctor.invalid"

INDEX = f"http://{HOST}:{INDEX_PORT}/simple/"
SELF_SIGNED_INDEX = f"https://{HOST}:{SELF_SIGNED_PORT}/simple/"
PROXY_407 = f"http://{HOST}:{PROXY_407_PORT}"
CLOSED_PROXY = f"http://{HOST}:{CLOSED_PROXY_PORT}"

#: project name -> the base URL its file link points at.
PROJECT_FILES: dict[str, str] = {
    "tls-self-signed": f"https://{HOST}:{SELF_SIGNED_PORT}",
    "tls-corporate": f"https://localhost:{CORPORATE_PORT}",
    "port-closed": f"http://{HOST}:{CLOSED_PORT}",
    "no-answer": f"http://{HOST}:{SILENT_PORT}",
    "host-invalid": f"http://{INVALID_HOST}",
    "plain": f"http://{HOST}:{INDEX_PORT}",
}

#: Each server accepts at most this many connections, then stops.
MAX_CONNECTIONS = 200
#: A connection that sends nothing for this long is closed (seconds).
CONNECTION_TIMEOUT = 10.0

NSSWITCH = "passwd: files\ngroup: files\nshadow: files\nhosts: files\n"


# ----------------------------------------------------------------- certificates


def make_certificates(directory: Path) -> dict[str, str]:
    """Self-signed and corporate-CA certificates (``openssl`` command line).

    Returns paths: ``self_signed_cert``/``self_signed_key`` (CN and SAN
    127.0.0.1), ``ca_cert``/``ca_key`` ("pip-doctor Test Corporate Root CA"),
    ``corporate_cert``/``corporate_key`` (a leaf for localhost and 127.0.0.1
    signed by that CA).
    """
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "self_signed_cert": directory / "self-signed.pem",
        "self_signed_key": directory / "self-signed.key",
        "ca_cert": directory / "corporate-ca.pem",
        "ca_key": directory / "corporate-ca.key",
        "corporate_cert": directory / "corporate-leaf.pem",
        "corporate_key": directory / "corporate-leaf.key",
    }
    if all(p.exists() for p in paths.values()):
        return {k: str(v) for k, v in paths.items()}

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)

    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
        "-keyout", str(paths["self_signed_key"]), "-out", str(paths["self_signed_cert"]),
        "-subj", "/CN=127.0.0.1/O=pip-doctor Test Self-Signed",
        "-addext", "subjectAltName=IP:127.0.0.1",
    )
    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
        "-keyout", str(paths["ca_key"]), "-out", str(paths["ca_cert"]),
        "-subj", "/CN=pip-doctor Test Corporate Root CA/O=pip-doctor Test Corp",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )
    request = directory / "corporate-leaf.csr"
    openssl(
        "req", "-new", "-newkey", "rsa:2048", "-nodes",
        "-keyout", str(paths["corporate_key"]), "-out", str(request),
        "-subj", "/CN=localhost/O=pip-doctor Test Corp",
    )
    extensions = directory / "leaf.ext"
    extensions.write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n"
    )
    openssl(
        "x509", "-req", "-in", str(request), "-CA", str(paths["ca_cert"]),
        "-CAkey", str(paths["ca_key"]), "-CAcreateserial", "-days", "825",
        "-out", str(paths["corporate_cert"]), "-extfile", str(extensions),
    )
    for path in directory.iterdir():
        path.chmod(0o644)
    return {k: str(v) for k, v in paths.items()}


# ----------------------------------------------------------------- servers


class Recorder:
    """Which server saw which connection (and request line), thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.events: list[dict[str, Any]] = []
        self.run = ""

    def add(self, server: str, what: str) -> None:
        with self._lock:
            self.events.append({"run": self.run, "server": server, "what": what})


class _Handler(BaseHTTPRequestHandler):
    server_version = "pip-doctor-netlab/1"
    protocol_version = "HTTP/1.0"
    timeout = CONNECTION_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        lab: _Server = self.server  # type: ignore[assignment]
        lab.recorder.add(lab.name, f"GET {self.path}")
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        if parts[:1] == ["simple"] and len(parts) == 2:
            self._index_page(lab.wheels, parts[1])
        elif parts[:1] == ["files"] and len(parts) == 2:
            path = Path(lab.wheels) / parts[1]
            if path.is_file():
                self._send(200, path.read_bytes(), "application/octet-stream")
            else:
                self._send(404, b"not found\n", "text/plain")
        else:
            self._send(404, b"not found\n", "text/plain")

    def _index_page(self, wheels: str, project: str) -> None:
        normal = project.lower().replace("_", "-").replace(".", "-")
        base = PROJECT_FILES.get(normal)
        dist = normal.replace("-", "_")
        found = sorted(p.name for p in Path(wheels).glob(f"{dist}-*.whl"))
        if base is None or not found:
            self._send(404, b"not found\n", "text/plain")
            return
        links = "".join(
            f'<a href="{html.escape(base)}/files/{html.escape(name)}">{html.escape(name)}</a>\n'
            for name in found
        )
        body = f"<!DOCTYPE html><html><body>\n{links}</body></html>\n".encode()
        self._send(200, body, "text/html")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, name: str, port: int, recorder: Recorder, wheels: str,
                 context: Optional[ssl.SSLContext] = None) -> None:
        self.name = name
        self.recorder = recorder
        self.wheels = wheels
        self.context = context
        self.accepted = 0
        super().__init__((HOST, port), _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = self.socket.accept()
        self.accepted += 1
        self.recorder.add(self.name, "connect")
        if self.accepted >= MAX_CONNECTIONS:
            threading.Thread(target=self.shutdown, daemon=True).start()
        conn.settimeout(CONNECTION_TIMEOUT)
        if self.context is not None:
            try:
                conn = self.context.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError) as error:
                # the client refused the certificate (what the tests are about)
                self.recorder.add(self.name, f"handshake failed: {type(error).__name__}")
                conn.close()
                raise OSError("handshake failed") from error
            self.recorder.add(self.name, "handshake")
        return conn, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    timeout = CONNECTION_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _refuse(self) -> None:
        lab: _Server = self.server  # type: ignore[assignment]
        auth = "with credentials" if self.headers.get("Proxy-Authorization") else "no credentials"
        lab.recorder.add(lab.name, f"{self.command} {self.path} ({auth})")
        body = b"proxy authentication required\n"
        self.send_response(407)
        self.send_header("Proxy-Authenticate", 'Basic realm="pip-doctor test proxy"')
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    do_CONNECT = _refuse
    do_GET = _refuse


class _ProxyServer(_Server):
    def __init__(self, name: str, port: int, recorder: Recorder) -> None:
        self.name = name
        self.recorder = recorder
        self.wheels = ""
        self.context = None
        self.accepted = 0
        ThreadingHTTPServer.__init__(self, (HOST, port), _ProxyHandler)


def _tls(cert: str, key: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


@contextlib.contextmanager
def servers(wheels: str, certs: Mapping[str, str], recorder: Recorder) -> Iterator[None]:
    """Every server of the lab, on 127.0.0.1, for the block."""
    started: list[_Server] = [
        _Server("index", INDEX_PORT, recorder, wheels),
        _Server("self-signed", SELF_SIGNED_PORT, recorder, wheels,
                _tls(certs["self_signed_cert"], certs["self_signed_key"])),
        _Server("corporate", CORPORATE_PORT, recorder, wheels,
                _tls(certs["corporate_cert"], certs["corporate_key"])),
        _ProxyServer("proxy-407", PROXY_407_PORT, recorder),
    ]
    closed = socket.socket()  # bound, never listening: connections are refused
    closed.bind((HOST, CLOSED_PORT))
    closed_proxy = socket.socket()
    closed_proxy.bind((HOST, CLOSED_PROXY_PORT))
    silent = socket.socket()  # listening, never accepting: the kernel completes the
    silent.bind((HOST, SILENT_PORT))  # handshake and nobody ever answers
    silent.listen(64)
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05},
                                daemon=True) for s in started]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        for server in started:
            server.shutdown()
            server.server_close()
        for sock in (closed, closed_proxy, silent):
            sock.close()


# ----------------------------------------------------------------- the child


def _isolate() -> None:
    """Inside ``unshare --net --mount``: lo up, name lookups from files only."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
    with tempfile.NamedTemporaryFile("w", prefix="nsswitch-", suffix=".conf",
                                     delete=False) as handle:
        handle.write(NSSWITCH)
    os.chmod(handle.name, 0o644)
    subprocess.run(["mount", "--bind", handle.name, "/etc/nsswitch.conf"], check=True,
                   timeout=10)
    # Proof that this is the private namespace: only lo, and it is the only route.
    interfaces = sorted(name for _index, name in socket.if_nameindex())
    if interfaces != ["lo"]:
        raise SystemExit(f"netlab: not in a private network namespace ({interfaces})")


def child(plan_path: str) -> int:
    plan = json.loads(Path(plan_path).read_text())
    _isolate()
    recorder = Recorder()
    results: list[dict[str, Any]] = []
    deadline = time.monotonic() + float(plan.get("deadline", 600))
    with servers(plan["wheels"], plan["certs"], recorder):
        for run in plan["runs"]:
            recorder.run = run["name"]
            left = deadline - time.monotonic()
            timeout = min(float(run.get("timeout", 120)), max(1.0, left))
            started = time.monotonic()
            try:
                done = subprocess.run(
                    run["argv"], env=run["env"], cwd=run.get("cwd"), capture_output=True,
                    text=True, timeout=timeout, check=False, user=run.get("uid"),
                    group=run.get("gid"), extra_groups=[] if run.get("uid") else None,
                )
                status, stdout, stderr = done.returncode, done.stdout, done.stderr
            except subprocess.TimeoutExpired as expired:
                status = None
                stdout = _text(expired.stdout)
                stderr = _text(expired.stderr) + f"\n[netlab: timed out after {timeout:.0f} s]"
            results.append({
                "name": run["name"], "status": status, "stdout": stdout, "stderr": stderr,
                "seconds": round(time.monotonic() - started, 3),
            })
        time.sleep(0.1)  # let the servers record the last connections
    print(json.dumps({"results": results, "events": recorder.events}))
    return 0


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else ""


# ----------------------------------------------------------------- the host side


def run_lab(
    runs: Sequence[Mapping[str, Any]],
    *,
    wheels: Path,
    certs: Mapping[str, str],
    deadline: float = 600,
) -> dict[str, Any]:
    """Run ``runs`` (``{"name", "argv", "env", "timeout"?, "uid"?, "gid"?,
    "cwd"?}``) inside a fresh private network and mount namespace with the
    lab's servers; returns ``{"results": {name: {...}}, "events": [...]}``.
    """
    with tempfile.TemporaryDirectory(prefix="pd-netlab-") as scratch:
        plan = Path(scratch) / "plan.json"
        plan.write_text(json.dumps({
            "wheels": str(wheels), "certs": dict(certs), "runs": list(runs),
            "deadline": deadline,
        }))
        done = subprocess.run(
            ["unshare", "--net", "--mount", "--", sys.executable, str(Path(__file__).resolve()),
             "child", str(plan)],
            capture_output=True, text=True, timeout=deadline + 30, check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"netlab failed ({done.returncode}): {done.stderr[-2000:]}")
    data = json.loads(done.stdout)
    return {
        "results": {r["name"]: r for r in data["results"]},
        "events": data["events"],
    }


def make_wheels(directory: Path) -> Path:
    """One tiny wheel for each project of :data:`PROJECT_FILES`."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import scenarios

    for project in PROJECT_FILES:
        scenarios.make_wheel(directory, project, "1.0")
    return directory


#: The environment of pip runs in the lab: no configuration file, no cache.
BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/root",
    "LANG": "C.UTF-8",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PIP_NO_INPUT": "1",
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_NO_CACHE_DIR": "1",
}


def cases(python: str, certs: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every failure the lab stages, as pip commands for ``python``."""
    base_env = BASE_ENV
    install = [python, "-m", "pip", "install", "--no-deps", "--target", "/tmp/pd-netlab-target",
               "--index-url", INDEX]

    def case(name: str, *args: str, env: Optional[Mapping[str, str]] = None) -> dict[str, Any]:
        return {"name": name, "argv": [*install, *args], "env": {**base_env, **(env or {})},
                "timeout": 120}

    return [
        case("tls-self-signed", "tls-self-signed"),
        case("tls-corporate", "tls-corporate"),
        case("tls-corporate-fixed", "--cert", certs["ca_cert"], "tls-corporate"),
        case("port-closed", "port-closed"),
        case("no-answer", "--timeout", "2", "--retries", "0", "no-answer"),
        case("host-invalid", "host-invalid"),
        case("proxy-407", "tls-corporate",
             env={"HTTPS_PROXY": PROXY_407, "NO_PROXY": HOST}),
        case("proxy-closed", "tls-corporate",
             env={"HTTPS_PROXY": CLOSED_PROXY, "NO_PROXY": HOST}),
        case("proxy-malformed-no-host", "tls-corporate",
             env={"HTTPS_PROXY": "http://alice:pw@", "NO_PROXY": HOST}),
        case("proxy-malformed-empty-host", "tls-corporate",
             env={"HTTPS_PROXY": "http://", "NO_PROXY": HOST}),
        case("proxy-bad-scheme", "tls-corporate",
             env={"HTTPS_PROXY": "httpx://127.0.0.1:3128", "NO_PROXY": HOST}),
        {**case("index-self-signed", "tls-self-signed"),
         "argv": [*install[:-1], SELF_SIGNED_INDEX, "tls-self-signed"]},
    ]


def record(python: str) -> None:
    """Print what ``python``'s pip says for each case (as root)."""
    scratch = Path(tempfile.mkdtemp(prefix="pd-netlab-record-"))
    try:
        certs = make_certificates(scratch / "certs")
        wheels = make_wheels(scratch / "wheels")
        lab = run_lab(cases(python, certs), wheels=wheels, certs=certs)
        for name, result in lab["results"].items():
            print(f"===== {name}: exit {result['status']} in {result['seconds']} s")
            print(result["stdout"].rstrip())
            print(result["stderr"].rstrip())
        print("===== connections")
        for event in lab["events"]:
            print(f"{event['run']}: {event['server']}: {event['what']}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        raise SystemExit(child(sys.argv[2]))
    if sys.argv[1:2] == ["record"] and len(sys.argv) == 3:
        record(sys.argv[2])
        raise SystemExit(0)
    raise SystemExit("usage: netlab.py record PYTHON")
