"""Kata 1.x's annotation table, now :mod:`kata_oci.profiles.kata1.table`, under its old name.

``kata_oci.annotations`` *is* that module (the same object in ``sys.modules``), so
existing imports, attribute access and monkeypatching keep working. New code
imports :mod:`kata_oci.profiles.kata1.table`.
"""

import sys

from kata_oci.profiles.kata1 import table as _moved
from kata_oci.profiles.kata1.table import *  # noqa: F403 - the public names, for type checkers

sys.modules[__name__] = _moved
