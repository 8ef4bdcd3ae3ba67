"""``pilwu bench``: the figures of docs/performance.md, measured so that researchers can rerun them.

One table of time per item and "pe" per item for the operations an election spends its
time on — raw exponentiation and group-operation floors, fixed-base and
multi-exponentiation, ballot encryption, single and batched ballot verification, tally
aggregation, tally decryption, the proof of shuffle and its verification, the mix
generators, and the verification of a real Verificatum transcript.  "pe" is a multiple of
one raw 256-bit-exponent exponentiation in the same group, measured in the same run
(:mod:`.units`), because absolute times on a shared machine drift by tens of percent.

Layering: this package sits at the top beside :mod:`pilwu_crypto.cli`; it may import any
library layer, and nothing in the library imports it.  It measures and returns
dataclasses (:mod:`.measure`); printing and the JSON file are the CLI's
(:mod:`pilwu_crypto.cli.bench`).
"""

from pilwu_crypto.bench.measure import (
    FULL,
    QUICK,
    SCHEMA,
    SCHEMA_VERSION,
    BenchReport,
    MachineInfo,
    Row,
    Sizes,
    default_vmn_case,
    run_bench,
)

__all__ = ["FULL", "QUICK", "SCHEMA", "SCHEMA_VERSION", "BenchReport", "MachineInfo", "Row", "Sizes",
           "default_vmn_case", "run_bench"]
