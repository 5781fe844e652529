"""``python -m kata_oci``: the kata-oci command."""

from .cli import run

run()
