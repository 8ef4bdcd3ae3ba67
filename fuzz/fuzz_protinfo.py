"""atheris harness: the protocol-info file protInfo.xml, then the marshalled group it names.

Only PilwuError (ProtInfoError, VmnFormatError, InvalidParameters) may escape.  Use the
XML dictionary of libFuzzer for faster progress: -dict=fuzz/protinfo.dict (README.md).
"""

from __future__ import annotations

from pilwu_fuzz_common import main, only_pilwu_errors

from pilwu_crypto.errors import PilwuError
from pilwu_crypto.interop.verificatum.arithm import parse_group
from pilwu_crypto.interop.verificatum.protinfo import parse_protinfo


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris and libFuzzer expect
    """Parse ``data`` as protInfo.xml and its group; only PilwuError may escape."""
    try:
        info = parse_protinfo(data)
    except PilwuError:
        return
    only_pilwu_errors(parse_group, info.s_group)


if __name__ == "__main__":
    main(TestOneInput)
