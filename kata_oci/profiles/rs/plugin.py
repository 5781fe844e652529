"""Declares the ``rs`` profile: a default plugin of the core (see kata_oci.plugins)."""

from __future__ import annotations

from kata_oci.hookspecs import hookimpl

from . import PROFILE
from .profile import RsProfile


@hookimpl
def kata_oci_declare_profile() -> RsProfile:
    return PROFILE
