"""One AdmissionReview (``admission.k8s.io/v1``) in, its response out: pure functions.

:func:`review_bytes` decodes a request body (bounded, typed with msgspec),
:func:`review` decides it against a loaded :class:`~.config.WebhookConfig`:

* operations other than CREATE and UPDATE, subresources, kinds without a pod
  template, and a Pod's UPDATE (a running pod's annotations never reach its
  sandbox) are allowed untouched;
* each pod (a Pod, or a workload's pod template) whose RuntimeClass runs a
  Kata handler is checked by :func:`kata_oci.k8s.check_pod`; a pod whose
  RuntimeClass the configuration does not know, or whose handler is not
  Kata, is allowed untouched;
* records whose verdict the namespace's policy denies (``rejected`` by
  default) deny the request, with a message listing each key, reason and fix;
  those it warns about (``dropped``, ``unknown``: misspelt and removed keys)
  become ``warnings``, which kubectl prints.

Both are kept within what the API server passes on. Its warning recorder
(k8s.io/apiserver/pkg/endpoints/filters/warning.go: ``truncateAtTotalRunes =
4 * 1024``, ``truncateItemRunes = 256``) cuts every warning to 256 runes once
the total passes 4096 and drops the rest, and drops a warning holding a
control character: so each warning here is at most :data:`MAX_WARNING_RUNES`
runes with control characters escaped, all of them at most
:data:`MAX_WARNINGS_RUNES`, the last saying how many were left out. The denial
message is bounded to :data:`MAX_MESSAGE_CHARS`.

A body that is not an AdmissionReview of ``admission.k8s.io/v1`` raises
:class:`ReviewError` (the server answers HTTP 400).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import msgspec

from kata_oci.errors import KataOCIError, cut
from kata_oci.k8s import Cluster, PodReport, PodTemplate, Record, check_pod, collect
from kata_oci.k8s.documents import Document

from .config import Policy, WebhookConfig

__all__ = [
    "API_VERSION",
    "MAX_MESSAGE_CHARS",
    "MAX_REVIEW_BYTES",
    "MAX_WARNINGS_RUNES",
    "MAX_WARNING_RUNES",
    "ReviewError",
    "ReviewResult",
    "decode_review",
    "review",
    "review_bytes",
]

API_VERSION: Final = "admission.k8s.io/v1"
MAX_WARNING_RUNES: Final = 256
MAX_WARNINGS_RUNES: Final = 4 * 1024
MAX_MESSAGE_CHARS: Final = 4 * 1024
#: The largest AdmissionReview read: an object and its old version of up to etcd's 1.5 MiB each, and more.
MAX_REVIEW_BYTES: Final = 6 * 1024 * 1024
_MAX_ENTRY: Final = 600
_CHECKED_OPERATIONS: Final = frozenset({"CREATE", "UPDATE"})


class ReviewError(KataOCIError):
    """A request body that is not a usable AdmissionReview (HTTP 400)."""


class GroupVersionKind(msgspec.Struct):
    group: str = ""
    version: str = ""
    kind: str = ""


class AdmissionRequest(msgspec.Struct, rename="camel"):
    uid: str
    kind: GroupVersionKind = msgspec.field(default_factory=GroupVersionKind)
    sub_resource: str = ""
    namespace: str = ""
    name: str = ""
    operation: str = ""
    object: Any = None
    dry_run: bool | None = None


class AdmissionReview(msgspec.Struct, rename="camel"):
    api_version: str = msgspec.field(name="apiVersion", default="")
    kind: str = ""
    request: AdmissionRequest | None = None


@dataclass(slots=True)
class ReviewResult:
    """The decision on one request: the response document and what the logs and metrics need."""

    uid: str
    allowed: bool
    message: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: Why the request was allowed without a check (``None``: it was checked).
    skipped: str | None = None
    kind: str = ""
    namespace: str = ""
    name: str = ""
    operation: str = ""
    records: list[Record] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def verdict(self) -> str:
        """``denied``, ``warned``, ``allowed`` or ``skipped`` (a metrics label)."""
        if not self.allowed:
            return "denied"
        if self.warnings:
            return "warned"
        return "skipped" if self.skipped else "allowed"

    def response(self) -> dict[str, Any]:
        """The AdmissionReview the API server reads back."""
        body: dict[str, Any] = {"uid": self.uid, "allowed": self.allowed}
        if not self.allowed:
            body["status"] = {"code": 403, "reason": "Forbidden", "message": self.message or ""}
        if self.warnings:
            body["warnings"] = self.warnings
        return {"apiVersion": API_VERSION, "kind": "AdmissionReview", "response": body}

    def encode(self) -> bytes:
        return msgspec.json.encode(self.response())


_DECODER: Final = msgspec.json.Decoder(AdmissionReview)


def decode_review(data: bytes) -> AdmissionRequest:
    """The request of an AdmissionReview body; :class:`ReviewError` says what is wrong with it."""
    try:
        doc = _DECODER.decode(data)
    except msgspec.ValidationError as exc:
        raise ReviewError(f"not an AdmissionReview: {cut(exc, 300)}") from None
    except msgspec.DecodeError as exc:
        raise ReviewError(f"not JSON: {cut(exc, 300)}") from None
    except RecursionError:  # msgspec's depth limit (not a ValueError): a hostile body, a 400
        raise ReviewError("not an AdmissionReview: nested too deeply") from None
    if doc.kind != "AdmissionReview":
        raise ReviewError(f"kind must be AdmissionReview, not {cut(doc.kind, 60)!r}")
    if doc.api_version != API_VERSION:
        raise ReviewError(
            f"apiVersion {cut(doc.api_version, 60)!r} is not served: this webhook reads {API_VERSION} "
            "(admissionReviewVersions: [v1])"
        )
    if doc.request is None:
        raise ReviewError("an AdmissionReview request needs a request")
    if not doc.request.uid:
        raise ReviewError("request.uid is empty")
    return doc.request


def review_bytes(data: bytes, config: WebhookConfig) -> ReviewResult:
    """Decode and decide one AdmissionReview body (raises :class:`ReviewError` on a bad body)."""
    return review(decode_review(data), config)


def _escape(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _runes(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_kata(pod: PodTemplate, cluster: Cluster) -> bool:
    """Whether the pod runs on a Kata handler as this configuration knows the cluster."""
    if cluster.handler_override is not None:
        handler = cluster.handler_override
    else:
        name = pod.spec.get("runtimeClassName") or ""
        if name:
            rc = cluster.runtime_classes.get(name) if isinstance(name, str) else None
            if rc is None:
                return False  # a RuntimeClass this configuration does not know: not ours to judge
            handler = rc.handler
        else:
            handler = ""
    h = cluster.node.handler(handler)
    return h.kata if h is not None else bool(handler)


def _what(r: Record) -> str:
    return f"annotation {cut(r.key, 120)}" if r.key is not None else "pod"


def _entry(r: Record) -> str:
    text = f"{_what(r)}: {r.verdict} ({r.layer}): {r.reason}"
    if r.fix:
        text += f" (fix: {r.fix})"
    return _escape(_runes(text, _MAX_ENTRY))


def _message(records: list[Record], obj: str) -> str:
    head = f"kata-oci: Kata would refuse {obj}: "
    parts: list[str] = []
    used = len(head)
    for i, r in enumerate(records):
        entry = _entry(r)
        more = len(records) - i - 1
        tail = f"; ... and {more} more" if more else ""
        if used + len(entry) + 2 + len(tail) > MAX_MESSAGE_CHARS and parts:
            parts.append(f"... and {len(records) - i} more")
            break
        parts.append(entry)
        used += len(entry) + 2
    return head + "; ".join(parts)


def _warnings(records: list[Record], obj: str, multi: bool) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    total = 0
    for i, r in enumerate(records):
        where = f"{obj}: " if multi else ""
        text = f"kata-oci: {where}{_what(r)}: {r.verdict} ({r.layer}): {r.reason}"
        if r.fix:
            text += f" (fix: {r.fix})"
        text = _runes(_escape(text), MAX_WARNING_RUNES)
        if text in seen:
            continue
        rest = f"kata-oci: {len(records) - i} more warnings left out"
        if total + len(text) + len(rest) > MAX_WARNINGS_RUNES:
            out.append(rest)
            break
        seen.add(text)
        out.append(text)
        total += len(text)
    return out


def _object_name(req: AdmissionRequest, pod: PodTemplate) -> str:
    ns = req.namespace or pod.ref.namespace or ""
    name = req.name or pod.ref.name or "(generated name)"
    where = f" {pod.path}" if pod.path else ""
    return _escape(f"{req.kind.kind or pod.ref.kind} {ns + '/' if ns else ''}{cut(name, 120)}{where}")


def review(req: AdmissionRequest, config: WebhookConfig) -> ReviewResult:
    """Decide one admission request (never raises for any object a pod author can write)."""
    start = time.perf_counter()
    result = ReviewResult(
        req.uid,
        True,
        kind=req.kind.kind,
        namespace=req.namespace,
        name=req.name,
        operation=req.operation,
    )
    try:
        _decide(req, config, result)
    finally:
        result.seconds = time.perf_counter() - start
    return result


def _decide(req: AdmissionRequest, config: WebhookConfig, result: ReviewResult) -> None:
    if req.operation not in _CHECKED_OPERATIONS:
        result.skipped = f"operation {cut(req.operation, 30) or '(none)'}"
        return
    if req.sub_resource:
        result.skipped = f"subresource {cut(req.sub_resource, 60)}"
        return
    if req.operation == "UPDATE" and req.kind.kind == "Pod":
        result.skipped = "a Pod's UPDATE (its annotations never reach a running sandbox)"
        return
    obj = req.object
    if not isinstance(obj, Mapping):
        result.skipped = "no object"
        return
    if req.kind.kind and (obj.get("kind") != req.kind.kind or "apiVersion" not in obj):
        group = f"{req.kind.group}/" if req.kind.group else ""
        obj = {**obj, "kind": req.kind.kind, "apiVersion": f"{group}{req.kind.version}"}
    found = collect([Document(obj, "<admission>", 0)])
    if not found.pods:
        result.skipped = f"kind {cut(req.kind.kind, 60) or '?'} holds no pod template"
        return
    cluster = config.cluster
    policy: Policy = config.policy_for(req.namespace or None)
    denied: list[Record] = []
    warned: list[Record] = []
    checked = 0
    obj_name = ""
    for pod in found.pods:
        if not _is_kata(pod, cluster):
            continue
        checked += 1
        report: PodReport = check_pod(pod, cluster)
        result.records.extend(report.records)
        obj_name = _object_name(req, pod)
        for r in report.records:
            if r.verdict in policy.deny:
                denied.append(r)
            elif r.verdict in policy.warn:
                warned.append(r)
    if not checked:
        result.skipped = "no Kata RuntimeClass"
        return
    multi = len(found.pods) > 1
    if denied:
        result.allowed = False
        result.message = _message(denied, obj_name)
    result.warnings = _warnings(warned, obj_name, multi)
