"""Checking pods layer by layer: Kubernetes, RuntimeClass, the CRI, Kata.

For each pod (a Pod or a workload's pod template), every annotation that is an
``io.katacontainers.`` key, looks like one (``kata`` in it), or makes the API
server refuse the pod gets one :class:`~.records.Record` from the first layer
that decides its fate:

1. **kubernetes**: the API server's ``ValidateAnnotations`` (key syntax, 256 KiB
   total), values that are not strings, the ``runtimeClassName`` syntax; a key
   on a workload's own metadata instead of its pod template never reaches a pod;
2. **runtimeclass**: ``runtimeClassName`` -> handler (a missing RuntimeClass
   refuses the pod); no ``runtimeClassName`` means the CRI's default runtime;
3. **cri**: the handler must exist and run a Kata shim; containerd passes only
   the keys its ``pod_annotations`` match, CRI-O removes only its own keys;
4. **kata**: the handler's configuration file and the profile's verdict
   (:mod:`.kata`).

A pod that fails at a layer also gets a record with ``key`` ``None``. Each
pod's report holds the predicted sandbox sizing (:mod:`.kubelet`,
:mod:`.containerd`, :func:`kata_oci.sizing.calculate_vm_resources`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any, Final

import msgspec

from kata_oci import golang
from kata_oci.errors import cut
from kata_oci.overrides import Outcome
from kata_oci.sizing import calculate_vm_resources, parse_go_int

from . import apiserver, containerd, crio
from .cluster import Cluster, Overhead, overhead_of
from .documents import Document
from .kata import KataTarget, plan_kata
from .kubelet import pod_resources, resource_errors, sandbox_resources
from .nodeconfig import CRIKind, Handler
from .objects import Manifests, PodTemplate, RuntimeClassObject, collect
from .quantity import QuantityError, parse_quantity
from .records import CheckReport, Layer, PodReport, PodSizing, Record, Verdict

__all__ = ["check_manifests", "check_pod"]

KATA_PREFIX: Final = "io.katacontainers."
_OUTCOME: Final = {
    Outcome.APPLIED: Verdict.APPLIED,
    Outcome.REJECTED: Verdict.REJECTED,
    Outcome.IGNORED: Verdict.IGNORED,
    Outcome.UNKNOWN: Verdict.UNKNOWN,
}
_PLAN_CACHE_LIMIT: Final = 4096
#: What kubelet's newContainerAnnotations writes on every container (pkg/kubelet/kuberuntime/labels.go).
_KUBELET_CONTAINER_KEYS: Final = (
    "io.kubernetes.container.hash",
    "io.kubernetes.container.restartCount",
    "io.kubernetes.container.terminationMessagePath",
    "io.kubernetes.container.terminationMessagePolicy",
    "io.kubernetes.pod.terminationGracePeriod",
)
_KATA_SHOWN: Final = 6


def _kata_relevant(key: str) -> bool:
    return key.startswith(KATA_PREFIX) or "kata" in key.lower()


def _key_text(key: Any) -> str:
    # sigs.k8s.io/yaml turns a non-string YAML key into its JSON text.
    if isinstance(key, bool):
        return "true" if key else "false"
    return key if isinstance(key, str) else str(key)


class _Pod:
    """The working state of one pod's check."""

    __slots__ = ("pod", "records", "report")

    def __init__(self, pod: PodTemplate) -> None:
        self.pod = pod
        self.report = PodReport(pod.ref)
        self.records = self.report.records

    def add(
        self,
        key: str | None,
        value: str | None,
        verdict: Verdict,
        layer: Layer,
        reason: str,
        fix: str | None = None,
        **extra: Any,
    ) -> None:
        self.records.append(Record(self.pod.ref, key, value, verdict, layer, reason, fix, **extra))

    def all_keys(
        self, keys: Mapping[str, str], verdict: Verdict, layer: Layer, reason: str, fix: str | None = None
    ) -> None:
        for k, v in keys.items():
            self.add(k, v, verdict, layer, reason, fix)


# -- layer 1: Kubernetes ------------------------------------------------------------------------


_Refusal = tuple[str | None, str | None, str, str | None, str | None]  # key, container, why, fix, value


def _decode(state: _Pod) -> dict[str, str] | None:
    """The annotations as the API server decodes them, or ``None`` when decoding refuses the pod.

    Decoding comes first, before any admission plugin: annotations that are
    not a map of strings and resource quantities that do not parse.
    """
    pod = state.pod
    where = pod.annotations_path
    raw = pod.annotations
    _outer(state)
    errors: list[_Refusal] = []
    annotations: dict[str, str] = {}
    if raw is not None and not isinstance(raw, Mapping):
        errors.append(
            (
                None,
                None,
                f"{where}: must be a map of strings, not {apiserver.json_type_name(raw)}",
                None,
                None,
            )
        )
    for k, v in raw.items() if isinstance(raw, Mapping) else ():
        key = _key_text(k)
        if v is None:
            v = ""  # JSON null into a Go string map element: ""
        if isinstance(v, str):
            annotations[key] = v
            continue
        why = (
            f"{where}[{cut(key)}]: cannot unmarshal {apiserver.json_type_name(v)} into Go struct field "
            "ObjectMeta.metadata.annotations of type string"
        )
        errors.append((key, None, why, "quote the value: annotation values are strings", None))
    rc_name = pod.spec.get("runtimeClassName")
    if rc_name is not None and not isinstance(rc_name, str):
        path = f"{pod.path}.spec.runtimeClassName" if pod.path else "spec.runtimeClassName"
        why = (
            f"{path}: cannot unmarshal {apiserver.json_type_name(rc_name)} into Go struct field "
            "PodSpec.spec.runtimeClassName of type string"
        )
        errors.append((None, None, why, "set spec.runtimeClassName to the name of a RuntimeClass", None))
    for container, error, phase in resource_errors(pod.spec, f"{pod.path}.spec" if pod.path else "spec"):
        if phase == "decode":
            errors.append(
                (None, container, error, "write the quantity as Kubernetes does (250m, 1.5, 512Mi)", None)
            )
    if errors:
        _refuse(state, annotations, errors)
        return None
    return annotations


def _validate(state: _Pod, annotations: dict[str, str]) -> bool:
    """The API server's validation of the object (``ValidateAnnotations``, names, resources)."""
    pod = state.pod
    where = pod.annotations_path
    errors: list[_Refusal] = []
    size = apiserver.annotations_size(annotations)
    if size > apiserver.TOTAL_ANNOTATION_SIZE_LIMIT:
        errors.append(
            (
                None,
                None,
                f"{where}: Too long: the annotations total {size} bytes, more than the "
                f"{apiserver.TOTAL_ANNOTATION_SIZE_LIMIT} the API server allows",
                "keep the pod's annotations under 256 KiB (large initdata or policies: compress them)",
                None,
            )
        )
    for error in (_runtime_class_name_error(pod), _name_error(pod), _namespace_error(pod)):
        if error is not None:
            fix = (
                "set spec.runtimeClassName to the name of a RuntimeClass"
                if "runtimeClassName" in error
                else "give the object a valid name and namespace"
            )
            errors.append((None, None, error, fix, None))
    for container, error, phase in resource_errors(pod.spec, f"{pod.path}.spec" if pod.path else "spec"):
        if phase != "decode":
            errors.append((None, container, error, "no request above its limit, no negative quantity", None))
    for key, value in annotations.items():
        errs = apiserver.annotation_key_errors(key)
        if errs:
            why = f"{where}: Invalid value: {json.dumps(cut(key))}: {errs[0]}"
            errors.append((key, None, why, _key_fix(key), value))
    if errors:
        _refuse(state, annotations, errors)
        return False
    return True


def _refuse(state: _Pod, annotations: Mapping[str, str], errors: list[_Refusal]) -> None:
    """Records for a pod the API server refuses: each error, then every other Kata key with the first."""
    first = errors[0][2]
    refused = {key for key, *_ in errors if key is not None}
    for key, container, why, fix, value in errors:
        state.add(key, value, Verdict.REJECTED, Layer.KUBERNETES, why, fix, container=container)
    for k, v in annotations.items():
        if k not in refused and _kata_relevant(k):
            state.add(k, v, Verdict.REJECTED, Layer.KUBERNETES, f"the API server refuses the pod: {first}")


def _key_fix(key: str) -> str | None:
    name = key.rpartition("/")[2]
    if len(name.encode()) > apiserver.QUALIFIED_NAME_MAX_LENGTH and key.startswith(KATA_PREFIX):
        return "use a shorter form of the key if Kata has one (Kata 4.1 has them for blk_logical_sector_size)"
    return None


def _name_error(pod: PodTemplate) -> str | None:
    """``metadata.name`` must be a DNS subdomain (Pods and workloads; not a template's ``${VAR}``)."""
    name = pod.ref.name
    if not name or name.endswith("*"):  # absent (kubectl may set it) or generateName
        return None
    errs = apiserver.is_dns1123_subdomain(name)
    return f"metadata.name: Invalid value: {json.dumps(cut(name))}: {errs[0]}" if errs else None


def _namespace_error(pod: PodTemplate) -> str | None:
    """``metadata.namespace`` must be a DNS label."""
    ns = pod.ref.namespace
    errs = apiserver.is_dns1123_label(ns) if ns else []
    return f"metadata.namespace: Invalid value: {json.dumps(cut(ns))}: {errs[0]}" if ns and errs else None


def _runtime_class_name_error(pod: PodTemplate) -> str | None:
    name = pod.spec.get("runtimeClassName")
    if name is None:
        return None
    path = f"{pod.path}.spec.runtimeClassName" if pod.path else "spec.runtimeClassName"
    if not isinstance(name, str):
        return None  # a decoding error, reported before
    errs = apiserver.is_dns1123_subdomain(name)
    if name and errs:
        return f"{path}: Invalid value: {json.dumps(cut(name))}: {errs[0]}"
    return None


def _outer(state: _Pod) -> None:
    """Kata keys on a workload's own metadata: they never reach its pods."""
    outer = state.pod.outer_annotations
    if not isinstance(outer, Mapping):
        return
    template = f"{state.pod.path}.metadata.annotations"
    for k, v in outer.items():
        key = _key_text(k)
        if _kata_relevant(key):
            state.add(
                key,
                v if isinstance(v, str) else None,
                Verdict.DROPPED,
                Layer.KUBERNETES,
                f"on the {state.pod.ref.kind}'s own metadata.annotations, which Kubernetes does not copy "
                "to its pods",
                f"move it to {template}",
            )


# -- layer 2: RuntimeClass ------------------------------------------------------------------------


def _kata_classes(cluster: Cluster, extra: Mapping[str, RuntimeClassObject]) -> list[str]:
    """The RuntimeClasses whose handler runs Kata here, the plain QEMU ones first."""
    names = []
    for rc in (*extra.values(), *cluster.runtime_classes.values()):
        h = cluster.node.handlers.get(rc.handler)
        if h is not None and h.kata and rc.name not in names:
            names.append(rc.name)
    first = ("kata-qemu", "kata-qemu-runtime-rs")
    return sorted(names, key=lambda n: (first.index(n) if n in first else len(first), n))


def _same_quantities(given: Mapping[Any, Any], fixed: Mapping[Any, Any]) -> bool:
    """Whether two resource lists are equal as apimachinery's Semantic.DeepEqual says (``1`` == ``1000m``)."""
    if given.keys() != fixed.keys():
        return False
    for k, v in given.items():
        try:
            if parse_quantity(v) != parse_quantity(fixed[k]):
                return False
        except QuantityError:
            if v != fixed[k]:
                return False
    return True


def _overhead_refusal(overhead: Any, rc: RuntimeClassObject | None) -> str | None:
    """Why Kubernetes' RuntimeClass admission refuses a pod that sets its own ``spec.overhead``.

    The plugin sets ``spec.overhead`` from the RuntimeClass's ``overhead.podFixed``;
    one the pod already has must equal it, and without a RuntimeClass overhead it
    must be empty (admission/runtimeclass: setOverhead, validateOverhead).
    """
    if overhead is None or (isinstance(overhead, Mapping) and not overhead):
        return None
    if rc is None or not rc.pod_fixed:
        return "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead"
    if not isinstance(overhead, Mapping) or not _same_quantities(overhead, rc.pod_fixed):
        return "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead"
    return None


def _runtime_class(
    state: _Pod, cluster: Cluster, kata_keys: dict[str, str], extra: Mapping[str, RuntimeClassObject]
) -> tuple[str, Overhead | None] | None:
    """(handler name, overhead) of the pod, or ``None`` when this layer decided."""
    name = state.pod.spec.get("runtimeClassName") or None
    state.report.runtime_class = name
    if cluster.handler_override is not None:
        return cluster.handler_override, None
    rc = None if name is None else extra.get(name) or cluster.runtime_classes.get(name)
    if name is None or rc is not None:
        why = _overhead_refusal(state.pod.spec.get("overhead"), rc)
        if why is not None:
            fix = "remove spec.overhead: the RuntimeClass admission sets it from the RuntimeClass"
            state.add(None, None, Verdict.REJECTED, Layer.RUNTIMECLASS, why, fix)
            state.all_keys(kata_keys, Verdict.REJECTED, Layer.RUNTIMECLASS, why, fix)
            return None
    if name is None:
        return "", None
    if rc is None:
        from .katadeploy import table

        known = _kata_classes(cluster, extra)
        shown = ", ".join(known[:_KATA_SHOWN]) + (", ..." if len(known) > _KATA_SHOWN else "")
        why = f"pod rejected: RuntimeClass {json.dumps(name)} not found"
        hint = table()["not_created"].get(name)
        if hint:
            why += f" (kata-deploy {table()['version']}: {hint})"
        fix = f"use a RuntimeClass that exists ({shown})" if known else "create the RuntimeClass"
        state.add(None, None, Verdict.REJECTED, Layer.RUNTIMECLASS, why, fix)
        state.all_keys(kata_keys, Verdict.REJECTED, Layer.RUNTIMECLASS, why, fix)
        return None
    return rc.handler, (cluster.overheads.get(name) if name not in extra else overhead_of(rc))


# -- layer 3: the CRI ---------------------------------------------------------------------------


def _cri(state: _Pod, cluster: Cluster, handler_name: str, kata_keys: dict[str, str]) -> Handler | None:
    node = cluster.node
    state.report.cri = str(node.cri)
    handler = node.handler(handler_name)
    shown_name = handler_name or node.default_handler
    state.report.handler = shown_name
    if handler is None:
        if node.cri is CRIKind.CONTAINERD:
            why = f"no runtime for {json.dumps(shown_name)} is configured"
            fix = f"add a runtime {shown_name} to containerd's config (plugins.*.containerd.runtimes)"
        else:
            names = " ".join(sorted(node.handlers))
            why = f"failed to find runtime handler {shown_name} from runtime list [{names}]"
            fix = f"add [crio.runtime.runtimes.{shown_name}] to CRI-O's config"
        from .katadeploy import table

        h = table()["handlers"].get(shown_name)
        if h is not None and not h["on_x86_64_node"]:
            why += " (kata-deploy installs this shim only on another architecture)"
        state.add(None, None, Verdict.REJECTED, Layer.CRI, why, fix)
        state.all_keys(kata_keys, Verdict.REJECTED, Layer.CRI, why, fix)
        return None
    state.report.notes.extend(handler.problems)
    if not handler.kata:
        runs = handler.runtime_type or handler.runtime_path or "an OCI runtime"
        if handler_name:
            why = f"runtime {shown_name} runs {runs}, not a Kata shim"
            fix = "use a Kata RuntimeClass"
        else:
            why = (
                f"no runtimeClassName: the pod runs on the CRI's default runtime {shown_name} ({runs}), "
                "not Kata"
            )
            fix = "set spec.runtimeClassName to a Kata RuntimeClass"
        state.all_keys(
            kata_keys, Verdict.IGNORED, Layer.CRI if handler_name else Layer.RUNTIMECLASS, why, fix
        )
        return None
    return handler


def _passed(state: _Pod, cluster: Cluster, handler: Handler, annotations: dict[str, str]) -> dict[str, str]:
    """The annotations that reach the sandbox's spec; records for the kata keys that do not."""
    if handler.cri is CRIKind.CONTAINERD:
        patterns = handler.pod_annotations
        passed = {k: v for k, v in annotations.items() if _matches(cluster, handler, k)}
        for k, v in annotations.items():
            if k not in passed and _kata_relevant(k):
                listed = json.dumps(list(patterns))
                why = (
                    f"not passed: no pod_annotations pattern of runtime {handler.name} matches it ({listed})"
                )
                if k.startswith(KATA_PREFIX):
                    fix = (
                        f"add `io.katacontainers.*` to pod_annotations of runtime {handler.name} "
                        "in containerd's config"
                    )
                else:
                    fix = "use an io.katacontainers. key"
                state.add(k, v, Verdict.DROPPED, Layer.CRI, why, fix)
        return passed
    passed = dict(handler.default_annotations)  # CRI-O's, which the pod's own keys override
    for k, v in annotations.items():
        prefix = crio.removed_by(handler.allowed_annotations, k)
        if prefix is None:
            passed[k] = v
        elif _kata_relevant(k):
            state.add(
                k,
                v,
                Verdict.DROPPED,
                Layer.CRI,
                f"CRI-O removes it: {prefix!r} is not in allowed_annotations of runtime {handler.name}",
                f"add {json.dumps(prefix)} to allowed_annotations of [crio.runtime.runtimes.{handler.name}]",
            )
    return passed


def _matches(cluster: Cluster, handler: Handler, key: str) -> bool:
    cache = cluster._match_cache
    ck = (handler.name, key)
    hit = cache.get(ck)
    if hit is None:
        hit = any(golang.path_match(p, key) for p in handler.pod_annotations)
        if len(cache) < _PLAN_CACHE_LIMIT * 4:
            cache[ck] = hit
    return hit


def _container_keys(cluster: Cluster, pod: PodTemplate, handler: Handler) -> list[str]:
    """kubelet's container annotations that reach the containers' specs through this CRI."""
    ports = prestop = False
    containers = pod.spec.get("containers")
    for c in containers if isinstance(containers, list) else ():
        if isinstance(c, Mapping):
            ports = ports or bool(c.get("ports"))
            lifecycle = c.get("lifecycle")
            prestop = prestop or (isinstance(lifecycle, Mapping) and bool(lifecycle.get("preStop")))
    memo = (handler.name, ports, prestop)
    found = cluster._container_keys.get(memo)
    if found is None:
        keys = list(_KUBELET_CONTAINER_KEYS)
        if ports:
            keys.append("io.kubernetes.container.ports")
        if prestop:
            keys.append("io.kubernetes.container.preStopHandler")
        if handler.cri is CRIKind.CONTAINERD:
            patterns = handler.container_annotations
            found = sorted(k for k in keys if any(golang.path_match(p, k) for p in patterns))
        else:
            found = sorted(k for k in keys if crio.removed_by(handler.allowed_annotations, k) is None)
        cluster._container_keys[memo] = found
    return list(found)


# -- sizing ---------------------------------------------------------------------------------------


def _int(annotations: Mapping[str, str], key: str, *, signed: bool) -> int:
    raw = annotations.get(key)
    if raw is None:
        return 0
    try:
        return parse_go_int(raw, signed=signed)
    except golang.NumError:
        return 0


def _sizing(
    state: _Pod,
    cluster: Cluster,
    handler: Handler | None,
    passed: Mapping[str, str],
    overhead: Overhead | None,
    target: KataTarget | None,
) -> None:
    res = pod_resources(state.pod.spec)
    state.report.notes.extend(res.problems)
    linux = sandbox_resources(res, exclusive_cpus=cluster.exclusive_cpus)
    cpu_o = overhead.cpu_millis if overhead else None
    mem_o = overhead.memory_bytes if overhead else None
    if overhead is not None and overhead.problem:
        state.report.notes.append(overhead.problem)
    cri = handler.cri if handler is not None else cluster.node.cri
    static = target.static_sandbox_resource_mgmt if target is not None else None
    profile = target.profile if target is not None and target.error is None else None
    if cri is CRIKind.CONTAINERD:
        sandbox = containerd.sandbox_sizing_annotations(linux)
        sandbox.update((k, v) for k, v in passed.items() if k in sandbox)  # a passed key wins
        workload = target.sandbox_sizing(sandbox) if profile is not None and target is not None else None
        if workload is None:  # Go's CalculateSandboxSizing
            workload = calculate_vm_resources(
                _int(sandbox, containerd.SANDBOX_CPU_PERIOD, signed=False),
                _int(sandbox, containerd.SANDBOX_CPU_QUOTA, signed=True),
                _int(sandbox, containerd.SANDBOX_MEMORY, signed=True),
                shares=_int(sandbox, containerd.SANDBOX_CPU_SHARES, signed=False),
            )
        note = None
        if static is False:
            note = "static_sandbox_resource_mgmt is off: the VM boots with its defaults and grows by hotplug"
        state.report.sizing = PodSizing(sandbox, workload, cpu_o, mem_o, static, note, profile)
        return
    fields = {
        "cpu_period": linux.cpu_period,
        "cpu_quota": linux.cpu_quota,
        "cpu_shares": linux.cpu_shares,
        "memory_limit_in_bytes": linux.memory_limit_in_bytes,
    }
    body = {name: v for name, v in fields.items() if v}  # protobuf JSON: omitempty
    sandbox = {"pod-linux-resources.crio.io": json.dumps(body, separators=(",", ":"))}
    state.report.sizing = PodSizing(
        sandbox,
        None,
        cpu_o,
        mem_o,
        static,
        "CRI-O writes no io.kubernetes.cri.sandbox-* keys and Kata 4.x does not read "
        "pod-linux-resources.crio.io: no static sandbox sizing from the pod's resources",
        profile,
    )


# -- layer 4: Kata --------------------------------------------------------------------------------


def _fix(hint: str | None, config: str | None) -> str | None:
    if hint is None:
        return None
    if config:
        hint = hint.replace("of the configuration", f"of {os.path.basename(config)}")
    return hint


def _kata(state: _Pod, cluster: Cluster, handler: Handler, passed: dict[str, str]) -> KataTarget:
    target = cluster.kata_target(handler)
    report = state.report
    report.kata_config = target.path
    report.profile = target.profile
    report.notes.extend(target.notes)
    kata_keys = {k: v for k, v in passed.items() if _kata_relevant(k)}
    if target.error is not None:
        report.notes.append(target.error)
        state.all_keys(kata_keys, Verdict.UNKNOWN, Layer.KATA, f"not checked: {target.error}")
        return target
    cache_key = (handler.name, tuple(sorted(kata_keys.items())))
    plan = cluster._plan_cache.get(cache_key)
    if plan is None:
        plan = plan_kata(target, kata_keys, strict=cluster.strict)
        if len(cluster._plan_cache) < _PLAN_CACHE_LIMIT:
            cluster._plan_cache[cache_key] = plan
    defaults = dict(handler.default_annotations)
    own = state.pod.annotations if isinstance(state.pod.annotations, Mapping) else {}
    for d in plan.decisions:
        verdict = _OUTCOME[d.outcome]
        reason = d.reason
        if verdict is Verdict.APPLIED:
            reason = f"applied: sets {d.target}" if d.target else "applied"
        if d.key in defaults and d.key not in own:
            reason = f"from default_annotations of runtime {handler.name} in CRI-O's config: {reason}"
        state.add(
            d.key,
            d.value,
            verdict,
            Layer.KATA,
            reason,
            _fix(d.hint, target.path),
            target=d.target,
            profile=target.profile,
        )
    if plan.config_error is not None:
        state.add(None, None, Verdict.REJECTED, Layer.KATA, str(plan.config_error), profile=target.profile)
    return target


def _respell_dropped(state: _Pod, cluster: Cluster, target: KataTarget) -> None:
    """A dropped key that only looks like Kata's gets the profile's "did you mean" as its fix."""
    misspelt = {
        i: r
        for i, r in enumerate(state.records)
        if r.verdict is Verdict.DROPPED
        and r.layer is Layer.CRI
        and r.key
        and not r.key.startswith(KATA_PREFIX)
    }
    if not misspelt or target.error is not None:
        return
    plan = plan_kata(target, {r.key: r.value or "" for r in misspelt.values() if r.key}, strict=False)
    hints = {d.key: d.hint for d in plan.decisions if d.hint}
    for i, r in misspelt.items():
        hint = hints.get(r.key or "")
        if hint:
            state.records[i] = msgspec.structs.replace(r, fix=hint, profile=target.profile)


# -- the entry points ----------------------------------------------------------------------------


def check_pod(
    pod: PodTemplate, cluster: Cluster, *, runtime_classes: Mapping[str, RuntimeClassObject] | None = None
) -> PodReport:
    """Check one pod (or pod template) against ``cluster``.

    ``runtime_classes`` are RuntimeClasses defined beside the pod (in the same
    manifests), which take precedence over the cluster's.
    """
    state = _Pod(pod)
    annotations = _decode(state)
    if annotations is None:
        return state.report
    kata_keys = {k: v for k, v in annotations.items() if _kata_relevant(k)}
    # A Pod meets the RuntimeClass admission plugin (mutating) before validation; a workload is
    # validated when it is created, and its pods meet the plugin later.
    bare_pod = pod.ref.kind == "Pod"
    found = _runtime_class(state, cluster, kata_keys, runtime_classes or {}) if bare_pod else None
    if bare_pod and found is None:
        return state.report
    if not _validate(state, annotations):
        return state.report
    if not bare_pod:
        found = _runtime_class(state, cluster, kata_keys, runtime_classes or {})
    if found is None:
        return state.report
    handler_name, overhead = found
    handler = _cri(state, cluster, handler_name, kata_keys)
    if handler is None:
        if state.report.handler is not None and cluster.node.handler(handler_name) is not None:
            _sizing(state, cluster, cluster.node.handler(handler_name), {}, overhead, None)
        return state.report
    passed = _passed(state, cluster, handler, annotations)
    state.report.spec_keys = sorted(k for k in passed if k.startswith(KATA_PREFIX))
    state.report.container_keys = _container_keys(cluster, state.pod, handler)
    target = _kata(state, cluster, handler, passed)
    _respell_dropped(state, cluster, target)
    _sizing(state, cluster, handler, passed, overhead, target)
    return state.report


def _documents(objects: Iterable[Any]) -> Iterable[Document]:
    for i, obj in enumerate(objects):
        yield obj if isinstance(obj, Document) else Document(obj, "<object>", i)


def check_manifests(objects: Manifests | Iterable[Any], cluster: Cluster | None = None) -> CheckReport:
    """Check every pod in ``objects`` against ``cluster`` (kata-deploy's defaults when ``None``).

    ``objects`` is what :func:`~.objects.collect` returns, or parsed objects
    (mappings, or :class:`~.documents.Document` from :func:`~.documents.read_documents`).
    RuntimeClasses among them are used for the pods beside them.
    """
    found = objects if isinstance(objects, Manifests) else collect(_documents(objects))
    cl = cluster if cluster is not None else Cluster()
    extra = {rc.name: rc for rc in found.runtime_classes}
    return CheckReport([check_pod(p, cl, runtime_classes=extra) for p in found.pods], list(found.notes))
