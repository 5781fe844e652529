"""The OCI features document: its content, what the configuration enables, and the spec's schema."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest

import kata_oci
from kata_oci import annotations as ka
from kata_oci.features import KATA_OCI_PREFIX, features_document

from helpers import ROOT, shared_path

SHIPPED = ROOT / "kata_oci" / "data" / "configuration.toml"
KATA_OCI = Path(sys.executable).with_name("kata-oci")
# The properties features.md defines; "MUST NOT contain properties that are not defined".
SPEC_PROPERTIES = {
    "ociVersionMin",
    "ociVersionMax",
    "hooks",
    "mountOptions",
    "linux",
    "annotations",
    "potentiallyUnsafeConfigAnnotations",
}


def _config(tmp_path: Path, patterns: str) -> kata_oci.RuntimeConfig:
    path = tmp_path / "configuration.toml"
    path.write_text(
        SHIPPED.read_text().replace('enable_annotations = [".*"]', f"enable_annotations = {patterns}")
    )
    return kata_oci.load_runtime_config(path)


# -- a small JSON Schema (draft-04) validator: the keywords the features schema uses ----------------


class SchemaError(AssertionError):
    pass


def _resolve(ref: str, base: Path) -> tuple[dict[str, Any], Path]:
    file, _, pointer = ref.partition("#")
    path = base.parent / file if file else base
    node: Any = json.loads(path.read_text())
    for part in filter(None, pointer.split("/")):
        node = node[part]
    return node, path


_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "integer": int,
    "number": (int, float),
}


def validate(value: Any, schema: dict[str, Any], base: Path, where: str = "$") -> None:
    """Raise SchemaError where ``value`` breaks ``schema`` (draft-04 keywords used by the OCI schemas)."""
    if "$ref" in schema:
        target, path = _resolve(schema["$ref"], base)
        validate(value, target, path, where)
        return
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        ok = any(
            isinstance(value, _TYPES[k]) and not (k in ("integer", "number") and isinstance(value, bool))
            for k in kinds
        )
        if not ok:
            raise SchemaError(f"{where}: expected {kind}, got {type(value).__name__}")
    if "enum" in schema and value not in schema["enum"]:
        raise SchemaError(f"{where}: {value!r} not in {schema['enum']}")
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        raise SchemaError(f"{where}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                raise SchemaError(f"{where}: {name!r} is required")
        properties = schema.get("properties", {})
        for name, item in value.items():
            if name in properties:
                validate(item, properties[name], base, f"{where}.{name}")
            for pattern, sub in schema.get("patternProperties", {}).items():
                if re.search(pattern, name):
                    validate(item, sub, base, f"{where}.{name}")
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            validate(item, schema["items"], base, f"{where}[{i}]")


def _features_schema() -> Path:
    return shared_path("corpus", "runtime-spec", "schema", "features-schema.json")


def test_the_validator_accepts_the_specs_good_examples_and_rejects_its_bad_one() -> None:
    schema_path = _features_schema()
    schema = json.loads(schema_path.read_text())
    examples = schema_path.parent / "test" / "features"
    for good in sorted((examples / "good").glob("*.json")):
        validate(json.loads(good.read_text()), schema, schema_path)
    for bad in sorted((examples / "bad").glob("*.json")):
        with pytest.raises(SchemaError):
            validate(json.loads(bad.read_text()), schema, schema_path)
    with pytest.raises(SchemaError, match=r"annotations\.x"):
        validate(
            {"ociVersionMin": "1.0.0", "ociVersionMax": "1.0.2", "annotations": {"x": 1}}, schema, schema_path
        )


def test_the_document_is_valid_against_the_features_schema(tmp_path: Path) -> None:
    schema_path = _features_schema()
    schema = json.loads(schema_path.read_text())
    for doc in (features_document(), features_document(_config(tmp_path, '["^default_"]'), config_path="x")):
        validate(doc, schema, schema_path)
        validate(json.loads(msgspec.json.encode(doc)), schema, schema_path)  # and as JSON


def test_the_document_is_valid_for_jsonschema_too_when_installed() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    schema_path = _features_schema()
    registry = referencing.Registry().with_resources(
        (p.name, referencing.Resource.from_contents(json.loads(p.read_text()), referencing.jsonschema.DRAFT4))
        for p in schema_path.parent.glob("*.json")
    )
    schema = json.loads(schema_path.read_text())
    validator = jsonschema.Draft4Validator(schema, registry=registry)
    validator.validate(features_document())
    assert not validator.is_valid({"ociVersionMin": "1.0.0"})


# -- content ------------------------------------------------------------------------------------------


def test_versions_and_only_properties_the_spec_defines() -> None:
    doc = features_document()
    assert (doc["ociVersionMin"], doc["ociVersionMax"]) == ("1.0.0", "1.0.2")
    assert set(doc) <= SPEC_PROPERTIES
    assert set(doc) >= {"annotations", "potentiallyUnsafeConfigAnnotations"}


def test_every_declared_annotation_is_listed_with_a_description() -> None:
    annotations = features_document()["annotations"]
    for d in ka.DECLARATIONS:
        assert d.description in annotations[d.key]
        assert str(d.kind) in annotations[d.key]
    vcpus = annotations[ka.DEFAULT_VCPUS]
    assert vcpus.startswith("vCPUs at boot (uint32; hypervisor_config.num_vcpus)")
    assert "gated by enable_annotations" in vcpus
    assert "gated" not in annotations[ka.DISABLE_GUEST_SECCOMP]
    assert all(isinstance(k, str) and k and isinstance(v, str) for k, v in annotations.items())
    assert list(annotations) == sorted(annotations)


def test_the_cri_plugins_keys_are_listed(engine: kata_oci.Engine) -> None:
    annotations = features_document(engine=engine)["annotations"]
    assert annotations["io.kubernetes.cri.container-type"].startswith("CRI containerd: container type")
    assert annotations["io.kubernetes.cri.sandbox-cpu-quota"] == "CRI containerd: sandbox sizing, cpu quota"
    assert annotations["io.kubernetes.cri-o.KubeName"] == "CRI crio: pod identity, sandbox name"
    assert annotations["io.kubernetes.cri-o.SandboxName"] == "CRI crio: pod identity, sandbox name"
    assert "sandbox sizing" in annotations["pod-linux-resources.crio.io"]
    assert annotations["io.kubernetes.pod.uid"] == "CRI dockershim: pod identity, sandbox uid"
    # only what the engine's plugins declare
    no_plugins = features_document(engine=kata_oci.Engine.from_plugins([]))["annotations"]
    assert not any(k.startswith("io.kubernetes.") for k in no_plugins)


def test_potentially_unsafe_annotations_are_the_host_paths() -> None:
    unsafe = features_document()["potentiallyUnsafeConfigAnnotations"]
    assert unsafe == sorted(d.key for d in ka.DECLARATIONS if d.unsafe)
    assert {ka.HYPERVISOR_PATH, ka.JAILER_PATH, ka.VIRTIO_FS_DAEMON, ka.KERNEL_PATH} <= set(unsafe)
    assert ka.DEFAULT_VCPUS not in unsafe
    assert set(unsafe) <= set(features_document()["annotations"])


def test_what_the_configuration_enables_goes_under_kata_ocis_prefix(
    tmp_path: Path, engine: kata_oci.Engine
) -> None:
    rc = _config(tmp_path, '["^default_"]')
    # An engine of the built-in plugins: the list must not depend on what else is installed.
    doc = features_document(rc, config_path="/etc/kata/configuration.toml", engine=engine)
    own = {k: v for k, v in doc["annotations"].items() if k.startswith(KATA_OCI_PREFIX)}
    assert own[KATA_OCI_PREFIX + "configuration"] == "/etc/kata/configuration.toml"
    assert json.loads(own[KATA_OCI_PREFIX + "enable_annotations"]) == ["^default_"]
    enabled = json.loads(own[KATA_OCI_PREFIX + "enabled"])
    disabled = json.loads(own[KATA_OCI_PREFIX + "disabled"])
    assert ka.DEFAULT_VCPUS in enabled and ka.DEFAULT_MEMORY in enabled
    assert ka.KERNEL_PARAMS in disabled and ka.HYPERVISOR_PATH in disabled
    assert ka.DISABLE_GUEST_SECCOMP in enabled  # not a hypervisor key: never gated
    assert sorted(enabled + disabled) == sorted(d.key for d in ka.DECLARATIONS)
    assert all(ka.is_enabled(k, rc)[0] for k in enabled)
    assert json.loads(own[KATA_OCI_PREFIX + "cri-plugins"]) == [
        "kata_oci_containerd",
        "kata_oci_crio",
        "kata_oci_dockershim",
    ]
    assert own[KATA_OCI_PREFIX + "version"] == kata_oci.__version__


def test_the_descriptions_do_not_depend_on_the_configuration(tmp_path: Path) -> None:
    def described(doc: dict[str, Any]) -> dict[str, str]:
        return {k: v for k, v in doc["annotations"].items() if not k.startswith(KATA_OCI_PREFIX)}

    plain = features_document()
    assert not any(k.startswith(KATA_OCI_PREFIX + "enabled") for k in plain["annotations"])
    assert described(plain) == described(features_document(_config(tmp_path, "[]")))


# -- kata-oci features -----------------------------------------------------------------------------------


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KATA_OCI), *map(str, args)], capture_output=True, text=True, check=False, cwd=ROOT
    )


def test_the_command_prints_the_document(tmp_path: Path) -> None:
    result = _run("features", "--config", SHIPPED)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["ociVersionMin"] == "1.0.0"
    assert doc["annotations"][KATA_OCI_PREFIX + "configuration"] == str(SHIPPED)
    assert json.loads(doc["annotations"][KATA_OCI_PREFIX + "disabled"]) == []  # Kata 1.x ships [".*"]
    assert (
        doc["potentiallyUnsafeConfigAnnotations"] == features_document()["potentiallyUnsafeConfigAnnotations"]
    )


def test_the_command_explains_itself_and_fails_cleanly() -> None:
    help_text = _run("features", "--help").stdout
    assert "example:" in help_text
    assert "kata-oci features --config" in help_text
    missing = _run("features", "--config", "/nonexistent/configuration.toml")
    assert missing.returncode == 2
    assert "/nonexistent/configuration.toml" in missing.stderr
