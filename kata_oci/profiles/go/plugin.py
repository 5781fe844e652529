"""Declares the ``go`` profile: a default plugin of the core (see kata_oci.plugins)."""

from __future__ import annotations

from kata_oci.hookspecs import hookimpl

from .profile import PROFILE, GoProfile


@hookimpl
def kata_oci_declare_profile() -> GoProfile:
    return PROFILE
