"""Declares the ``kata1`` profile: a default plugin of the core (see kata_oci.plugins)."""

from __future__ import annotations

from kata_oci.hookspecs import hookimpl

from . import PROFILE
from .profile import Kata1Profile


@hookimpl
def kata_oci_declare_profile() -> Kata1Profile:
    return PROFILE
