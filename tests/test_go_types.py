"""The go profile's configuration types: Go zero values, Go names, the profile tag."""

import math

import msgspec
import pytest

from kata_oci.errors import KernelParamError
from kata_oci.profiles.go import types as t


def test_runtime_config_zero_value_is_go_zero_value() -> None:
    rc = t.RuntimeConfig()
    assert rc.profile == "go"
    assert rc.hypervisor_type is t.HypervisorType.UNSET
    assert rc.vfio_mode is t.VFIOModeType.VFIO  # iota 0
    assert rc.inter_network_model is t.NetInterworkingModel.DEFAULT
    assert rc.hypervisor_config.num_vcpus_f == 0.0
    assert rc.hypervisor_config.cold_plug_vfio is t.PCIePort.UNSET
    assert rc.hypervisor_config.snp_guest_policy is None
    assert rc.agent_config == t.KataAgentConfig()
    assert rc.factory_config.vm_cache_number == 0


def test_profile_is_encoded() -> None:
    encoded = msgspec.json.decode(msgspec.json.encode(t.RuntimeConfig()))
    assert encoded["profile"] == "go"
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"profile": "kata1"}, t.RuntimeConfig)


def test_mutable_defaults_are_not_shared() -> None:
    a, b = t.RuntimeConfig(), t.RuntimeConfig()
    a.hypervisor_config.enable_annotations.append("x")
    assert b.hypervisor_config.enable_annotations == []


def test_add_kernel_param_refuses_an_empty_key() -> None:
    rc = t.RuntimeConfig()
    rc.add_kernel_param(t.Param(key="a", value="1"))
    assert rc.hypervisor_config.kernel_params == [t.Param(key="a", value="1")]
    with pytest.raises(KernelParamError):
        rc.add_kernel_param(t.Param(key="", value="1"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.5, 1), (1.0, 1), (1.0000001, 2), (2.75, 3), (0.0, 0), (-1.5, 0), (math.inf, 2**32 - 1)],
)
def test_num_vcpus_rounds_up(value: float, expected: int) -> None:
    assert t.HypervisorConfig(num_vcpus_f=value).num_vcpus() == expected


def test_float32_rounding() -> None:
    assert t.float32(0.1) != 0.1
    assert t.float32(0.1) == pytest.approx(0.1, rel=1e-7)
    assert t.float32(0.5) == 0.5
    assert t.float32(1e39) == math.inf
    assert t.float32(-1e39) == -math.inf


def test_pcie_port_valid() -> None:
    assert t.PCIePort.NO_PORT.valid()
    assert t.PCIePort.ROOT_PORT.valid()
    assert not t.PCIePort.INVALID_PORT.valid()
    assert not t.PCIePort.UNSET.valid()
