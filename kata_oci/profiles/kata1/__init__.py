"""The ``kata1`` profile: Kata Containers 1.13 (``kata-runtime``), the seed's rules.

Today the profile wraps the modules that hold Kata 1.x's rules, where they
have always been: the annotation table :mod:`kata_oci.annotations`, the
configuration types :mod:`kata_oci.config`, the loader
:mod:`kata_oci.configfile`, the conversion :mod:`kata_oci.convert` and the
override applier :mod:`kata_oci.overrides`. :mod:`.detect` tells a Kata 1.x
``configuration.toml`` from a later Kata's; :mod:`.plugin` declares the
profile to the engine, as a third-party plugin would.
"""

from .profile import PROFILE, Kata1Profile

__all__ = ["PROFILE", "Kata1Profile"]
