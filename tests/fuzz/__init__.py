"""Structured fuzzing of every parser: only PilwuError may escape.

Each test starts from a valid input — every document kind, JSON Lines line and ceremony
message of a small mixed election on pilwu-test-512 and on P-256 (tests/fuzz/samples.py),
and the Verificatum transcripts in tests/data/verificatum — mutates it structurally (as a
JSON value or a byte tree / XML tree) or as raw bytes (tests/fuzz/mutations.py), feeds it
to the parser and fails on any exception that is not a
:class:`~pilwu_crypto.errors.PilwuError`.

Modules: test_json (codec.parse_json), test_documents (every document, line and message
parser, as JSON values and as bytes), test_ceremony_files (the ceremony-directory file
readers), test_record_reader (RecordReader: JSON Lines streaming, documents, index and
parameters, with index.json rewritten to match), test_trustee_state (unseal,
import_secret_state), test_verificatum (byte trees, transcript objects, protInfo.xml,
the marshalled group), test_harnesses (the atheris harnesses of fuzz/, without atheris).

Budget and determinism (tests/fuzz/common.py): by default every test runs a small,
derandomized set of examples (the same on every run, no example database), so that the
whole suite stays under ~45 s in CI.  For longer runs:

- ``PILWU_EXHAUSTIVE=1``: 50 times more examples per test, freshly random on every run;
- ``PILWU_FUZZ_EXAMPLES=<n>``: exactly ``n`` examples per test (with either mode);
- ``PILWU_FUZZ_SEED=<n>``: random but reproducible examples (seed ``n``) instead of the
  derandomized default;
- ``fuzz/`` at the repository root: atheris harnesses for coverage-guided runs of hours
  (see fuzz/README.md).

``pytest tests/fuzz --hypothesis-show-statistics`` shows, per test, how many examples were
accepted and how many were rejected and with which error type.
"""
