"""The ``kata1`` profile: Kata Containers 1.13 (``kata-runtime``), the seed's rules.

:mod:`.table` is the annotation table (one row per key Kata 1.x applies),
:mod:`.types` the configuration types (``RuntimeConfig`` and its parts),
:mod:`.loader` the ``configuration.toml`` loader (``pkg/katautils``),
:mod:`.annotate` the table's rows compiled for the shared applier (parsers, checks);
:mod:`.detect` tells a Kata 1.x ``configuration.toml`` from a later Kata's,
:mod:`.profile` puts them behind the :class:`~kata_oci.Profile` interface and
:mod:`.plugin` declares it, as a third-party plugin would. They were
``kata_oci.annotations``, ``kata_oci.config`` and ``kata_oci.configfile``,
names that still work. Still outside this folder: the conversion
(:mod:`kata_oci.convert`, with the 1.x ``SandboxConfig`` of
:mod:`kata_oci.sandbox`), the seed's module names.
"""

from .profile import PROFILE, Kata1Profile

__all__ = ["PROFILE", "Kata1Profile"]
