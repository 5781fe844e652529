"""Print the container type and sandbox ID of a bundle, and which CRI plugin said so.

uv run python examples/resolve.py examples/bundles/containerd-pod-sandbox
"""

from __future__ import annotations

import sys

import kata_oci


def main(bundle: str) -> None:
    spec = kata_oci.parse_config_json(bundle)
    found = kata_oci.default_engine().resolve(spec)
    by = found.container_type_answer
    print(
        f"container type: {found.container_type}"
        + (f"  (plugin {by.plugin}, {by.key}={by.value!r})" if by else "")
    )
    sid = found.sandbox_id_answer
    print(f"sandbox id:     {found.sandbox_id}" + (f"  (plugin {sid.plugin}, {sid.key})" if sid else ""))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "examples/bundles/containerd-pod-sandbox")
