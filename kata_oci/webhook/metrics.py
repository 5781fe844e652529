"""The webhook's Prometheus metrics, in a registry of its own (not the process-global one).

* ``kata_oci_webhook_requests_total{code}``: HTTP requests to ``/validate`` by status code;
* ``kata_oci_webhook_verdicts_total{verdict}``: decisions (allowed, warned, denied, skipped);
* ``kata_oci_webhook_request_seconds``: histogram of the time to answer a review;
* ``kata_oci_webhook_reloads_total{what,result}``: configuration and certificate reloads;
* ``kata_oci_webhook_config_generation``: how many configurations were loaded;
* ``kata_oci_webhook_decisions_running``: decisions running in the worker threads now, those
  already answered 503 (past the timeout, still running: a thread cannot be stopped) included.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "kata_oci_webhook_requests",
            "Requests to /validate by HTTP status",
            ["code"],
            registry=self.registry,
        )
        self.verdicts = Counter(
            "kata_oci_webhook_verdicts", "Admission decisions by verdict", ["verdict"], registry=self.registry
        )
        self.latency = Histogram(
            "kata_oci_webhook_request_seconds",
            "Time to answer an AdmissionReview",
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.reloads = Counter(
            "kata_oci_webhook_reloads", "File reloads", ["what", "result"], registry=self.registry
        )
        self.generation = Gauge(
            "kata_oci_webhook_config_generation", "Configurations loaded so far", registry=self.registry
        )
        self.running = Gauge(
            "kata_oci_webhook_decisions_running",
            "Decisions running in the worker threads, those past their timeout included",
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
