"""Runtime profiles: one sub-package per Kata implementation (kata1, go, rs)."""
