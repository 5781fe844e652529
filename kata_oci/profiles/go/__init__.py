"""The ``go`` profile: Kata Containers 4.1.0's Go runtime (``src/runtime``)."""
