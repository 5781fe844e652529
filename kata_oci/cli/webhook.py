"""``kata-oci webhook``: the validating admission webhook, or one AdmissionReview answered.

``--review FILE`` (``-``: standard input) decides one AdmissionReview as the
server would and writes the response AdmissionReview on stdout; the exit
status is 0 when allowed, 1 when denied, 2 when the review is unusable.
Without it the command serves HTTPS (needs ``pip install kata-oci[webhook]``).
"""

from __future__ import annotations

import argparse

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
        raise common.Failure("give --review FILE (the HTTPS server is not in this version yet)")
    data = _read(args.review)
    config = load_config(args.config)
    result = review_bytes(data, config)
    output.write_json(result.response())
    return common.EXIT_OK if result.allowed else common.EXIT_REJECTED
