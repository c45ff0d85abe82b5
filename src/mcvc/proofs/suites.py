"""The cryptosuites: each is a name, the key types it accepts, its hash and its transformation.

The proof engine (:mod:`mcvc.proofs.engine`) is written once; a suite only says which steps
it uses (vc-di-eddsa and vc-di-ecdsa, W3C Recommendations of 2025).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..errors import UnsupportedSuite
from ..keys import KeyKind

__all__ = ["SUITES", "Cryptosuite", "default_suite_for", "get_suite"]

Transform = Literal["rdfc", "jcs"]


@dataclass(frozen=True)
class Cryptosuite:
    name: str
    transform: Transform
    key_kinds: tuple[KeyKind, ...]

    def hash_name(self, kind: KeyKind) -> str:
        # ecdsa-*-2019 pairs P-384 with SHA-384 for every hash of the proof.
        return "sha384" if kind == "p384" else "sha256"

    def check_key(self, kind: KeyKind) -> None:
        if kind not in self.key_kinds:
            raise UnsupportedSuite(
                f"{self.name} does not accept {kind} keys (it takes {', '.join(self.key_kinds)})",
                code="SUITE_KEY_MISMATCH",
            )


EDDSA_RDFC_2022 = Cryptosuite("eddsa-rdfc-2022", "rdfc", ("ed25519",))
EDDSA_JCS_2022 = Cryptosuite("eddsa-jcs-2022", "jcs", ("ed25519",))
ECDSA_RDFC_2019 = Cryptosuite("ecdsa-rdfc-2019", "rdfc", ("p256", "p384"))
ECDSA_JCS_2019 = Cryptosuite("ecdsa-jcs-2019", "jcs", ("p256", "p384"))

SUITES: dict[str, Cryptosuite] = {
    s.name: s for s in (EDDSA_RDFC_2022, EDDSA_JCS_2022, ECDSA_RDFC_2019, ECDSA_JCS_2019)
}


def get_suite(name: str) -> Cryptosuite:
    suite = SUITES.get(name) if isinstance(name, str) else None
    if suite is None:
        raise UnsupportedSuite(
            f"cryptosuite {name!r} is not supported (supported: {', '.join(SUITES)})"
        )
    return suite


def default_suite_for(kind: KeyKind) -> Cryptosuite:
    return EDDSA_RDFC_2022 if kind == "ed25519" else ECDSA_RDFC_2019
