"""The webhook server for real: uvicorn on 127.0.0.1 over HTTPS with a self-signed CA, a real client.

Certificates are made here with ``cryptography``; requests go through
urllib with the CA as the only trust root (and the peer certificate read
with :mod:`ssl` for the rotation test). Every wait is a bounded poll.
"""

from __future__ import annotations

import datetime
import http.client
import ipaddress
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("uvicorn")
pytest.importorskip("prometheus_client")
x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from kata_oci.webhook.reload import TLSFiles  # noqa: E402
from kata_oci.webhook.server import WebhookApp, build_server  # noqa: E402

from helpers import ROOT  # noqa: E402
from webhook_helpers import HYP, KINDS, review_body, workload  # noqa: E402

EXAMPLES = ROOT / "examples" / "webhook"
KATA_OCI = Path(sys.executable).with_name("kata-oci")


# -- certificates ---------------------------------------------------------------------------------


def _name(cn: str) -> Any:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


class CA:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name("kata-oci test CA"))
            .issuer_name(_name("kata-oci test CA"))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.path = directory / "ca.crt"
        self.path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, serial: int, cert: Path, key: Path) -> None:
        """A server certificate for 127.0.0.1 with ``serial``, written atomically (as kubelet does)."""
        k = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        c = (
            x509.CertificateBuilder()
            .subject_name(_name("kata-oci-webhook.kata-oci.svc"))
            .issuer_name(self.cert.subject)
            .public_key(k.public_key())
            .serial_number(serial)
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        for path, data in (
            (
                key,
                k.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ),
            ),
            (cert, c.public_bytes(serialization.Encoding.PEM)),
        ):
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)


# -- a running server -----------------------------------------------------------------------------


class Running:
    def __init__(self, app: WebhookApp, tls: TLSFiles, ca: CA) -> None:
        self.app = app
        self.ca = ca
        self.server = build_server(app, host="127.0.0.1", port=0, tls=tls, log_level="critical")
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            assert self.thread.is_alive(), "the server thread died"
            time.sleep(0.02)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        self.context = ssl.create_default_context(cafile=str(ca.path))

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)

    def request(
        self,
        path: str,
        body: bytes | None = None,
        *,
        method: str | None = None,
        ctype: str = "application/json",
    ) -> tuple[int, bytes]:
        req = urllib.request.Request(
            f"https://127.0.0.1:{self.port}{path}",
            data=body,
            method=method or ("POST" if body is not None else "GET"),
            headers={"Content-Type": ctype},
        )
        try:
            with urllib.request.urlopen(req, context=self.context, timeout=20) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def review(self, body: bytes) -> dict[str, Any]:
        status, data = self.request("/validate", body)
        assert status == 200, data
        doc = json.loads(data)
        assert doc["apiVersion"] == "admission.k8s.io/v1" and doc["kind"] == "AdmissionReview"
        return doc["response"]

    def peer_serial(self) -> int:
        with (
            socket.create_connection(("127.0.0.1", self.port), timeout=10) as raw,
            self.context.wrap_socket(raw, server_hostname="127.0.0.1") as s,
        ):
            der = s.getpeercert(binary_form=True)
        assert der is not None
        return int(x509.load_der_x509_certificate(der).serial_number)


def _start(tmp: Path, config: str | None = None, **kw: Any) -> Running:
    ca = CA(tmp)
    ca.issue(1001, tmp / "tls.crt", tmp / "tls.key")
    tls = TLSFiles(str(tmp / "tls.crt"), str(tmp / "tls.key"))
    app = WebhookApp(config, tls=tls, **kw)
    return Running(app, tls, ca)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    r = _start(tmp_path_factory.mktemp("tls"), reload_interval=0)
    yield r
    r.stop()


def _until(predicate: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# -- answers ------------------------------------------------------------------------------------


def test_allowed_denied_and_warned_over_https(running: Running) -> None:
    allowed = running.review((EXAMPLES / "review-allowed.json").read_bytes())
    assert allowed == {"uid": "705ab4f5-6393-11e8-b7cc-42010a800001", "allowed": True}
    denied = running.review((EXAMPLES / "review-denied.json").read_bytes())
    assert denied["allowed"] is False and denied["status"]["code"] == 403
    assert f"annotation {HYP}default_memory: rejected (kata)" in denied["status"]["message"]
    assert 'add "^default_vcpus$" to enable_annotations' in denied["status"]["message"]
    warned = running.review((EXAMPLES / "review-warned.json").read_bytes())
    assert warned["allowed"] is True and len(warned["warnings"]) == 3
    assert any("did you mean" in w for w in warned["warnings"])


def test_non_kata_pods_are_allowed_untouched(running: Running) -> None:
    resp = running.review((EXAMPLES / "review-runc.json").read_bytes())
    assert resp == {"uid": "705ab4f5-6393-11e8-b7cc-42010a800004", "allowed": True}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_workload_kind_over_https(running: Running, kind: str) -> None:
    resp = running.review(review_body(workload(kind, {f"{HYP}default_memory": "4096"}, name="k")))
    assert resp["allowed"] is False
    assert f"refuse {kind} default/k" in resp["status"]["message"]


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b"{not json", 400, "not JSON"),
        (b'{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}', 400, "needs a request"),
        (review_body(workload("Pod", {}), api_version="admission.k8s.io/v1beta1"), 400, "is not served"),
        (review_body(workload("Pod", {}), api_version="v1"), 400, "is not served"),
        (b'{"kind": "AdmissionReview", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}", 400, "nested too deeply"),
    ],
)
def test_malformed_and_wrong_versions_get_400(running: Running, body: bytes, status: int, says: str) -> None:
    got, data = running.request("/validate", body)
    assert got == status and says in data.decode()


def test_oversized_body_gets_413(running: Running) -> None:
    # The answer comes before the body is read (the server then closes the connection).
    conn = http.client.HTTPSConnection("127.0.0.1", running.port, context=running.context, timeout=20)
    try:
        conn.putrequest("POST", "/validate")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(7 << 20))
        conn.endheaders()
        conn.send(b'{"apiVersion": ')
        resp = conn.getresponse()
        assert resp.status == 413 and b"larger than 6291456 bytes" in resp.read()
    finally:
        conn.close()
    assert running.request("/healthz")[0] == 200  # and the server goes on


def test_methods_content_types_and_probes(running: Running) -> None:
    assert running.request("/validate", method="GET")[0] == 405
    assert running.request("/validate", b"<x/>", ctype="application/xml")[0] == 415
    assert running.request("/nope")[0] == 404
    assert running.request("/healthz") == (200, b"ok\n")
    status, ready = running.request("/readyz")
    assert status == 200 and ready.startswith(b"ready")


def test_metrics_count_requests_verdicts_and_latency(running: Running) -> None:
    def counts() -> dict[str, float]:
        status, text = running.request("/metrics")
        assert status == 200
        out = {}
        for line in text.decode().splitlines():
            if line.startswith("kata_oci_webhook_") and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                out[name] = float(value)
        return out

    before = counts()
    running.review((EXAMPLES / "review-denied.json").read_bytes())
    running.request("/validate", b"{")
    after = counts()
    key = 'kata_oci_webhook_verdicts_total{verdict="denied"}'
    assert after[key] == before.get(key, 0) + 1
    bad = 'kata_oci_webhook_requests_total{code="400"}'
    assert after[bad] == before.get(bad, 0) + 1
    n = "kata_oci_webhook_request_seconds_count"
    assert after[n] == before.get(n, 0) + 2


def test_concurrent_requests_get_their_own_answers(running: Running) -> None:
    kinds = sorted(KINDS)

    def one(i: int) -> tuple[str, dict[str, Any]]:
        uid = f"uid-{i}"
        bad = i % 2 == 0
        ann = {f"{HYP}default_memory": "4096"} if bad else {f"{HYP}kernel_params": "a=1"}
        return uid, running.review(review_body(workload(kinds[i % len(kinds)], ann), uid=uid))

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(48)))
    for i, (uid, resp) in enumerate(results):
        assert resp["uid"] == uid
        assert resp["allowed"] is (i % 2 == 1)


# -- time bounds ----------------------------------------------------------------------------------


def test_a_review_not_decided_in_time_gets_503_in_time(tmp_path: Path) -> None:
    from kata_oci.webhook.review import review

    def slow(req: Any, cfg: Any) -> Any:
        time.sleep(1.5)
        return review(req, cfg)

    r = _start(tmp_path, timeout=0.3, reload_interval=0, decide=slow)
    try:
        start = time.monotonic()
        status, data = r.request("/validate", (EXAMPLES / "review-allowed.json").read_bytes())
        took = time.monotonic() - start
        assert status == 503 and b"failurePolicy" in data
        assert took < 1.2
    finally:
        r.stop()


def test_decisions_past_their_timeout_show_in_readyz_metrics_and_never_hold_up_a_reload(
    tmp_path: Path,
) -> None:
    from kata_oci.webhook.review import review

    release = threading.Event()

    def stuck(req: Any, cfg: Any) -> Any:
        release.wait(30)
        return review(req, cfg)

    cm = tmp_path / "config"
    cm.mkdir()
    _configmap(cm, "2026_01_01", "policy: {deny: [rejected]}\n")
    r = _start(tmp_path, str(cm / "webhook.yaml"), timeout=0.3, reload_interval=0.05, workers=2, decide=stuck)
    allowed = (EXAMPLES / "review-allowed.json").read_bytes()
    try:
        assert r.request("/readyz")[0] == 200
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda _: r.request("/validate", allowed)[0], range(2)))
        assert answers == [503, 503]
        # both workers are still held: a review now could not be decided in time
        _until(lambda: r.request("/readyz")[0] == 503)
        assert b"all 2 decision workers" in r.request("/readyz")[1]
        assert b"kata_oci_webhook_decisions_running 2.0" in r.request("/metrics")[1]
        # the reload runs on its own thread: a new configuration is loaded all the same
        _configmap(cm, "2026_01_02", "policy: {deny: [rejected, unknown]}\n")
        _until(lambda: r.app.config.generation == 2)
        release.set()
        _until(lambda: r.request("/readyz")[0] == 200)
        assert b"kata_oci_webhook_decisions_running 0.0" in r.request("/metrics")[1]
        assert r.review(allowed)["allowed"] is True
    finally:
        release.set()
        r.stop()


def _raw(r: Running) -> http.client.HTTPSConnection:
    return http.client.HTTPSConnection("127.0.0.1", r.port, context=r.context, timeout=20)


def test_a_chunked_body_over_the_limit_gets_413(tmp_path: Path) -> None:
    r = _start(tmp_path, max_body=2000, reload_interval=0)
    conn = _raw(r)
    try:
        body = review_body(workload("Pod", {"x": "y" * 3000}))
        conn.request(
            "POST",
            "/validate",
            body=iter([body[:1000], body[1000:]]),
            encode_chunked=True,
            headers={"Content-Type": "application/json"},
        )
        resp = conn.getresponse()
        assert resp.status == 413 and b"larger than 2000 bytes" in resp.read()
        small = review_body(workload("Pod", {}))
        assert len(small) < 2000
        assert r.review(small)["allowed"] is True
    finally:
        conn.close()
        r.stop()


def test_a_body_not_sent_in_time_gets_408(tmp_path: Path) -> None:
    r = _start(tmp_path, timeout=0.3, reload_interval=0)
    conn = _raw(r)
    try:
        conn.putrequest("POST", "/validate")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", "500")
        conn.endheaders()
        conn.send(b'{"apiVersion": "admission.k8s.io/v1"')  # and then nothing more
        start = time.monotonic()
        resp = conn.getresponse()
        assert resp.status == 408 and b"not read within" in resp.read()
        assert time.monotonic() - start < 5
    finally:
        conn.close()
        r.stop()


# -- reloads --------------------------------------------------------------------------------------


def _configmap(directory: Path, version: str, text: str) -> None:
    """A ConfigMap volume's layout: webhook.yaml -> ..data/webhook.yaml, ..data -> ..VERSION (swapped)."""
    target = directory / f"..{version}"
    target.mkdir()
    (target / "webhook.yaml").write_text(text)
    tmp = directory / "..data_tmp"
    tmp.symlink_to(target.name)
    os.replace(tmp, directory / "..data")
    link = directory / "webhook.yaml"
    if not link.is_symlink():
        link.symlink_to("..data/webhook.yaml")


def test_configuration_reload_on_a_configmap_swap(tmp_path: Path) -> None:
    cm = tmp_path / "config"
    cm.mkdir()
    _configmap(cm, "2026_01_01", "policy: {deny: [rejected]}\n")
    r = _start(tmp_path, str(cm / "webhook.yaml"), reload_interval=0.05)
    typo = review_body(workload("Pod", {"io.katacontainers.config.runtime.disable_guest_seccom": "true"}))
    try:
        first = r.review(typo)
        assert first["allowed"] is True and len(first["warnings"]) == 1
        _configmap(cm, "2026_01_02", "policy: {deny: [rejected, unknown]}\n")
        _until(lambda: r.review(typo)["allowed"] is False)
        assert r.app.config.generation == 2
        # a broken configuration is refused and the last good one kept
        _configmap(cm, "2026_01_03", "policy: {deny: [nonsense]}\n")
        _until(lambda: b'reloads_total{result="error",what="config"} 1.0' in r.request("/metrics")[1])
        assert r.review(typo)["allowed"] is False
        assert r.app.config.generation == 2
    finally:
        r.stop()


def test_certificate_rotation_without_a_restart(tmp_path: Path) -> None:
    r = _start(tmp_path, reload_interval=0.05)
    try:
        assert r.peer_serial() == 1001
        r.ca.issue(2002, tmp_path / "tls.crt", tmp_path / "tls.key")
        _until(lambda: r.peer_serial() == 2002)
        assert r.review((EXAMPLES / "review-allowed.json").read_bytes())["allowed"] is True
        # a key that does not match the certificate (half-written secret) keeps the old pair
        (tmp_path / "tls.key").write_bytes(
            ec.generate_private_key(ec.SECP256R1()).private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        _until(lambda: b'reloads_total{result="error",what="certificate"}' in r.request("/metrics")[1])
        assert r.peer_serial() == 2002
    finally:
        r.stop()


# -- the command ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_command_serves_and_logs_each_decision(tmp_path: Path) -> None:
    ca = CA(tmp_path)
    ca.issue(7, tmp_path / "tls.crt", tmp_path / "tls.key")
    port = _free_port()
    proc = subprocess.Popen(
        [
            str(KATA_OCI),
            "webhook",
            "--listen",
            "127.0.0.1",
            "--port",
            str(port),
            "--tls-cert",
            str(tmp_path / "tls.crt"),
            "--tls-key",
            str(tmp_path / "tls.key"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        context = ssl.create_default_context(cafile=str(ca.path))
        url = f"https://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", context=context, timeout=5) as resp:
                    assert resp.status == 200
                    break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, "the command exited"
                assert time.monotonic() < deadline, "the command did not start serving"
                time.sleep(0.1)
        req = urllib.request.Request(
            f"{url}/validate",
            data=(EXAMPLES / "review-denied.json").read_bytes(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, context=context, timeout=10) as resp:
            assert json.loads(resp.read())["response"]["allowed"] is False
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    events = [json.loads(line) for line in err.decode().splitlines() if line.startswith("{")]
    decisions = [e for e in events if e.get("event") == "admission_decision"]
    assert len(decisions) == 1
    d = decisions[0]
    assert d["verdict"] == "denied" and d["allowed"] is False and d["kind"] == "Pod"
    assert f"{HYP}default_memory" in d["denied_keys"]
    assert d["level"] == "info" and "timestamp" in d


def test_the_command_refuses_to_serve_without_tls() -> None:
    out = subprocess.run([str(KATA_OCI), "webhook"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "--tls-cert and --tls-key" in out.stderr
