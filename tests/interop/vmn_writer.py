"""TEST-ONLY writer of honest Verificatum (VMN 3.1.0) transcripts, from NOTES.md alone.

Verificatum itself cannot run here, and the two real transcripts in
tests/data/verificatum/cases cover width 1, no pre-computation, SHA-256, ModP-512 and
P-256 only.  This module writes complete proof directories (protInfo.xml and
nizkp/<auxsid>/…) for any group the verifier supports, any width ω, with or without
pre-computation (PoSC + CCPoS + keep list), SHA-256/384/512 for ``<prg>`` and
``<rohash>`` independently, and all three session types.

It is a **second, independent reading of NOTES.md**: it imports nothing of the verifier
(no byte-tree, hashing, generator or proof code; it has its own below) and uses only the
core's group arithmetic (ModPGroup, ECGroup) and interop.verificatum.curves for the
curves the core lacks.  A transcript it writes that the verifier accepts shows that the
two readings agree; it is weaker evidence than real Verificatum output, which remains
the ground truth (docs/verificatum.md says so).

The provers are the textbook honest provers of NOTES §9, §9b and §10 (Terelius–Wikström
with u_i = g^{r_i}·h_{π(i)} and w'_{π(i)} = w_i·Enc(1, s_i); decryption factors
u^{−x_l/α} with Schnorr-style commitments).  Randomness comes from ``random.Random(seed)``
so transcripts are reproducible — never use this for anything but tests.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import gmpy2
from gmpy2 import mpz

from pilwu_crypto.algebra.ec import ECGroup
from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.algebra.modp import ModPGroup
from pilwu_crypto.interop.verificatum.curves import WeierstrassCurve, named_curve, sqrt_mod

VERSION = "3.1.0"
CORE_CURVES = {"P-256": "P-256", "secp256r1": "P-256", "prime256v1": "P-256", "P-384": "P-384",
               "secp384r1": "P-384", "P-521": "P-521", "secp521r1": "P-521"}

# ---- byte trees (NOTES §1), written here again on purpose ------------------------------------


def leaf(data: bytes) -> bytes:
    """ser(leaf(b)) = 01 ‖ u32(len) ‖ b (NOTES §1)."""
    return b"\x01" + len(data).to_bytes(4, "big") + data


def node(children: Sequence[bytes]) -> bytes:
    """ser(node(c_1..c_n)) = 00 ‖ u32(n) ‖ ser(c_1) ‖ … (NOTES §1)."""
    return b"\x00" + len(children).to_bytes(4, "big") + b"".join(children)


def str_leaf(text: str) -> bytes:
    return leaf(text.encode("utf-8"))


def int4(value: int) -> bytes:
    return leaf(value.to_bytes(4, "big", signed=True))


def java_bytes(value: int) -> bytes:
    """BigInteger.toByteArray(): minimal two's complement (NOTES §2)."""
    return value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True)


# ---- hash, PRG, RO (NOTES §4) ----------------------------------------------------------------

HASHES: dict[str, Callable[[bytes], bytes]] = {
    "SHA-256": lambda d: hashlib.sha256(d).digest(),
    "SHA-384": lambda d: hashlib.sha384(d).digest(),
    "SHA-512": lambda d: hashlib.sha512(d).digest(),
}


def prg_bytes(hname: str, seed: bytes, n: int) -> bytes:
    """The first n bytes of H(s ‖ u32(0)) ‖ H(s ‖ u32(1)) ‖ … (NOTES §4 PRG)."""
    h = HASHES[hname]
    out = b""
    i = 0
    while len(out) < n:
        out += h(seed + i.to_bytes(4, "big"))
        i += 1
    return out[:n]


def prg_ints(hname: str, seed: bytes, bits: int, count: int) -> list[int]:
    """``count`` consecutive n-bit integers from the PRG (⌈n/8⌉ bytes each, top bits cleared)."""
    nb = (bits + 7) // 8
    data = prg_bytes(hname, seed, nb * count)
    return [int.from_bytes(data[i * nb:(i + 1) * nb], "big") % (1 << bits) for i in range(count)]


def ro(hname: str, bits: int, data: bytes) -> bytes:
    """RO_n(d): seed = H(u32(n) ‖ d), first ⌈n/8⌉ PRG bytes, top bits of byte 0 cleared (NOTES §4)."""
    seed = HASHES[hname](bits.to_bytes(4, "big") + data)
    nb = (bits + 7) // 8
    out = bytearray(prg_bytes(hname, seed, nb))
    out[0] &= 0xFF >> (8 * nb - bits)
    return bytes(out)


# ---- the group, as Verificatum writes it (NOTES §2, §3) --------------------------------------


class VGroup:
    """A group with Verificatum's encodings, built from explicit parameters or a curve name."""

    def __init__(self, group: Group, modulus: int, marshalled: str, curve: bool) -> None:
        self.g = group
        self.q = group.q
        self.p = modulus
        self.curve = curve
        self.coord_len = len(java_bytes(modulus))
        self.field_len = len(java_bytes(group.q))
        self.s_group = marshalled
        """The ``<pgroup>`` string (comment ‖ "::" ‖ hex)."""

    @staticmethod
    def modp(p: int, q: int, g: int) -> VGroup:
        """A safe-prime ModPGroup marshalled as node(int p, int q, g, int4(1)) (NOTES §3)."""
        core = ModPGroup("writer-modp", p, q, g, generator_window=8, table_window=8)
        plen = len(java_bytes(p))
        body = node([str_leaf("com.verificatum.arithm.ModPGroup"),
                     node([leaf(java_bytes(p)), leaf(java_bytes(q)), leaf(g.to_bytes(plen, "big")), int4(1)])])
        comment = f"ModPGroup(safe-prime modulus=2*order+1. order bit-length = {q.bit_length()})"
        return VGroup(core, p, f"{comment}::{body.hex()}", curve=False)

    @staticmethod
    def named(name: str) -> VGroup:
        """ECqPGroup(name) marshalled as node(str class, str name) (NOTES §3)."""
        core: Group = ECGroup(CORE_CURVES[name]) if name in CORE_CURVES else named_curve(name)
        body = node([str_leaf("com.verificatum.arithm.ECqPGroup"), str_leaf(name)])
        return VGroup(core, int(core.p), f"ECqPGroup({name})::{body.hex()}", curve=True)  # type: ignore[attr-defined]

    # -- coordinates of elements
    def xy(self, el: Element) -> tuple[int, int]:
        group = self.g
        if isinstance(group, WeierstrassCurve):
            return group.affine(el)
        x, y = el.raw.xy
        return int(x), int(y)

    def el(self, a: Element) -> bytes:
        """ser of an element: ModP leaf of len(p.toByteArray()) bytes; curve node(X, Y), O = (−1, −1)."""
        if not self.curve:
            return leaf(int(a.raw).to_bytes(self.coord_len, "big"))
        if self.g.is_identity(a):
            ff = b"\xff" * self.coord_len
            return node([leaf(ff), leaf(ff)])
        x, y = self.xy(a)
        return node([leaf(x.to_bytes(self.coord_len, "big")), leaf(y.to_bytes(self.coord_len, "big"))])

    def zq(self, x: int) -> bytes:
        """ser of a field element: a leaf of len(q.toByteArray()) bytes (NOTES §2)."""
        return leaf((x % self.q).to_bytes(self.field_len, "big"))

    def wide(self, comps: Sequence[Element]) -> bytes:
        """An element of G^ω: itself if ω = 1, else node(c_1 … c_ω)."""
        return self.el(comps[0]) if len(comps) == 1 else node([self.el(c) for c in comps])

    def wide_zq(self, xs: Sequence[int]) -> bytes:
        return self.zq(xs[0]) if len(xs) == 1 else node([self.zq(x) for x in xs])

    def arr(self, els: Sequence[Element]) -> bytes:
        return node([self.el(a) for a in els])

    def wide_arr(self, rows: Sequence[Sequence[Element]]) -> bytes:
        """N elements of G^ω, transposed: node(array_1 … array_ω) (an array if ω = 1) (NOTES §2)."""
        width = len(rows[0])
        if width == 1:
            return self.arr([r[0] for r in rows])
        return node([self.arr([r[j] for r in rows]) for j in range(width)])

    def ciphs(self, lst: Sequence[Ciph]) -> bytes:
        """N ciphertexts of width ω: node(U, V), U and V transposed arrays (NOTES §2)."""
        return node([self.wide_arr([c.u for c in lst]), self.wide_arr([c.v for c in lst])])

    # -- plaintext encodings (NOTES §12)
    def encode(self, data: bytes) -> Element:
        """A message as VMN encodes it: safe-prime ModP (m or p − m) or curve x = data ‖ u16 ‖ counter."""
        p = self.p
        if not self.curve:
            size = (p.bit_length() - 2) // 8 - 4
            raw = bytearray(len(data).to_bytes(4, "big") + data + bytes(size - len(data)))
            if not data:
                raw[4] = 1
            m = mpz(int.from_bytes(raw, "big"))
            if gmpy2.legendre(m, p) != 1:
                m = p - m
            return self.g.element_from_int(int(m))  # type: ignore[attr-defined, no-any-return]
        mlen = (p.bit_length() - 1) // 8 - 3
        base = bytes(mlen - len(data)) + data + len(data).to_bytes(2, "big")
        group = self.g
        for counter in range(256):
            x = mpz(int.from_bytes(base + bytes((counter,)), "big"))
            f = (x * x * x + int(group.a) * x + int(group.b)) % p  # type: ignore[attr-defined]
            if gmpy2.legendre(f, p) == 1:
                y = sqrt_mod(f, p)
                assert y is not None
                return group.element_from_affine(int(x), int(min(y, p - y)))  # type: ignore[attr-defined, no-any-return]
        raise AssertionError("no counter gave a point")


@dataclass
class Ciph:
    """A width-ω ciphertext (u, v), u and v in G^ω."""

    u: list[Element]
    v: list[Element]


# ---- the writer ------------------------------------------------------------------------------


@dataclass
class Spec:
    """What to write."""

    vgroup: VGroup
    session: str = "mixing"
    """"mixing", "shuffling" or "decryption"."""
    width: int = 1
    n: int = 10
    maxciph: int = 0
    """N_0 > 0 writes pre-computation proofs (PoSC + CCPoS + keep list) with N_0 ≥ N."""
    prg: str = "SHA-256"
    rohash: str = "SHA-256"
    k: int = 3
    threshold: int = 2
    sid: str = "PilwuSelfGen"
    auxsid: str = "default"
    seed: int = 1
    n_r: int = 100
    n_v: int = 256
    n_e: int = 256
    readapt: int = 0
    """Party l > 0 plays a cheat after everyone answered: it republishes its decryption
    commitment with a fresh nonce and answers the new challenge; the others' replies go stale."""
    messages: list[bytes] = field(default_factory=list)
    """Filled by :func:`write`: the encoded message of each (input index, component)."""


def _protinfo(spec: Spec) -> str:
    """A protInfo.xml with the fields NOTES §5 lists (no <party> blocks: they do not enter verification)."""
    fields = [("version", VERSION), ("sid", spec.sid), ("name", "self generated"), ("nopart", str(spec.k)),
              ("statdist", str(spec.n_r)), ("thres", str(spec.threshold)), ("pgroup", spec.vgroup.s_group),
              ("keywidth", "1"), ("rohash", spec.rohash), ("prg", spec.prg), ("corr", "noninteractive"),
              ("width", str(spec.width)), ("maxciph", str(spec.maxciph)), ("vbitlen", "128"),
              ("vbitlenro", str(spec.n_v)), ("ebitlen", "128"), ("ebitlenro", str(spec.n_e))]
    body = "".join(f"   <{k}>{v}</{k}>\n" for k, v in fields)
    return f"<!-- self-generated, test only -->\n<protocol>\n{body}</protocol>\n"


def write(spec: Spec, root: Path) -> tuple[Path, Path]:
    """Write protInfo.xml and nizkp/<auxsid>/ under ``root``; returns (protInfo, nizkp dir)."""
    vg = spec.vgroup
    grp = vg.g
    q = vg.q
    rnd = random.Random(spec.seed)
    k, lam, width, n = spec.k, spec.threshold, spec.width, spec.n
    g = grp.generator()

    def r() -> int:
        return rnd.randrange(1, q)

    def gx(x: int) -> Element:
        return grp.exp_g(x % q)

    root.mkdir(parents=True, exist_ok=True)
    (root / "protInfo.xml").write_text(_protinfo(spec), encoding="utf-8")
    nz = root / "nizkp" / spec.auxsid
    (nz / "proofs").mkdir(parents=True, exist_ok=True)

    def put(name: str, data: bytes | str) -> None:
        path = nz / name
        if isinstance(data, str):
            path.write_text(data, encoding="ascii")
        else:
            path.write_bytes(data)

    put("version", VERSION)
    put("type", spec.session)
    put("auxsid", spec.auxsid)
    put("width", str(width))

    # keys: x = a_0, Γ_s = g^{a_s}, x_l = Σ a_s l^s (NOTES §10)
    coeffs = [r() for _ in range(lam)]
    x = coeffs[0]
    y = gx(x)
    gamma = [gx(a) for a in coeffs]
    xs = {pl: sum(a * pl**s for s, a in enumerate(coeffs)) % q for pl in range(1, k + 1)}
    put("FullPublicKey.bt", node([vg.el(g), vg.el(y)]))
    put("proofs/PolynomialInExponent.bt", vg.arr(gamma))
    put("proofs/activethreshold", str(lam))

    # ρ (NOTES §7): a plain hash of the session parameters, <pgroup> with its comment
    rho = HASHES[spec.rohash](node([
        str_leaf(VERSION), str_leaf(f"{spec.sid}.{spec.auxsid}"), int4(spec.n_r), int4(spec.n_v),
        int4(spec.n_e), str_leaf(spec.prg), str_leaf(vg.s_group), str_leaf(spec.rohash)]))

    def challenge(data: bytes, bits: int) -> bytes:
        return ro(spec.rohash, bits, rho + data)  # RO_n(ρ ‖ ser(data)) (NOTES §4)

    n_s = 8 * len(HASHES[spec.prg](b""))

    # the input list: encryptions of encoded messages (NOTES §12) under (g, y)
    spec.messages = [f"m{i:03d}.{j}".encode() for i in range(n) for j in range(width)]
    plain = [[vg.encode(spec.messages[i * width + j]) for j in range(width)] for i in range(n)]

    def enc(m: list[Element]) -> Ciph:
        rs = [r() for _ in m]
        return Ciph([gx(t) for t in rs], [grp.exp(y, t) * mm for t, mm in zip(rs, m, strict=True)])

    current = [enc(m) for m in plain]
    put("Ciphertexts.bt", vg.ciphs(current))

    pk_ser = node([vg.wide([g] * width), vg.wide([y] * width)])  # pk_ω (NOTES §9, §13)
    if spec.session != "decryption":
        n0 = spec.maxciph or n
        h = _generators(vg, spec, rho, n0)
        if spec.maxciph:
            put("proofs/maxciph", str(n0))
        for pl in range(1, lam + 1):
            out = _shuffle(vg, spec, rnd, pl, h, current, challenge, n_s, pk_ser, y, put)
            current = out
        if spec.session == "shuffling":
            put("ShuffledCiphertexts.bt", vg.ciphs(current))
            return root / "protInfo.xml", nz

    # decryption (NOTES §10)
    alpha = _alpha(k)
    inv_alpha = pow(alpha, -1, q)
    factors = {pl: [[grp.exp(c.u[j], (-xs[pl] * inv_alpha) % q) for j in range(width)] for c in current]
               for pl in range(1, k + 1)}
    for pl in range(1, k + 1):
        put(f"proofs/DecryptionFactors{pl:02d}.bt", vg.wide_arr(factors[pl]))
    put("proofs/CorrectIndices.bt", leaf(b"\x00" + b"\x01" * k))
    seed = challenge(node([node([vg.el(g), vg.ciphs(current)]),
                           node([vg.arr(gamma), node([vg.wide_arr(factors[pl]) for pl in range(1, k + 1)])])]), n_s)
    e = prg_ints(spec.prg, seed, spec.n_e, n)
    big_a = [grp.multi_exp([c.u[j] for c in current], e) for j in range(width)]
    nonces = {pl: r() for pl in range(1, k + 1)}
    taus = [node([vg.el(gx(nonces[pl])), vg.wide([grp.exp(a, nonces[pl]) for a in big_a])])
            for pl in range(1, k + 1)]
    for pl in range(1, k + 1):
        put(f"proofs/DecrFactCommitment{pl:02d}.bt", taus[pl - 1])
    v = int.from_bytes(challenge(node([leaf(seed), node(taus)]), spec.n_v), "big")
    for pl in range(1, k + 1):
        put(f"proofs/DecrFactReply{pl:02d}.bt", vg.zq(nonces[pl] - v * xs[pl] * inv_alpha))
    if spec.readapt:
        cheat = spec.readapt
        nonces[cheat] = r()
        taus[cheat - 1] = node([vg.el(gx(nonces[cheat])), vg.wide([grp.exp(a, nonces[cheat]) for a in big_a])])
        put(f"proofs/DecrFactCommitment{cheat:02d}.bt", taus[cheat - 1])
        v = int.from_bytes(challenge(node([leaf(seed), node(taus)]), spec.n_v), "big")
        put(f"proofs/DecrFactReply{cheat:02d}.bt", vg.zq(nonces[cheat] - v * xs[cheat] * inv_alpha))
    # m_i = v_i · u_i^{−x}
    put("Plaintexts.bt", vg.wide_arr([[c.v[j] * grp.exp(c.u[j], (-x) % q) for j in range(width)] for c in current]))
    return root / "protInfo.xml", nz


def _alpha(k: int) -> int:
    """α = lcm(1..k)² (NOTES §10 step 1)."""
    lcm = 1
    for i in range(2, k + 1):
        lcm = lcm * i // math.gcd(lcm, i)
    return int(lcm * lcm)


def _generators(vg: VGroup, spec: Spec, rho: bytes, count: int) -> list[Element]:
    """h_0 … h_{count−1} (NOTES §8): RO seed over str("generators"), PRG on the RO hash."""
    dlen = len(HASHES[spec.rohash](b""))
    seed = ro(spec.rohash, 8 * dlen, rho + str_leaf("generators"))
    bits = vg.p.bit_length() + spec.n_r
    nb = (bits + 7) // 8
    grp = vg.g
    p = vg.p
    out: list[Element] = []
    stream = prg_bytes(spec.rohash, seed, nb * count * 8)  # curves need ~2 candidates per generator
    pos = 0
    while len(out) < count:
        assert pos + nb <= len(stream), "more candidates off the curve than expected"
        t = int.from_bytes(stream[pos:pos + nb], "big") % (1 << bits)
        pos += nb
        if not vg.curve:
            out.append(grp.element_from_int(int(gmpy2.powmod(t % p, (p - 1) // vg.q, p))))  # type: ignore[attr-defined]
            continue
        xx = t % p
        f = (xx**3 + int(grp.a) * xx + int(grp.b)) % p  # type: ignore[attr-defined]
        if gmpy2.legendre(f, p) != 1:
            continue
        yy = sqrt_mod(f, p)
        assert yy is not None
        out.append(grp.element_from_affine(xx, int(min(yy, p - yy))))  # type: ignore[attr-defined]
    return out


def _tw_commitment_chain(grp: Group, q: int, rnd: random.Random, h0: Element, e_perm: list[int],
                         eps: list[int]) -> tuple[list[Element], list[Element], list[int], list[int], int]:
    """B_i = g^{b_i} B_{i−1}^{e'_i}, B'_i = g^{β_i} B_{i−1}^{ε_i} (B_{−1} = h_0): (B, B', b, β, x_{N−1})."""
    big_b: list[Element] = []
    big_bp: list[Element] = []
    bs: list[int] = []
    betas: list[int] = []
    prev = h0
    xacc = 0
    for ep, ei in zip(e_perm, eps, strict=True):
        b, beta = rnd.randrange(q), rnd.randrange(q)
        bi = grp.exp_g(b) * grp.exp(prev, ep)
        big_bp.append(grp.exp_g(beta) * grp.exp(prev, ei))
        big_b.append(bi)
        bs.append(b)
        betas.append(beta)
        xacc = (b + ep * xacc) % q
        prev = bi
    return big_b, big_bp, bs, betas, xacc


def _shuffle(vg: VGroup, spec: Spec, rnd: random.Random, pl: int, h: list[Element], w: list[Ciph],
             challenge: Callable[[bytes, int], bytes], n_s: int, pk_ser: bytes, y: Element,
             put: Callable[[str, bytes | str], None]) -> list[Ciph]:
    """Party pl shuffles w and writes its proof: PoS (NOTES §9) or PoSC + keep list + CCPoS (§9b)."""
    grp, q, width, n = vg.g, vg.q, spec.width, len(w)
    ll = f"{pl:02d}"
    n0 = len(h)
    # permutation π of [0, N0) and u_i = g^{r_i} h_{π(i)}; with pre-computation, keep the i with π(i) < N
    pi = list(range(n0))
    rnd.shuffle(pi)
    rs = [rnd.randrange(q) for _ in range(n0)]
    u = [grp.exp_g(rs[i]) * h[pi[i]] for i in range(n0)]
    put(f"proofs/PermutationCommitment{ll}.bt", vg.arr(u))
    keep = [pi[i] < n for i in range(n0)]
    kept = [i for i in range(n0) if keep[i]]
    sigma = [pi[i] for i in kept]  # input i' goes to output position σ(i')
    # re-encryption: w'_{σ(i)} = w_i · Enc(1, s_i), component-wise
    s = [[rnd.randrange(q) for _ in range(width)] for _ in range(n)]
    out: list[Ciph | None] = [None] * n
    for i, c in enumerate(w):
        out[sigma[i]] = Ciph([c.u[j] * grp.exp_g(s[i][j]) for j in range(width)],
                             [c.v[j] * grp.exp(y, s[i][j]) for j in range(width)])
    w_out = [c for c in out if c is not None]
    put(f"proofs/Ciphertexts{ll}.bt", vg.ciphs(w_out))
    w_ser, w_out_ser = vg.ciphs(w), vg.ciphs(w_out)

    def tw(hh: list[Element], uu: list[Element], perm: list[int], rr: list[int], statement: list[bytes],
           with_f: bool) -> tuple[bytes, bytes]:
        """The TW proof over generators hh and commitments uu = g^{rr_i} hh_{perm(i)} (NOTES §9 steps 1–7)."""
        m = len(hh)
        seed = challenge(node(statement), n_s)
        e = prg_ints(spec.prg, seed, spec.n_e, m)
        inv = [0] * m
        for i, pi_i in enumerate(perm):
            inv[pi_i] = i
        e_perm = [e[inv[j]] for j in range(m)]  # e'_j = e_{π^{-1}(j)}
        eps = [rnd.randrange(q) for _ in range(m)]
        big_b, big_bp, bs, betas, x_last = _tw_commitment_chain(grp, q, rnd, hh[0], e_perm, eps)
        alpha_, gamma_, delta_ = rnd.randrange(q), rnd.randrange(q), rnd.randrange(q)
        a_p = grp.exp_g(alpha_) * grp.multi_exp(hh, eps)
        c_p, d_p = grp.exp_g(gamma_), grp.exp_g(delta_)
        parts = [vg.arr(big_b), vg.el(a_p), vg.arr(big_bp), vg.el(c_p), vg.el(d_p)]
        phi = [rnd.randrange(q) for _ in range(width)]
        if with_f:
            fu = [grp.exp_g(-phi[j] % q) * grp.multi_exp([c.u[j] for c in w_out], eps) for j in range(width)]
            fv = [grp.exp(y, -phi[j] % q) * grp.multi_exp([c.v[j] for c in w_out], eps) for j in range(width)]
            parts.append(node([vg.wide(fu), vg.wide(fv)]))
        tau = node(parts)
        v = int.from_bytes(challenge(node([leaf(seed), tau]), spec.n_v), "big")
        ke = [(eps[j] + v * e_perm[j]) % q for j in range(m)]
        reply = [vg.zq(alpha_ + v * sum(ri * ei for ri, ei in zip(rr, e, strict=True))),
                 node([vg.zq(bt_ + v * b) for bt_, b in zip(betas, bs, strict=True)]),
                 vg.zq(gamma_ + v * sum(rr)), vg.zq(delta_ + v * x_last), node([vg.zq(t) for t in ke])]
        if with_f:
            reply.append(vg.wide_zq([phi[j] + v * sum(s[i][j] * e[i] for i in range(m)) for j in range(width)]))
        return tau, node(reply)

    if not spec.maxciph:
        tau, sig = tw(h, u, pi, rs, [vg.el(grp.generator()), vg.arr(h), vg.arr(u), pk_ser, w_ser, w_out_ser], True)
        put(f"proofs/PoSCommitment{ll}.bt", tau)
        put(f"proofs/PoSReply{ll}.bt", sig)
        return w_out
    # PoSC over all N0 (no F), then CCPoS over h' = h[0:N] and the kept u' (NOTES §9b)
    tau, sig = tw(h, u, pi, rs, [vg.el(grp.generator()), vg.arr(h), vg.arr(u)], False)
    put(f"proofs/PoSCCommitment{ll}.bt", tau)
    put(f"proofs/PoSCReply{ll}.bt", sig)
    put(f"proofs/KeepList{ll}.bt", leaf(bytes(int(b) for b in keep)))
    hp, up, rp = h[:n], [u[i] for i in kept], [rs[i] for i in kept]
    seed = challenge(node([vg.el(grp.generator()), vg.arr(hp), vg.arr(up), pk_ser, w_ser, w_out_ser]), n_s)
    e = prg_ints(spec.prg, seed, spec.n_e, n)
    inv = [0] * n
    for i, t in enumerate(sigma):
        inv[t] = i
    e_perm = [e[inv[j]] for j in range(n)]
    eps = [rnd.randrange(q) for _ in range(n)]
    alpha_ = rnd.randrange(q)
    phi = [rnd.randrange(q) for _ in range(width)]
    a_p = grp.exp_g(alpha_) * grp.multi_exp(hp, eps)
    bu = [grp.exp_g(-phi[j] % q) * grp.multi_exp([c.u[j] for c in w_out], eps) for j in range(width)]
    bv = [grp.exp(y, -phi[j] % q) * grp.multi_exp([c.v[j] for c in w_out], eps) for j in range(width)]
    tau = node([vg.el(a_p), node([vg.wide(bu), vg.wide(bv)])])
    v = int.from_bytes(challenge(node([leaf(seed), tau]), spec.n_v), "big")
    sig = node([vg.zq(alpha_ + v * sum(ri * ei for ri, ei in zip(rp, e, strict=True))),
                vg.wide_zq([phi[j] + v * sum(s[i][j] * e[i] for i in range(n)) for j in range(width)]),
                node([vg.zq(eps[j] + v * e_perm[j]) for j in range(n)])])
    put(f"proofs/CCPoSCommitment{ll}.bt", tau)
    put(f"proofs/CCPoSReply{ll}.bt", sig)
    return w_out
