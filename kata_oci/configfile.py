"""Kata 1.x's configuration loader, now :mod:`kata_oci.profiles.kata1.loader`, under its old name.

``kata_oci.configfile`` *is* that module (the same object in ``sys.modules``), so
existing imports, attribute access and monkeypatching keep working. New code
imports :mod:`kata_oci.profiles.kata1.loader`.
"""

import sys

from kata_oci.profiles.kata1 import loader as _moved
from kata_oci.profiles.kata1.loader import *  # noqa: F403 - the public names, for type checkers

sys.modules[__name__] = _moved
