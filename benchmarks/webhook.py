"""The admission webhook under load: requests per second and p50/p99 latency over HTTPS.

    uv run python benchmarks/webhook.py            # concurrency 1, 8, 32; about half a minute
    uv run python benchmarks/webhook.py --quick    # fewer requests

Starts ``kata-oci webhook`` (uvicorn, one process, as a Deployment's pod runs
it) on 127.0.0.1 with a throwaway certificate made with ``cryptography``, and
sends AdmissionReviews from client threads, each on its own keep-alive HTTPS
connection. Reviews: a Kata pod that is denied (two rejected keys), one with
three warnings, a Deployment, and a pod without a Kata RuntimeClass, in turn.
Baselines of the same run: ``GET /healthz`` on the same server (the HTTP/TLS
floor) and the in-process decision (:func:`kata_oci.webhook.review_bytes`)
alone. The client shares the machine's CPUs with the server, so the figures
are a floor for what one replica does.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import ipaddress
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "webhook"
BODIES = [(EXAMPLES / f"review-{n}.json").read_bytes() for n in ("denied", "warned", "deployment", "runc")]


def _certificates(tmp: Path) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .sign(key, hashes.SHA256())
    )
    (tmp / "tls.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / "tls.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return tmp / "tls.crt"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _load(
    port: int, ctx: ssl.SSLContext, concurrency: int, total: int, path: str
) -> tuple[float, list[float]]:
    """(requests per second, latencies) of ``total`` requests from ``concurrency`` threads."""
    per = total // concurrency
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def client(n: int) -> None:
        try:
            requests(n)
        except OSError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")

    def requests(n: int) -> None:
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30)
        mine = []
        for i in range(per):
            body = BODIES[(n + i) % len(BODIES)] if path == "/validate" else None
            start = time.perf_counter()
            if body is None:
                conn.request("GET", path)
            else:
                conn.request("POST", path, body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            mine.append(time.perf_counter() - start)
            if resp.status != 200:
                errors.append(f"HTTP {resp.status}")
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - start
    if errors:
        raise OSError(f"{len(errors)} failed requests: {errors[0]}")
    return len(latencies) / took, latencies


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer requests")
    parser.add_argument("--concurrency", type=int, action="append", help="client threads (repeatable)")
    args = parser.parse_args()
    levels = args.concurrency or [1, 8, 32]
    total = 400 if args.quick else 2000

    from kata_oci.webhook import load_config, review_bytes

    cfg = load_config(ROOT / "deploy" / "config" / "webhook.yaml")
    n = 400 if args.quick else 2000
    start = time.perf_counter()
    for i in range(n):
        review_bytes(BODIES[i % len(BODIES)], cfg)
    decide = (time.perf_counter() - start) / n

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        ca = _certificates(tmp)
        port = _port()
        exe = Path(sys.executable).with_name("kata-oci")
        cmd = [
            str(exe),
            "webhook",
            "--listen",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "4",
            "--config",
            str(ROOT / "deploy" / "config" / "webhook.yaml"),
            "--tls-cert",
            str(tmp / "tls.crt"),
            "--tls-key",
            str(tmp / "tls.key"),
            "--reload-interval",
            "0",
        ]
        log = open(tmp / "webhook.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(cmd, stdout=log, stderr=log)
        ctx = ssl.create_default_context(cafile=str(ca))
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    _load(port, ctx, 1, 1, "/healthz")
                    break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise SystemExit("the webhook did not start") from None
                    time.sleep(0.1)
            _load(port, ctx, 4, 200, "/validate")  # warm up
            print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; {total} requests per row")
            print(f"in-process decision (review_bytes), mean of 4 reviews: {decide * 1e3:.3f} ms")
            print(f"{'path':<10} {'conc':>4} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
            for path in ("/healthz", "/validate"):
                for c in levels:
                    rps, lat = _load(port, ctx, c, total, path)
                    p50, p99 = _pct(lat, 0.5) * 1e3, _pct(lat, 0.99) * 1e3
                    print(f"{path:<10} {c:>4} {rps:>8.0f} {p50:>8.2f} {p99:>8.2f}")
            _, lat1 = _load(port, ctx, 1, total // 2, "/validate")
            _, floor = _load(port, ctx, 1, total // 2, "/healthz")
            print(
                f"ratio: p50 /validate over /healthz at concurrency 1: "
                f"{statistics.median(lat1) / statistics.median(floor):.2f}x"
            )
        finally:
            proc.terminate()
            proc.wait(20)
            log.close()
            if proc.returncode not in (0, -15):
                sys.stderr.write((tmp / "webhook.log").read_text()[-3000:])


if __name__ == "__main__":
    main()
