"""The ``rs`` profile: runtime-rs (kata-types) 4.1.0."""
