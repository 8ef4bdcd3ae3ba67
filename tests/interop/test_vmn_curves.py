"""The curves Verificatum names beyond the core's P-256/384/521 (interop.verificatum.curves, NOTES.md §3).

Known answers come from published vectors (cited per table), from pycryptodome's own
C implementation of P-192/P-224 (an independent implementation), and, for every curve,
from a naive affine double-and-add written here.  Parameters are checked at construction;
curves that are not prime-order are refused.
"""

from __future__ import annotations

import random

import pytest
from Crypto.PublicKey.ECC import EccPoint  # type: ignore[attr-defined]

from pilwu_crypto.errors import InvalidParameters, NotInGroup
from pilwu_crypto.interop.verificatum.arithm import KNOWN_VMN_CURVES, curve_group
from pilwu_crypto.interop.verificatum.curves import (
    ALIASES,
    CURVE_PARAMS,
    CurveParams,
    WeierstrassCurve,
    named_curve,
    sqrt_mod,
)
from pilwu_crypto.interop.verificatum.plaintexts import decode_plaintext

# SJCL test/ecc_vectors.js "ecc_pntmul" (values generated with OpenSSL, `openssl ecparam -name …`):
# (curve, k, x(k·G), y(k·G)).
SJCL = [
    ("P-192", "7323b21a836de35418b612cb317ca9b024f4918a5ea1ffcd",
     "b2610635675f427112f50247d540c02cae8c3419f309244d", "9cbddb422ad84a8013ceacad763329a7c88c55e5d0d6f679"),
    ("P-224", "6f4b25e353201936254479cad382447b8dfde9365ccb9772f2467835",
     "d665b5a8aa20b359a173274ff1ac4c51e5720b8315fb3b53adea8875",
     "4b0292dc6d2487aa8e8bd1663ec799c45abcb1730407d22051557885"),
    ("secp192k1", "3d02d7932cbee39a20be8d52c0e20820b3fc8cd6258cf158",
     "826519b44cea20d3a5b52f7d7c65221d50c491b285d0853c", "555609257711b16e5fa872aab5346cf1716d434f7dc8ddd2"),
    ("secp224k1", "2669789cb1356519cbb457e1b8e98ef8c1e673a9939d444a70ce8cce",
     "dc7f88028d384523a3d7fba09a33097be55858af33443fe574dd035a",
     "253edd056b78332ac6c7631315d457e5442394a87d70f74548730975"),
    ("secp256k1", "5a2b847b9dbfa3b8c95e8ef0d9dead6cc6f3c22dae6c162f759f2d640495dce0",
     "5d1247a9177f4943cfca74355af3e9fc61e5900b5e41e5c5db293f52c397ec28",
     "d4d36e5dad4230b525c83ee4e4477d62b143fa4e69934f9531759a356982ce08"),
]

# RFC 7027 Appendix A.1–A.3 (Brainpool curves for TLS): dA and QA = dA·G.
RFC7027 = [
    ("brainpoolp256r1", "81DB1EE100150FF2EA338D708271BE38300CB54241D79950F77B063039804F1D",
     "44106E913F92BC02A1705D9953A8414DB95E1AAA49E81D9E85F929A8E3100BE5",
     "8AB4846F11CACCB73CE49CBDD120F5A900A69FD32C272223F789EF10EB089BDC"),
    ("brainpoolp384r1",
     "1E20F5E048A5886F1F157C74E91BDE2B98C8B52D58E5003D57053FC4B0BD65D6F15EB5D1EE1610DF870795143627D042",
     "68B665DD91C195800650CDD363C625F4E742E8134667B767B1B476793588F885AB698C852D4A6E77A252D6380FCAF068",
     "55BC91A39C9EC01DEE36017B7D673A931236D2F1F5C83942D049E3FA20607493E0D038FF2FD30C2AB67D15C85F7FAA59"),
    ("brainpoolp512r1",
     "16302FF0DBBB5A8D733DAB7141C1B45ACBC8715939677F6A56850A38BD87BD59B09E80279609FF333EB9D4C061231FB2"
     "6F92EEB04982A5F1D1764CAD57665422",
     "0A420517E406AAC0ACDCE90FCD71487718D3B953EFD7FBEC5F7F27E28C6149999397E91E029E06457DB2D3E640668B39"
     "2C2A7E737A7F0BF04436D11640FD09FD",
     "72E6882E8DB28AAD36237CD25D580DB23783961C8DC52DFA2EC138AD472A0FCEF3887CF62B623B2A87DE5C588301EA3E"
     "5FC269B373B60724F5E82A6AD147FDE7"),
]


@pytest.mark.parametrize(("name", "k", "x", "y"), SJCL + RFC7027)
def test_published_k_times_g(name: str, k: str, x: str, y: str) -> None:
    c = named_curve(name)
    assert c.affine(c.exp_g(int(k, 16))) == (int(x, 16), int(y, 16))
    assert c.affine(c.exp_secret(c.generator(), int(k, 16))) == (int(x, 16), int(y, 16))


def test_rfc7027_brainpoolp256r1_shared_secret() -> None:
    """dA·QB = (x_Z, y_Z) of RFC 7027 A.1: multiplication of a point other than G."""
    c = named_curve("brainpoolp256r1")
    qb = c.element_from_affine(0x8D2D688C6CF93E1160AD04CC4429117DC2C41825E1E9FCA0ADDD34E6F1B39F7B,
                               0x990C57520812BE512641E47034832106BC7D3E8DD0E4C7F1136D7006547CEC6A)
    z = c.exp(qb, 0x81DB1EE100150FF2EA338D708271BE38300CB54241D79950F77B063039804F1D)
    assert c.affine(z) == (0x89AFC39D41D3B327814B80940B042590F96556EC91E6AE7939BCE31F3A18BF2B,
                           0x49C27868F4ECA2179BFD7D59B1E3BF34C1DBDE61AE12931648F43E59632504DE)


@pytest.mark.parametrize(("name", "backend"), [("P-192", "p192"), ("P-224", "p224")])
def test_against_pycryptodome(name: str, backend: str) -> None:
    c = named_curve(name)
    rnd = random.Random(name)
    for _ in range(4):
        k = rnd.randrange(1, c.q)
        ref = EccPoint(c.params.gx, c.params.gy, backend) * k
        assert c.affine(c.exp_g(k)) == (int(ref.x), int(ref.y))


def _naive_mul(prm: CurveParams, k: int) -> tuple[int, int] | None:
    """k·G by affine double-and-add with field inversions (slow, obviously right)."""
    p = prm.p

    def add(s: tuple[int, int] | None, t: tuple[int, int] | None) -> tuple[int, int] | None:
        if s is None:
            return t
        if t is None:
            return s
        if s[0] == t[0] and (s[1] + t[1]) % p == 0:
            return None
        if s == t:
            lam = (3 * s[0] * s[0] + prm.a) * pow(2 * s[1], -1, p) % p
        else:
            lam = (t[1] - s[1]) * pow(t[0] - s[0], -1, p) % p
        x = (lam * lam - s[0] - t[0]) % p
        return x, (lam * (s[0] - x) - s[1]) % p

    acc: tuple[int, int] | None = None
    cur: tuple[int, int] | None = (prm.gx, prm.gy)
    while k:
        if k & 1:
            acc = add(acc, cur)
        cur = add(cur, cur)
        k >>= 1
    return acc


@pytest.mark.parametrize("name", sorted(CURVE_PARAMS))
def test_group_law_against_naive_affine(name: str) -> None:
    c = named_curve(name)
    rnd = random.Random(name)
    ks = [rnd.randrange(1, c.q) for _ in range(3)]
    for k in ks:
        assert c.affine(c.exp_g(k)) == _naive_mul(c.params, k)
    # multi_exp, product, inverse, identity and the encodings agree with each other
    bases = [c.exp_g(k) for k in ks]
    es = [rnd.randrange(c.q) for _ in ks]
    assert c.multi_exp(bases, es) == c.exp_g(sum(k * e for k, e in zip(ks, es, strict=True)))
    assert c.product(bases) * c.inverse(bases[0]) == bases[1] * bases[2]
    assert c.is_identity(c.exp(bases[0], c.q)) and c.is_identity(bases[0] * bases[0].inverse())
    assert c.exp(bases[0] * bases[0], 1) == c.exp(bases[0], 2)
    for el in (*bases, c.identity()):
        assert c.decode_element(c.encode_element(el)) == el
    fb = c.fixed_base(bases[1])
    for k in range(12):  # past the table build
        assert fb.pow(es[0] + k) == c.exp(bases[1], es[0] + k)


def test_square_roots_for_p_1_mod_4() -> None:
    """P-224 (p = 1 mod 2^96) and secp224k1 (p = 5 mod 8) need Tonelli–Shanks."""
    for name in ("P-224", "secp224k1"):
        p = CURVE_PARAMS[name].p
        for z in (2, 3, 5, 7, 11, 12345678901234567890):
            r = sqrt_mod(z, p)
            assert (r is None) == (pow(z, (p - 1) // 2, p) != 1)
            assert r is None or r * r % p == z


def test_off_curve_and_out_of_range_points_refused() -> None:
    c = named_curve("secp256k1")
    gx, gy = c.params.gx, c.params.gy
    with pytest.raises(NotInGroup):
        c.element_from_affine(gx, gy + 1)
    with pytest.raises(NotInGroup):
        c.element_from_affine(gx + c.p, gy)
    vg = curve_group("secp256k1")
    assert vg.affine(c.generator()) == (gx, gy)


def test_parameters_are_validated_and_non_prime_order_curves_refused() -> None:
    good = CURVE_PARAMS["P-192"]
    bad = [
        CurveParams("x", good.p, good.a, good.b, good.gx, (good.gy + 1) % good.p, good.n, "G off the curve"),
        CurveParams("x", good.p, good.a, good.b + 1, good.gx, good.gy, good.n, "b changed"),
        CurveParams("x", good.p, good.a, good.b, good.gx, good.gy, good.n + 2, "n changed"),
        CurveParams("x", good.p + 2, good.a, good.b, good.gx, good.gy, good.n, "p not prime"),
        # SEC 2 v1 §2.2.1 secp112r2: a prime-order subgroup of cofactor 4
        CurveParams("secp112r2", 0xDB7C2ABF62E35E668076BEAD208B, 0x6127C24C05F38A0AAAF65C0EF02C,
                    0x51DEF1815DB5ED74FCC34C85D709, 0x4BA30AB5E892B4E1649DD0928643,
                    0xADCD46F5882E3747DEF36E956E97, 0x36DF0AAFD8B8D7597CA10520D04B, "cofactor 4"),
    ]
    for prm in bad:
        with pytest.raises(InvalidParameters):
            WeierstrassCurve(prm)
    with pytest.raises(InvalidParameters, match="cofactor"):
        WeierstrassCurve(bad[-1])
    with pytest.raises(InvalidParameters):
        named_curve("secp112r2")


def test_every_verificatum_curve_name_is_supported() -> None:
    for name in KNOWN_VMN_CURVES:
        vg = curve_group(name)
        assert vg.is_curve and vg.group.generator() is not None
    for alias, target in ALIASES.items():
        assert curve_group(alias).group is curve_group(target).group


def test_plaintext_decoding_on_a_new_curve() -> None:
    """x = 0…0 ‖ data ‖ u16(len) ‖ counter (NOTES §12) on brainpoolp320r1 (M = 36 bytes)."""
    from tests.interop.vmn_writer import VGroup

    vg = curve_group("brainpoolp320r1")
    for data in (b"", b"abc", bytes(range(36))):
        assert decode_plaintext(vg, VGroup.named("brainpoolp320r1").encode(data)) == data
