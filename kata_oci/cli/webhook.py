"""``kata-oci webhook``: the validating admission webhook, or one AdmissionReview answered.

``--review FILE`` (``-``: standard input) decides one AdmissionReview as the
server would and writes the response AdmissionReview on stdout; the exit
status is 0 when allowed, 1 when denied, 2 when the review is unusable.
Without it the command serves HTTPS (needs ``pip install kata-oci[webhook]``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import common, output

HELP = (
    "Run the validating admission webhook (AdmissionReview admission.k8s.io/v1 over HTTPS), which denies "
    "pods (and workloads' pod templates) on a Kata RuntimeClass whose annotations Kata would refuse and "
    "warns about dropped and unknown keys; or, with --review, answer one AdmissionReview on stdout."
)
EXAMPLE = "kata-oci webhook --review examples/webhook/review-denied.json"
EPILOG = (
    "The configuration file (--config, a ConfigMap key) names the cluster's CRI and Kata configuration "
    "files and the policy: see docs/webhook.md."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config",
        metavar="FILE",
        help="the webhook's configuration file (default: kata-deploy 4.1.0's cluster, default policy)",
    )
    p.add_argument(
        "--review",
        metavar="FILE",
        help="answer the AdmissionReview in FILE ('-': standard input) on stdout, then exit",
    )
    g = p.add_argument_group("server (needs the webhook extra: pip install 'kata-oci[webhook]')")
    g.add_argument("--listen", metavar="HOST", default="0.0.0.0", help="address to listen on (0.0.0.0)")
    g.add_argument("--port", type=int, default=8443, help="HTTPS port (8443)")
    g.add_argument("--tls-cert", metavar="FILE", help="the server's certificate chain (PEM), e.g. tls.crt")
    g.add_argument("--tls-key", metavar="FILE", help="its private key (PEM), e.g. tls.key")
    g.add_argument(
        "--timeout",
        type=float,
        default=5.0,
        help="seconds to decide a review, then HTTP 503 so the failurePolicy applies (5; keep it below "
        "the webhook's timeoutSeconds)",
    )
    g.add_argument("--max-body", type=int, default=6 << 20, help="largest request body in bytes (6 MiB)")
    g.add_argument(
        "--reload-interval",
        type=float,
        default=5.0,
        help="seconds between checks of the configuration and certificate files (5; 0: never)",
    )
    g.add_argument("--workers", type=int, default=4, help="threads deciding reviews (4)")
    g.add_argument(
        "--log-format", choices=("json", "text"), default="json", help="decision logs on stderr (json)"
    )


def _read(path: str) -> bytes:
    from kata_oci.files import read_regular_file
    from kata_oci.webhook.review import MAX_REVIEW_BYTES

    if path == common.STDIN:
        return common.read_stdin("review")
    try:
        return read_regular_file(path, MAX_REVIEW_BYTES)
    except OSError as exc:
        raise common.Failure(f"{output.escape(path)}: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    from kata_oci.webhook import load_config, review_bytes

    if args.review is None:
        return _serve(args)
    data = _read(args.review)
    config = load_config(args.config)
    result = review_bytes(data, config)
    output.write_json(result.response())
    return common.EXIT_OK if result.allowed else common.EXIT_REJECTED


def _configure_logging(fmt: str) -> None:
    """The command is an application: its decision logs go to stderr, one event a line."""
    import logging

    import structlog

    from kata_oci import log

    renderer: Any = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    logger = logging.getLogger(log.LOGGER_NAME)
    # -v/--debug already attached one (kata_oci.cli.main): a second would print each event twice.
    if not any(getattr(h, "stream", None) is sys.stderr for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    log.set_level("info")


def _serve(args: argparse.Namespace) -> int:
    if not args.tls_cert or not args.tls_key:
        raise common.Failure("the webhook serves HTTPS only: give --tls-cert and --tls-key (or use --review)")
    try:
        from kata_oci.webhook.reload import TLSFiles
        from kata_oci.webhook.server import WebhookApp, serve
    except ImportError as exc:  # uvicorn or prometheus-client missing
        raise common.Failure(
            "the webhook server needs the webhook extra: pip install 'kata-oci[webhook]' "
            f"({exc.name} is missing)"
        ) from None
    _configure_logging(args.log_format)
    try:
        tls = TLSFiles(args.tls_cert, args.tls_key)
    except (OSError, ValueError) as exc:
        raise common.Failure(f"cannot load the TLS certificate and key: {output.escape(str(exc))}") from None
    app = WebhookApp(
        args.config,
        tls=tls,
        max_body=args.max_body,
        timeout=args.timeout,
        reload_interval=args.reload_interval,
        workers=args.workers,
    )
    serve(app, host=args.listen, port=args.port, tls=tls)
    return common.EXIT_OK
