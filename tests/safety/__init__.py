"""Safety suites: resource limits and crash safety of record reading and writing."""
