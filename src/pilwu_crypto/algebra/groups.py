"""Named parameter sets (docs/parameters.md).  A group is chosen by name, explicitly.

- ``pilwu-3072`` (default): p of 3072 bits, q of 256 bits, (p - 1)/(2q) prime; generated
  by the seeded search of :mod:`pilwu_crypto.algebra.paramgen` (docs/parameters.md).
- ``electionguard-4096``: ElectionGuard 1.x's group as shipped by electionguard-python
  1.4 (constants.py), so figures compare with that peer on identical arithmetic.
- ``pilwu-test-512``: TEST ONLY, same procedure with p of 512 bits; q still has 256 bits
  and (p - 1)/(2q) is prime.  ``get_group`` refuses it unless ``allow_test=True``.
- ``P-256``, ``P-384``, ``P-521``: NIST curves (see :mod:`pilwu_crypto.algebra.ec`).

Groups are created once per process and shared, so their fixed-base tables are too.
"""

from __future__ import annotations

import copyreg
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pilwu_crypto.algebra.ec import ECGroup
from pilwu_crypto.algebra.group import Group
from pilwu_crypto.algebra.modp import ModPGroup
from pilwu_crypto.errors import InvalidParameters

DEFAULT_GROUP = "pilwu-3072"


@dataclass(frozen=True)
class SeededDerivation:
    """Where a pilwu parameter set comes from: paramgen.rederive(label, seed_index, counter, L, N)."""

    label: bytes
    seed_index: int
    counter: int
    l_bits: int
    n_bits: int


PILWU_3072_DERIVATION = SeededDerivation(
    label=b'PILWU-V1-paramgen pilwu-3072: E-Pilwu village-head elections, Cirebon Regency, West Java',
    seed_index=21743, counter=10447, l_bits=3072, n_bits=256)

PILWU_3072_P = int(
    "a1dd9a87ed6e2fb8ad4f9d0f5c317ed6299848293cacdece49f07eb9d43ba66f097d9a0eeed29fb3e839a5e07e3f3329"
    "08be019cdf31623f2c435153b7692b82b73fcf4c3e1dc160ac6df2391dc407d57208f1e6e88de877cebf7b2b67ac2d47"
    "7c7acbeb380488a9d1370196d99b0d2c36bf04c980b1afded287b32ef06f7cda4741b90c69e3708858c80686d02603b7"
    "28999d90f2efba9aca4b6ac0746a0d582d59d4d3e93b68ec903cf4adaf4153bb5b4b91262c943660f9029982b6fdb38c"
    "f1cc53073a5fff643d77f3e1c4e71c2d6d30107427f96e2ea0c3e9fe9bf34f88cdfe054b844d2c31cf6c2da433e7ad75"
    "e541af183a7cc50edafbc5b01eba88282cbf3daabe3245ce0030e72049d44371c69bcc80d772a27eb6c54cf34ccf0b71"
    "4973299bf4a7c642f06f7d94c406799b88398e54e83b07a28531cad324e593807895692f23a41b76027dbc85092f4b31"
    "d429a6550a43a597986a6d1efefb142a8ef1687182a9e03599268b112cd4cfc487cb13da3aacbe87103a88fe520e2677", 16)
PILWU_3072_Q = int("94642fa9d0f54e3aa34ca677766aae51a1b731e9647e888266f54040bbd9377b", 16)
PILWU_3072_G = int(
    "40dd2b38a238a71a8597c015de8c37776056a1ba56a818eb8f4bc5faf9ff51231f487f1644ee28d9890d22ee2622ce56"
    "e5f35429c66b5d1c34823e624fad4902fd3c1c0685f95caad55fd82b4c22054764c2451e5c5ec730ddb043778e128792"
    "3577b2cdec026951930a7e4d59ed3394c652ab7c716d6384c4506e15bfebff590714aa64daad4cc90b4b488cc2ddfe17"
    "e2c54209771861afc26459ce8f28071db5f84378e48a79d614328337ebd4f8f6d75101d87569fb810269221ec820a1d9"
    "bcec6d879029e7c9e7c38a8d3e4b5e77b6c430c57e369b677ef8b12ba976615828eac85621bc34f583422429feb06d57"
    "ae47f43507ac141731fa6505b19d12163cfaca0d04df05ea57d9b1802520b4cdb894ad1714c246d455f0636b3bba93b5"
    "0c9caa410e4070c5c9a2051daba64f0e5c23cc0679cac2da5065de3655405f04a259f042c9acfde242bedb1689e7624e"
    "76fc036dc283e3394cd0fc6e4a454b4b921172617008d13b9a8a7f3fcf4e32f86bf462a3e2a9d622b3fc85277496525d", 16)

PILWU_TEST_512_DERIVATION = SeededDerivation(
    label=b'PILWU-V1-paramgen pilwu-test-512: TEST ONLY, never for real elections',
    seed_index=1496, counter=1294, l_bits=512, n_bits=256)

PILWU_TEST_512_P = int(
    "acc2fa03d021c6b0e60cd631d5cc02a7889af2c21cad8f4bd6a1426894c6294ac4bb758005678ffb76857de51c679033"
    "83c5bb2d231831ebc76ea7a8fd50c7fb", 16)
PILWU_TEST_512_Q = int("ec378d7ba1082bb4c4068f2fce15b4c31d64179ab4777b0707c6ddd7e8baf1af", 16)
PILWU_TEST_512_G = int(
    "14a734d81aa33240c715bf1cfc34d76c450b465abb8a57978d3c80b897c1f241fb8c99395de3247023864751eb024fd4"
    "a5faf9946d96d631766201b22b961fb0", 16)

# ElectionGuard 1.x (electionguard-python 1.4.0, src/electionguard/constants.py,
# STANDARD_CONSTANTS): p = large_prime, q = small_prime = 2^256 - 189, g = 2^r mod p
# with r = (p - 1)/q.
ELECTIONGUARD_4096_P = int(
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff93c467e37db0c7a4d1be3f810152cb56"
    "a1cecc3af65cc0190c03df34709affbd8e4b59fa03a9f0eed0649ccb621057d11056ae9132135a08e43b4673d74bafea"
    "58deb878cc86d733dbe7bf38154b36cf8a96d1567899aaae0c09d4c8b6b7b86fd2a1ea1de62ff8643ec7c27182797722"
    "5e6ac2f0bd61c746961542a3ce3bea5db54fe70e63e6d09f8fc28658e80567a47cfde60ee741e5d85a7bd46931ced822"
    "0365594964b839896fcaabccc9b31959c083f22ad3ee591c32fab2c7448f2a057db2db49ee52e0182741e53865f004cc"
    "8e704b7c5c40bf304c4d8c4f13edf6047c555302d2238d8ce11df2424f1b66c2c5d238d0744db679af2890487031f9c0"
    "aea1c4bb6fe9554ee528fdf1b05e5b256223b2f09215f3719f9c7ccc69ddf172d0d6234217fcc0037f18b93ef5389130"
    "b7a661e5c26e54214068bbcafea32a67818bd3075ad1f5c7e9cc3d1737fb28171baf84dbb6612b7881c1a48e439cd03a"
    "92bf52225a2b38e6542e9f722bce15a381b5753ea842763381ccae83512b30511b32e5e8d80362149ad030aaba5f3a57"
    "98bb22aa7ec1b6d0f17903f4e22d840734aa85973f79a93ffb82a75c47c03d43d2f9ca02d03199baceddd4533a52566a"
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 16)
ELECTIONGUARD_4096_Q = 2**256 - 189
ELECTIONGUARD_4096_G = int(
    "1d41e49c477e15eaeef0c5e4ac08d4a46c268cd3424fc01d13769bdb43673218587bc86c4c1448d006a03699f3abae5f"
    "eb19e296f5d143cc5e4a3fc89088c9f4523d166ee3ae9d5fb03c0bdd77add5c017f6c55e2ec92c226fef5c6c1df2e7c3"
    "6d90e7eaade098241d3409983bccd2b5379e9391fbc62f9f8d939d1208b160367c134264122189595ec85c8cdbe5f9d3"
    "07f46912c04932f8c16815a76b4682bd6bdc0ed52b00d8d30f59c731d5a7ffae8165d53cf96649aac2b743da56f14f19"
    "dacc5236f29b1ab9f9befc69697293d5dead8b5bf5de9bab6de67c45719e56344a3cbdf3609824b1b578e34eaeb6dd31"
    "90ab3571d6d671c512282c1da7bd36b4251d2584fadea80b9e141423074dd9b5fb83acbdead4c87a58fff517f977a830"
    "80370a3b0cf98a1bc2978c47aac29611fd6c40e2f9875c35d50443a9aa3f49611dcd3a0d6ff3cb3facf31471bdb61860"
    "b92c594d4e46569bb39feeadff1fd64c836a6d6db85c6ba7241766b7ab56bf739633b054147f7170921412e948d9e474"
    "02d15bb1c257318612c121c36b80eb8433c08e7d0b7149e3ab0a8735a92edce8ff943e28a2dceacfcc69ec318909cb04"
    "7be1c5858844b5ad44f22eeb289e4cc554f7a5e2f3dea026877ff92851816071ce028eb868d965ccb2d2295a8c55bd1c"
    "070b39b09ae06b37d29343b9d8997dc244c468b980970731736ee018bbadb987", 16)


def _pilwu_3072() -> Group:
    return ModPGroup("pilwu-3072", PILWU_3072_P, PILWU_3072_Q, PILWU_3072_G)


def _electionguard_4096() -> Group:
    return ModPGroup("electionguard-4096", ELECTIONGUARD_4096_P, ELECTIONGUARD_4096_Q, ELECTIONGUARD_4096_G)


def _pilwu_test_512() -> Group:
    return ModPGroup("pilwu-test-512", PILWU_TEST_512_P, PILWU_TEST_512_Q, PILWU_TEST_512_G,
                     is_test_only=True)


def _curve(name: str) -> Callable[[], Group]:
    def make() -> Group:
        from pilwu_crypto.algebra.ec import ECGroup

        return ECGroup(name)

    return make


_FACTORIES: dict[str, Callable[[], Group]] = {
    "pilwu-3072": _pilwu_3072,
    "electionguard-4096": _electionguard_4096,
    "pilwu-test-512": _pilwu_test_512,
    "P-256": _curve("P-256"),
    "P-384": _curve("P-384"),
    "P-521": _curve("P-521"),
}
_INSTANCES: dict[str, Group] = {}

TEST_ONLY_GROUPS = frozenset({"pilwu-test-512"})


def group_names(include_test: bool = False) -> list[str]:
    """Names of the registered parameter sets (test-only ones on request)."""
    return [n for n in _FACTORIES if include_test or n not in TEST_ONLY_GROUPS]


def get_group(name: str = DEFAULT_GROUP, *, allow_test: bool = False) -> Group:
    """The shared instance of a named parameter set.

    Raises InvalidParameters for an unknown name and TestGroupRefused for a test-only
    group unless ``allow_test`` is set (only tests should set it).
    """
    factory = _FACTORIES.get(name)
    if factory is None:
        raise InvalidParameters(f"unknown parameter set {name!r}; known: {', '.join(group_names())}")
    group = _INSTANCES.get(name)
    if group is None:
        group = factory()
        _INSTANCES[name] = group
    group.require_production(allow_test)
    return group


DERIVATIONS: dict[str, SeededDerivation] = {
    "pilwu-3072": PILWU_3072_DERIVATION,
    "pilwu-test-512": PILWU_TEST_512_DERIVATION,
}
"""The recorded seeded derivation of each pilwu parameter set (docs/parameters.md)."""


def derivation_of(name: str) -> SeededDerivation | None:
    """The seeded derivation of a pilwu parameter set, or None for imported/curve groups."""
    return DERIVATIONS.get(name)


# ---- pickling: a registered group travels by name -----------------------------------------
def _registered(name: str) -> Group:
    """The shared instance of a registered group (unpickling; test groups included, since
    only an object that was already admitted in the sending process is pickled)."""
    return get_group(name, allow_test=True)


def _reduce_group(group: Group) -> str | tuple[Any, ...]:
    """Pickle the shared instance of a registered group as its name, so that elements,
    keys and contexts sent to a worker process arrive in that process's own instance
    (with its fixed-base tables) instead of a copy; any other group pickles as usual."""
    if _INSTANCES.get(group.name) is group:
        return (_registered, (group.name,))
    return object.__reduce_ex__(group, 2)


copyreg.pickle(ModPGroup, _reduce_group)
copyreg.pickle(ECGroup, _reduce_group)
