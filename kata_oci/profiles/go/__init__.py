"""The ``go`` profile: Kata Containers 4.1.0's Go runtime (``src/runtime``, ``containerd-shim-kata-v2``).

:mod:`.table` is the annotation table (one row per key ``pkg/oci`` applies),
:mod:`.annotate` its parsers and cross-key checks, :mod:`.initdata` the
confidential containers' initdata and policy, :mod:`.types` the 4.1
configuration types, :mod:`.loader` the ``configuration.toml`` loader
(``pkg/katautils``), :mod:`.sandbox` the 4.1 ``SandboxConfig`` and the
conversion, :mod:`.sizing` the sizing rules; :mod:`.profile` puts them
behind the :class:`~kata_oci.Profile` interface and :mod:`.plugin` declares
it. docs/differences-go.md lists where kata-oci deliberately differs.
"""

from .profile import PROFILE, GoProfile

__all__ = ["PROFILE", "GoProfile"]
