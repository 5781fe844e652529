"""The ``rs`` profile: Kata Containers 4.1 runtime-rs (kata-types), at parity with its code.

:mod:`.profile` is the :class:`~kata_oci.Profile`; :mod:`.plugin` declares it to the engine.
The rules sit in :mod:`.table` (annotations), :mod:`.annotate` (applying them),
:mod:`.types`/:mod:`.loader`/:mod:`.hypervisors` (configuration), :mod:`.sandbox` and
:mod:`.sizing`; Rust's parsing rules in :mod:`kata_oci.rust`.
"""

from .profile import PROFILE, RsProfile

__all__ = ["PROFILE", "RsProfile"]
