"""The webhook's ASGI application, and running it on uvicorn over HTTPS.

Routes: ``POST /validate`` (an AdmissionReview; ``/`` too), ``GET /healthz``
(the process answers), ``GET /readyz`` (a configuration is loaded, and a
review sent now can be decided: 503 while every decision worker is held by
a decision already past its timeout), ``GET /metrics`` (Prometheus). Every
answer to ``/validate`` is one of:

* 200 and the response AdmissionReview (allowed or denied, with warnings);
* 400 with a text message for a body that is not a v1 AdmissionReview,
  413 for one over ``max_body`` bytes, 415 for a content type not JSON,
  405 for a method other than POST, 408 when the body is not read in time;
* 503 when the review is not decided within ``timeout`` seconds (set it
  below the ValidatingWebhookConfiguration's ``timeoutSeconds``): the API
  server takes a non-200 answer as a failed call, so the webhook's
  ``failurePolicy`` decides, in time, rather than the API server's own
  timeout; 500 if deciding raised (logged; never a crash of the server).

Decisions run in a small thread pool (checking is CPU work, and the event
loop keeps answering probes). A thread cannot be stopped: a decision that
outlives its timeout (answered 503) runs on to its end and holds its
worker until then; the ``decisions_running`` gauge counts those too, and
the configuration and certificate are reloaded on a thread of their own,
so that such decisions never hold up a reload. Every decision is logged as
a structured ``admission_decision`` event through :mod:`kata_oci.log`. The configuration
and the TLS certificate are polled every ``reload_interval`` seconds
(:mod:`.reload`).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

from kata_oci.errors import cut
from kata_oci.log import log

from .config import WebhookConfig, load_config
from .metrics import CONTENT_TYPE_LATEST, Metrics
from .reload import TLSFiles, Watcher
from .review import MAX_REVIEW_BYTES, ReviewError, ReviewResult, decode_review, review

__all__ = ["DEFAULT_TIMEOUT", "WebhookApp", "build_server", "serve"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

#: Seconds to decide a review; below the 10 s the deploy/ webhook configuration gives the API server.
DEFAULT_TIMEOUT: Final = 5.0
DEFAULT_RELOAD_INTERVAL: Final = 5.0


class _TooLarge(Exception):
    pass


class WebhookApp:
    """The ASGI application (uvicorn or any ASGI server runs it)."""

    def __init__(
        self,
        config_path: str | None = None,
        *,
        tls: TLSFiles | None = None,
        max_body: int = MAX_REVIEW_BYTES,
        timeout: float = DEFAULT_TIMEOUT,
        reload_interval: float = DEFAULT_RELOAD_INTERVAL,
        workers: int = 4,
        decide: Callable[[Any, WebhookConfig], ReviewResult] = review,
    ) -> None:
        self.metrics = Metrics()
        self.max_body = max_body
        self.timeout = timeout
        self.reload_interval = reload_interval
        self.tls = tls
        self._decide = decide
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kata-oci-webhook")
        self._reload_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kata-oci-webhook-reload")
        # The decisions running in the pool: each worker thread's ident, with its start (monotonic).
        self._running: dict[int, float] = {}
        self._running_lock = threading.Lock()
        self._poller: asyncio.Task[None] | None = None

        def load() -> tuple[WebhookConfig, tuple[str, ...]]:
            cfg = load_config(config_path)
            return cfg, cfg.files

        self.config: Watcher[WebhookConfig] = Watcher(
            load,
            on_reload=lambda cfg: self._reloaded("config", cfg.path),
            on_error=lambda exc: self._reload_failed("config", exc),
        )
        self.metrics.generation.set(self.config.generation)
        if tls is not None:
            tls.watcher._on_reload = lambda _: self._reloaded("certificate", tls.certfile)
            tls.watcher._on_error = lambda exc: self._reload_failed("certificate", exc)

    # -- reloading ---------------------------------------------------------------------------

    def _reloaded(self, what: str, path: str | None) -> None:
        self.metrics.reloads.labels(what, "ok").inc()
        if what == "config":
            self.metrics.generation.set(self.config.generation)
        log.info("webhook_reloaded", what=what, file=path)

    def _reload_failed(self, what: str, exc: Exception) -> None:
        self.metrics.reloads.labels(what, "error").inc()
        log.error("webhook_reload_failed", what=what, error=str(exc)[:1000], kept="the previous one")

    def check_files(self) -> None:
        """Reload the configuration and the certificate if their files changed."""
        self.config.check()
        if self.tls is not None:
            self.tls.watcher.check()

    async def _poll(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.reload_interval)
            try:
                await loop.run_in_executor(self._reload_pool, self.check_files)
            except Exception as exc:  # pragma: no cover - check() reports its own errors
                log.error("webhook_poll_failed", error=str(exc)[:1000])

    # -- ASGI --------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path in ("/validate", "/"):
            await self._validate(scope, receive, send)
        elif path == "/healthz":
            await _text(send, 200, "ok")
        elif path == "/readyz":
            if self.stuck_workers() >= self.workers:
                await _text(
                    send,
                    503,
                    f"not ready: all {self.workers} decision workers are held by decisions "
                    f"running for more than {self.timeout} s",
                )
            else:
                await _text(send, 200, f"ready: configuration generation {self.config.generation}")
        elif path == "/metrics" and method in ("GET", "HEAD"):
            await _respond(send, 200, self.metrics.exposition(), CONTENT_TYPE_LATEST)
        else:
            await _text(send, 404, "not found: POST /validate, GET /healthz, /readyz, /metrics")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.reload_interval > 0:
                    self._poller = asyncio.get_running_loop().create_task(self._poll())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._poller is not None:
                    self._poller.cancel()
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._reload_pool.shutdown(wait=False, cancel_futures=True)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _body(self, scope: Scope, receive: Receive) -> bytes:
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body:
                raise _TooLarge
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ConnectionError("client went away")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _validate(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        status = await self._answer(scope, receive, send, start)
        self.metrics.requests.labels(str(status)).inc()
        self.metrics.latency.observe(time.perf_counter() - start)

    async def _answer(self, scope: Scope, receive: Receive, send: Send, start: float) -> int:
        if scope["method"] != "POST":
            return await _text(send, 405, "POST an AdmissionReview to /validate")
        ctype = dict(scope.get("headers", ())).get(b"content-type", b"application/json")
        if not ctype.split(b";")[0].strip().lower().endswith(b"json"):
            return await _text(send, 415, "the body must be application/json (an AdmissionReview)")
        try:
            body = await asyncio.wait_for(self._body(scope, receive), self.timeout)
        except _TooLarge:
            return await _text(send, 413, f"the body is larger than {self.max_body} bytes")
        except TimeoutError:
            return await _text(send, 408, f"the body was not read within {self.timeout} s")
        except ConnectionError:
            return 499
        config = self.config.value
        loop = asyncio.get_running_loop()
        remaining = max(0.0, self.timeout - (time.perf_counter() - start))
        try:
            result = await asyncio.wait_for(
                loop.run_in_executor(self._pool, self._decide_bytes, body, config), remaining
            )
        except ReviewError as exc:
            log.info("admission_bad_request", error=str(exc)[:1000])
            return await _text(send, 400, str(exc))
        except TimeoutError:
            self.metrics.verdicts.labels("timeout").inc()
            log.error("admission_timeout", seconds=self.timeout)
            return await _text(send, 503, f"not decided within {self.timeout} s: the failurePolicy applies")
        except Exception as exc:
            self.metrics.verdicts.labels("error").inc()
            log.error("admission_error", error=f"{type(exc).__name__}: {str(exc)[:1000]}")
            return await _text(send, 500, "internal error while deciding: the failurePolicy applies")
        self.metrics.verdicts.labels(result.verdict).inc()
        _log_decision(result, self.config.generation)
        return await _respond(send, 200, result.encode(), "application/json")

    def _decide_bytes(self, body: bytes, config: WebhookConfig) -> ReviewResult:
        worker = threading.get_ident()  # a worker runs one decision at a time
        with self._running_lock:
            self._running[worker] = time.monotonic()
            self.metrics.running.set(len(self._running))
        try:
            return self._decide(decode_review(body), config)
        finally:
            with self._running_lock:
                del self._running[worker]
                self.metrics.running.set(len(self._running))

    def stuck_workers(self) -> int:
        """How many decisions have been running for longer than the timeout (their answer was a 503)."""
        since = time.monotonic() - self.timeout
        with self._running_lock:
            return sum(1 for start in self._running.values() if start < since)


def _log_decision(result: ReviewResult, generation: int) -> None:
    # Every string comes from the request: each is cut, so a 1 MB key gives a line of a few KB.
    denied = sorted({cut(r.key) for r in result.records if not result.allowed and r.key is not None})
    log.info(
        "admission_decision",
        uid=cut(result.uid),
        operation=cut(result.operation),
        kind=cut(result.kind),
        namespace=cut(result.namespace),
        name=result.name[:253],
        verdict=result.verdict,
        allowed=result.allowed,
        skipped=result.skipped,
        warnings=len(result.warnings),
        keys=[f"{cut(r.key)}={r.verdict}" for r in result.records if r.key is not None][:50],
        denied_keys=denied[:50],
        config_generation=generation,
        seconds=round(result.seconds, 6),
    )


async def _respond(send: Send, status: int, body: bytes, ctype: str) -> int:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
    return status


async def _text(send: Send, status: int, text: str) -> int:
    return await _respond(send, status, (text + "\n").encode(), "text/plain; charset=utf-8")


def build_server(
    app: WebhookApp,
    *,
    host: str = "0.0.0.0",
    port: int = 8443,
    tls: TLSFiles | None,
    log_level: str = "warning",
) -> Any:
    """A ``uvicorn.Server`` for ``app`` (HTTPS when ``tls`` is given); ``.run()`` serves until SIGTERM."""
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        log_level=log_level,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        timeout_keep_alive=30,
        ssl_certfile=tls.certfile if tls is not None else None,
        ssl_keyfile=tls.keyfile if tls is not None else None,
    )
    config.load()
    if tls is not None:
        config.ssl = tls.context  # the context TLSFiles reloads in place
    return uvicorn.Server(config)


def serve(app: WebhookApp, **kwargs: Any) -> None:
    """Serve ``app`` until SIGTERM (the arguments of :func:`build_server`)."""
    build_server(app, **kwargs).run()
