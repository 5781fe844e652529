"""What kubelet sends the CRI about a pod's resources (``LinuxPodSandboxConfig.Resources``).

kubelet's ``calculateSandboxResources``: the pod's requests and limits with
the RuntimeClass overhead **excluded** (``ExcludeOverhead: true``), summed as
``resourcehelper.PodRequests``/``PodLimits`` do (regular containers plus
sidecars, i.e. init containers with ``restartPolicy: Always``; each other init
container counts with the sidecars started before it, and the pod takes the
larger of the two), or the pod-level ``spec.resources`` when it is set
(``PodLevelResources``, on by default since Kubernetes 1.34). A container
without a limit adds nothing to the limit: it does not make the pod unlimited.
Then ``calculateLinuxResources``: CPU shares from the CPU request (``0`` -> 2,
``milli * 1024 / 1000``, at least 2, at most 262144; the limit when there is
no request), the CFS quota from the CPU limit (``milli * period / 1000``, at
least 1000, 0 without a limit; -1 when the pod has exclusive CPUs under the
static CPU manager), the period 100000 µs, the memory limit in bytes.

As the API server does when it admits a pod, a container that sets only a
limit gets that limit as its request. Quantities that do not parse are
reported and count as absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .quantity import NANO, QuantityError, milli_value, parse_quantity, value

__all__ = [
    "CFS_PERIOD_US",
    "LinuxResources",
    "PodResources",
    "milli_cpu_to_quota",
    "milli_cpu_to_shares",
    "pod_resources",
    "resource_errors",
    "sandbox_resources",
]

CFS_PERIOD_US: Final = 100_000
_MIN_SHARES: Final = 2
_MAX_SHARES: Final = 262_144
_MIN_QUOTA: Final = 1_000
_INT64_MAX: Final = (1 << 63) - 1
_CPU: Final = "cpu"
_MEMORY: Final = "memory"


def milli_cpu_to_shares(milli: int) -> int:
    """kubelet's ``MilliCPUToShares``."""
    if milli == 0:
        return _MIN_SHARES
    shares = milli * 1024 // 1000
    return min(max(shares, _MIN_SHARES), _MAX_SHARES)


def milli_cpu_to_quota(milli: int, period: int) -> int:
    """kubelet's ``milliCPUToQuota``: 0 without a limit, else at least 1000 µs."""
    if milli == 0:
        return 0
    return max(milli * period // 1000, _MIN_QUOTA)


@dataclass(frozen=True, slots=True)
class PodResources:
    """A pod's CPU and memory requests and limits, overhead excluded (absent: ``None``)."""

    cpu_request: int | None = None
    cpu_limit: int | None = None
    memory_request: int | None = None
    memory_limit: int | None = None
    problems: tuple[str, ...] = ()
    pod_level: bool = False
    guaranteed_integer_cpus: bool = False


@dataclass(frozen=True, slots=True)
class LinuxResources:
    """The CRI's ``LinuxContainerResources`` kubelet computes for the sandbox."""

    cpu_period: int
    cpu_quota: int
    cpu_shares: int
    memory_limit_in_bytes: int


@dataclass(slots=True)
class _Sum:
    values: dict[str, int] = field(default_factory=dict)

    def add(self, other: Mapping[str, int]) -> None:
        for k, v in other.items():
            self.values[k] = self.values.get(k, 0) + v

    def max(self, other: Mapping[str, int]) -> None:
        for k, v in other.items():
            if k not in self.values or v > self.values[k]:
                self.values[k] = v


def _quantities(raw: Any, where: str, problems: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    if not isinstance(raw, Mapping):
        return out
    for name in (_CPU, _MEMORY):
        if name in raw:
            try:
                out[name] = parse_quantity(raw[name])
            except QuantityError as exc:
                problems.append(f"{where}.{name}: {exc}")
    return out


def _container_resources(
    c: Mapping[str, Any], where: str, problems: list[str]
) -> tuple[dict[str, int], dict[str, int]]:
    res = c.get("resources")
    res = res if isinstance(res, Mapping) else {}
    limits = _quantities(res.get("limits"), f"{where}.resources.limits", problems)
    requests = _quantities(res.get("requests"), f"{where}.resources.requests", problems)
    for name, limit in limits.items():
        requests.setdefault(name, limit)  # API server defaulting: request = limit
    return requests, limits


def _containers(spec: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value_ = spec.get(key)
    if not isinstance(value_, list):
        return []
    return [c for c in value_ if isinstance(c, Mapping)]


def resource_errors(spec: Mapping[str, Any], prefix: str = "spec") -> list[tuple[str | None, str, str]]:
    """(container name, message, phase) for each CPU or memory quantity the API server refuses.

    A quantity that does not parse is refused when the object is decoded
    (phase ``"decode"``); a negative one, or a request above its limit
    (``ValidateResourceRequirements``), when it is validated (``"validate"``).
    """
    found: list[tuple[str | None, str, str]] = []
    for key in ("initContainers", "containers"):
        for i, c in enumerate(_containers(spec, key)):
            name = c.get("name") if isinstance(c.get("name"), str) else None
            res = c.get("resources")
            if not isinstance(res, Mapping):
                continue
            where = f"{prefix}.{key}[{i}].resources"
            values: dict[str, dict[str, tuple[Any, int]]] = {"limits": {}, "requests": {}}
            for part in ("limits", "requests"):
                raw = res.get(part)
                if not isinstance(raw, Mapping):
                    continue
                for rname in (_CPU, _MEMORY):
                    if rname not in raw:
                        continue
                    try:
                        q = parse_quantity(raw[rname])
                    except QuantityError as exc:
                        found.append((name, f"{where}.{part}[{rname}]: {exc}", "decode"))
                        continue
                    if q < 0:
                        msg = f"{where}.{part}[{rname}]: must be greater than or equal to 0"
                        found.append((name, msg, "validate"))
                    values[part][rname] = (raw[rname], q)
            for rname, (req_raw, req) in values["requests"].items():
                lim = values["limits"].get(rname)
                if lim is not None and req > lim[1]:
                    found.append(
                        (
                            name,
                            f"{where}.requests[{rname}]: Invalid value: {str(req_raw)[:64]!r}: must be less "
                            f"than or equal to {rname} limit of {str(lim[0])[:64]}",
                            "validate",
                        )
                    )
    return found


def pod_resources(spec: Mapping[str, Any]) -> PodResources:
    """The pod's requests and limits as kubelet sums them for the sandbox (overhead excluded)."""
    problems: list[str] = []
    requests, limits = _Sum(), _Sum()
    guaranteed = True
    integer_cpus = True
    for i, c in enumerate(_containers(spec, "containers")):
        req, lim = _container_resources(c, f"spec.containers[{i}]", problems)
        requests.add(req)
        limits.add(lim)
        for name in (_CPU, _MEMORY):
            if name not in lim or req.get(name) != lim[name]:
                guaranteed = False
        if _CPU in req and req[_CPU] % NANO:
            integer_cpus = False
    side_req, side_lim = _Sum(), _Sum()
    init_req, init_lim = _Sum(), _Sum()
    for i, c in enumerate(_containers(spec, "initContainers")):
        req, lim = _container_resources(c, f"spec.initContainers[{i}]", problems)
        if c.get("restartPolicy") == "Always":
            requests.add(req)
            limits.add(lim)
            side_req.add(req)
            side_lim.add(lim)
            init_req.max(side_req.values)
            init_lim.max(side_lim.values)
        else:
            tmp_req, tmp_lim = _Sum(), _Sum()
            tmp_req.add(req)
            tmp_req.add(side_req.values)
            tmp_lim.add(lim)
            tmp_lim.add(side_lim.values)
            init_req.max(tmp_req.values)
            init_lim.max(tmp_lim.values)
    requests.max(init_req.values)
    limits.max(init_lim.values)
    pod_level = False
    pod_res = spec.get("resources")
    if isinstance(pod_res, Mapping) and (pod_res.get("requests") or pod_res.get("limits")):
        # PodLevelResources: the pod's own requests/limits replace the containers' sums.
        pod_level = True
        plim = _quantities(pod_res.get("limits"), "spec.resources.limits", problems)
        preq = _quantities(pod_res.get("requests"), "spec.resources.requests", problems)
        for name, limit in plim.items():
            preq.setdefault(name, limit)
        requests.values.update(preq)
        limits.values.update(plim)
    r, li = requests.values, limits.values
    return PodResources(
        r.get(_CPU),
        li.get(_CPU),
        r.get(_MEMORY),
        li.get(_MEMORY),
        tuple(problems),
        pod_level,
        guaranteed and integer_cpus and _CPU in r and bool(_containers(spec, "containers")),
    )


def sandbox_resources(res: PodResources, *, exclusive_cpus: bool = False) -> LinuxResources:
    """kubelet's ``calculateLinuxResources`` for the sandbox, with the CFS quota on.

    ``exclusive_cpus``: the node runs the static CPU manager (with
    ``DisableCPUQuotaWithExclusiveCPUs``), so a Guaranteed pod with whole CPUs
    gets no CFS quota (-1).
    """
    cpu_limit = milli_value(res.cpu_limit) if res.cpu_limit is not None else 0
    if res.cpu_request is None and res.cpu_limit is not None:
        shares = milli_cpu_to_shares(cpu_limit)
    else:
        shares = milli_cpu_to_shares(milli_value(res.cpu_request) if res.cpu_request is not None else 0)
    quota = min(milli_cpu_to_quota(cpu_limit, CFS_PERIOD_US), _INT64_MAX)
    if exclusive_cpus and res.guaranteed_integer_cpus:
        quota = -1
    memory = value(res.memory_limit) if res.memory_limit is not None else 0
    # The CRI's fields are int64: a quantity beyond them is held at the largest.
    return LinuxResources(CFS_PERIOD_US, quota, shares, min(max(memory, 0), _INT64_MAX))
