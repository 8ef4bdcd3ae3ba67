"""Verificatum byte trees: strict parsing and serialization (NOTES.md §1, VMNV §4.2).

    leaf(b)          = 0x01 || u32(len(b)) || b
    node(c_1 … c_n)  = 0x00 || u32(n) || ser(c_1) || … || ser(c_n)

Byte trees feed the Fiat–Shamir hashes, so parsing is strict: exactly one tree per
buffer (trailing bytes rejected), no short data, tags 0/1 only, and bounded nesting
depth, child counts and total size, so that hostile input cannot exhaust memory or the
stack.  A parsed tree keeps its source buffer: :attr:`ByteTree.raw` is the exact
serialized bytes of that subtree, which the verifier hashes as published (the strict
parser makes them equal to the canonical re-serialization).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pilwu_crypto.interop.verificatum.errors import VmnFormatError

TAG_NODE = 0
TAG_LEAF = 1
HEADER = 5
"""Bytes of a tag and a u32 length/count."""

MAX_DEPTH = 32
"""Deepest nesting accepted (VMN's own trees are at most about 6 deep)."""

MAX_TREE_BYTES = 1 << 30
"""Largest serialized tree accepted (1 GiB; a 10^6-ciphertext ModP-2048 array is ~0.5 GB)."""


@dataclass(frozen=True, eq=False)
class ByteTree:
    """One parsed (or built) byte tree: a leaf with ``data`` or a node with ``children``.

    ``_buf[_start:_end]`` is the serialization of this subtree (shared buffer, no copy).
    """

    children: tuple[ByteTree, ...] | None
    """The subtrees of a node; None for a leaf."""
    data: bytes | None
    """The bytes of a leaf; None for a node."""
    _buf: bytes
    _start: int
    _end: int

    @property
    def is_leaf(self) -> bool:
        return self.children is None

    @property
    def raw(self) -> bytes:
        """The exact serialized bytes of this subtree."""
        if self._start == 0 and self._end == len(self._buf):
            return self._buf
        return self._buf[self._start:self._end]

    def __len__(self) -> int:
        """Number of children (of a node) or of data bytes (of a leaf)."""
        return len(self.children) if self.children is not None else len(self.data or b"")

    def leaf_data(self, what: str) -> bytes:
        """The data of a leaf; VmnFormatError naming ``what`` for a node."""
        if self.data is None:
            raise VmnFormatError(f"{what}: expected a leaf, found a node")
        return self.data

    def node_children(self, what: str, count: int | None = None) -> tuple[ByteTree, ...]:
        """The children of a node (exactly ``count`` of them if given); VmnFormatError otherwise."""
        if self.children is None:
            raise VmnFormatError(f"{what}: expected a node, found a leaf")
        if count is not None and len(self.children) != count:
            raise VmnFormatError(f"{what}: expected a node of {count} children, found {len(self.children)}")
        return self.children

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ByteTree):
            return self.raw == other.raw
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.raw)

    def __repr__(self) -> str:
        if self.children is None:
            return f"leaf({(self.data or b'').hex()[:32]})"
        return f"node({len(self.children)} children)"


def parse(buf: bytes, what: str = "byte tree", *, max_depth: int = MAX_DEPTH,
          max_bytes: int = MAX_TREE_BYTES) -> ByteTree:
    """Parse exactly one byte tree from ``buf`` (NOTES §1); VmnFormatError naming ``what``.

    Rejects a tag other than 0/1, data shorter than announced, trailing bytes, nesting
    deeper than ``max_depth``, a buffer larger than ``max_bytes``, and a node announcing
    more children than its remaining bytes could hold (5 bytes each at least).
    """
    if not isinstance(buf, (bytes, bytearray, memoryview)):
        raise VmnFormatError(f"{what}: expected bytes, got {type(buf).__name__}")
    data = bytes(buf)
    if len(data) > max_bytes:
        raise VmnFormatError(f"{what}: {len(data)} bytes exceed the limit of {max_bytes}")
    tree, end = _parse_at(data, 0, what, max_depth)
    if end != len(data):
        raise VmnFormatError(f"{what}: {len(data) - end} trailing bytes after the byte tree")
    return tree


def _parse_at(data: bytes, pos: int, what: str, max_depth: int) -> tuple[ByteTree, int]:
    """Iterative parse of the tree at ``pos``: (tree, position after it)."""
    # stack of open nodes: (start, announced count, children so far)
    stack: list[tuple[int, int, list[ByteTree]]] = []
    n = len(data)
    while True:
        if pos + HEADER > n:
            raise VmnFormatError(f"{what}: truncated (header at byte {pos} needs {HEADER} bytes, "
                                 f"{n - pos} left)")
        tag = data[pos]
        length = int.from_bytes(data[pos + 1:pos + HEADER], "big")
        start = pos
        pos += HEADER
        if tag == TAG_LEAF:
            if length > n - pos:
                raise VmnFormatError(f"{what}: truncated (leaf at byte {start} announces {length} bytes, "
                                     f"{n - pos} left)")
            done: ByteTree = ByteTree(None, data[pos:pos + length], data, start, pos + length)
            pos += length
        elif tag == TAG_NODE:
            if length > (n - pos) // HEADER:
                raise VmnFormatError(f"{what}: node at byte {start} announces {length} children, "
                                     f"more than its {n - pos} remaining bytes can hold")
            if length:
                if len(stack) + 1 > max_depth:
                    raise VmnFormatError(f"{what}: nested deeper than {max_depth}")
                stack.append((start, length, []))
                continue
            done = ByteTree((), None, data, start, pos)
        else:
            raise VmnFormatError(f"{what}: invalid tag {tag:#04x} at byte {start} (only 0x00 node, 0x01 leaf)")
        # attach the finished subtree to its parents, closing every node that is now full
        while stack:
            nstart, count, kids = stack[-1]
            kids.append(done)
            if len(kids) < count:
                break
            stack.pop()
            done = ByteTree(tuple(kids), None, data, nstart, pos)
        else:
            return done, pos


# ---- building trees (for the hashes) ---------------------------------------------------------


def _header(tag: int, length: int) -> bytes:
    return bytes((tag,)) + length.to_bytes(4, "big")


def ser_leaf(data: bytes) -> bytes:
    """ser(leaf(data))."""
    return _header(TAG_LEAF, len(data)) + bytes(data)


def ser_node(children: Sequence[bytes]) -> bytes:
    """ser(node(c_1 … c_n)) from the serializations of the children."""
    return _header(TAG_NODE, len(children)) + b"".join(children)


def ser_str(text: str) -> bytes:
    """ser(str(s)): a leaf of the UTF-8 bytes (NOTES §1)."""
    return ser_leaf(text.encode("utf-8"))


def ser_int4(value: int) -> bytes:
    """ser(int4(i)): a 4-byte big-endian two's-complement leaf (ByteTree.intToByteTree)."""
    return ser_leaf(value.to_bytes(4, "big", signed=True))


def tree(serialized: bytes, what: str = "byte tree") -> ByteTree:
    """A ByteTree from serialized bytes built here (parsed back, so it is always well-formed)."""
    return parse(serialized, what)


# ---- reading conventional leaves (NOTES §1, §2) -----------------------------------------------


def read_int4(t: ByteTree, what: str) -> int:
    """An int4 leaf: exactly 4 bytes, big-endian two's complement."""
    data = t.leaf_data(what)
    if len(data) != 4:
        raise VmnFormatError(f"{what}: a 4-byte integer leaf has {len(data)} bytes")
    return int.from_bytes(data, "big", signed=True)


def read_str(t: ByteTree, what: str, max_len: int = 4096) -> str:
    """A str leaf: UTF-8, at most ``max_len`` bytes."""
    data = t.leaf_data(what)
    if len(data) > max_len:
        raise VmnFormatError(f"{what}: string of {len(data)} bytes exceeds {max_len}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise VmnFormatError(f"{what}: not valid UTF-8") from None


def read_bigint(t: ByteTree, what: str) -> int:
    """A group-descriptor integer: minimal two's-complement big-endian (Java toByteArray, NOTES §2).

    Non-minimal encodings (a redundant 0x00 or 0xFF sign byte) and empty leaves are rejected.
    """
    data = t.leaf_data(what)
    if not data:
        raise VmnFormatError(f"{what}: empty integer leaf")
    value = int.from_bytes(data, "big", signed=True)
    if len(data) != _java_len(value):
        raise VmnFormatError(f"{what}: integer is not in minimal two's-complement form")
    return value


def _java_len(value: int) -> int:
    """len(BigInteger.toByteArray()): bit length of the two's-complement form plus a sign bit."""
    bits = value.bit_length() if value >= 0 else (-value - 1).bit_length()
    return bits // 8 + 1


def java_len(value: int) -> int:
    """Bytes of BigInteger(value).toByteArray(): ⌊bitlen/8⌋ + 1 for value >= 0 (NOTES §2)."""
    return _java_len(value)


def read_bools(t: ByteTree, what: str, count: int) -> list[bool]:
    """A bool[] leaf of exactly ``count`` bytes, each 0x00 or 0x01 (other values reject, NOTES §1)."""
    data = t.leaf_data(what)
    if len(data) != count:
        raise VmnFormatError(f"{what}: boolean array has {len(data)} entries, expected {count}")
    out: list[bool] = []
    for i, b in enumerate(data):
        if b > 1:
            raise VmnFormatError(f"{what}: entry {i} is {b:#04x}, not 0x00 or 0x01")
        out.append(b == 1)
    return out
