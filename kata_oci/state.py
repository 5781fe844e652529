"""OCI container states and Kata's state constants."""

from __future__ import annotations

__all__ = [
    "KERNEL_MODULES_SEPARATOR",
    "STATE_CREATED",
    "STATE_PAUSED",
    "STATE_RUNNING",
    "STATE_STOPPED",
]

#: A container that has been created and is ready to be run.
STATE_CREATED = "created"
#: A container that is running.
STATE_RUNNING = "running"
#: A container that has been stopped.
STATE_STOPPED = "stopped"
#: A container that has been paused.
STATE_PAUSED = "paused"

#: Separator of the kernel modules listed in the ``kernel_modules`` annotation.
KERNEL_MODULES_SEPARATOR = ";"
