"""Kata 1.x's configuration types, now :mod:`kata_oci.profiles.kata1.types`, under their old name.

``kata_oci.config`` *is* that module (the same object in ``sys.modules``), so
existing imports, attribute access and monkeypatching keep working. New code
imports :mod:`kata_oci.profiles.kata1.types`.
"""

import sys

from kata_oci.profiles.kata1 import types as _moved
from kata_oci.profiles.kata1.types import *  # noqa: F403 - the public names, for type checkers

sys.modules[__name__] = _moved
