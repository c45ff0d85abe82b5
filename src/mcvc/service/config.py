"""The service's configuration: a TOML file, validated, paths relative to the file.

Secrets never sit in the file in clear: bearer tokens are given as their SHA-256 (or read
from an environment variable), the challenge secret comes from the environment.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import McvcError

__all__ = [
    "ConfigError",
    "IssuerConfig",
    "LimitsConfig",
    "ServiceConfig",
    "VerifierConfig",
    "VerifyConfig",
    "WalletConfig",
]

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ConfigError(McvcError):
    """The service configuration is missing, unreadable or invalid."""

    code = "CONFIG_INVALID"


class _Strict(BaseModel):
    # a misspelt option must not silently fall back to a default (an open issuer, say)
    model_config = ConfigDict(extra="forbid", frozen=True)


class IssuerConfig(_Strict):
    name: str
    key: str
    did: str | None = None
    token_sha256: list[str] = Field(default_factory=list)
    token_env: str | None = None
    suspension: bool = False
    vc1_status: Literal["always", "when-asked"] = "always"
    """VC 1.1 credentials get status entries (and the status context that defines them) always,
    or only when the request asks (options.credentialStatus) or the credential already lists
    that context: for clients whose JSON-LD loaders do not know the status context."""
    caller_status: bool = True
    """Keep well-formed status entries the caller puts in a credential (beside the service's
    own); False refuses credentials that carry any."""
    status_list_ttl_ms: int = Field(default=300_000, ge=0, le=86_400_000)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("lower-case letters, digits and '-', 1 to 40 characters")
        return value

    @field_validator("token_sha256")
    @classmethod
    def _hashes(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _SHA256.match(item):
                raise ValueError("each entry is the SHA-256 of a token as 64 lower-case hex digits")
        return value

    @field_validator("did")
    @classmethod
    def _did(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("did:web:", "did:key:")):
            raise ValueError("a did:web or did:key")
        return value

    def token_hashes(self) -> set[str]:
        """SHA-256 hex digests of the tokens that may issue and change status as this issuer."""
        hashes = set(self.token_sha256)
        if self.token_env:
            token = os.environ.get(self.token_env, "")
            if token:
                hashes.add(hashlib.sha256(token.encode("utf-8")).hexdigest())
        return hashes


class LimitsConfig(_Strict):
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    request_timeout: float = Field(default=15.0, gt=0, le=300)
    verify_concurrency: int = Field(default=4, ge=1, le=256)
    """Verifications at once per server process, each in its own worker process."""
    verify_per_client: int = Field(default=2, ge=1, le=256)
    """Verifications at once for one client address (the rest queue)."""
    verify_processes: bool = True
    """False: verify in threads of the server process (the GIL then lets a client's heavy
    requests slow everyone's)."""
    verify_per_minute: float = Field(default=120.0, gt=0)
    verify_burst: int = Field(default=30, ge=1)
    challenge_ttl_seconds: int = Field(default=600, ge=10, le=86_400)


class VerifyConfig(_Strict):
    trust: str | None = None
    trust_signer: str | None = None
    """Accept the trust list only when this DID signed it (docs/trust.md)."""
    anchors: str | None = None
    trusted_lists: str | None = None
    """A folder written by ``mcvc trust update``: the EU Trusted Lists, read once at start."""
    allow_network: bool = False
    allow_private: bool = False
    allow_http: bool = False
    fetch_timeout: float = Field(default=10.0, gt=0, le=60)
    accept_foreign_challenges: bool = False
    max_values: int = Field(default=10_000, ge=100, le=10_000_000)
    policy: Literal["officer", "vc-api"] = "vc-api"
    require_holder_binding: bool = False
    """Fail presentations whose holder is not the subject of their credentials."""
    """vc-api: a valid credential from an unconfirmed issuer is verified, with a warning (what
    VC-API clients expect); officer: it is unconfirmed (422)."""


class WalletConfig(_Strict):
    """OpenID4VCI: each issuer is a Credential Issuer at ``{public_url}/issuers/{name}``."""

    enabled: bool = True
    batch_size: int = Field(default=3, ge=2, le=20)
    """Key proofs (so credentials, one per wallet key) in one credential request."""
    token_ttl_seconds: int = Field(default=600, ge=30, le=86_400)
    offer_ttl_days: float = Field(default=7, gt=0, le=30)
    """How long an offer's pre-authorized code can be redeemed, unless the offer says."""
    deferred_interval_seconds: int = Field(default=60, ge=1, le=86_400)
    require_dpop: bool = False
    """Issue access tokens only bound with DPoP (RFC 9449), as the HAIP profile has wallets
    do; a token request without a DPoP proof is refused. Off: DPoP is used when the wallet
    sends a proof, bearer tokens otherwise."""
    dpop_nonce: bool = False
    """Ask for a server-provided nonce in every DPoP proof (RFC 9449 sections 8 and 9): a
    proof's freshness then no longer rests on the wallet's clock. Wallets retry with the
    nonce of the ``DPoP-Nonce`` header, as the specification has them do."""
    key_attestation_anchors: str | None = None
    """PEM file of the wallet providers' CA certificates whose key attestations (OpenID4VCI
    1.0 appendix D) are evaluated; without it attestations are not read."""
    require_key_attestation: bool = False
    """Every key proof must come with a key attestation from one of those providers."""
    key_storage: list[str] = Field(default_factory=list)
    """Accepted key storage levels (e.g. ``iso_18045_high``); empty: any."""
    user_authentication: list[str] = Field(default_factory=list)
    """Accepted user authentication levels; empty: any."""
    vct: str | None = None
    """The SD-JWT VC type; default ``{public_url}/vct/micro-credential`` (type metadata
    served there)."""


class VerifierConfig(_Strict):
    """OpenID4VP: ask a learner's wallet for a credential (``mcvc request``). Off without a
    key: the authorization requests are signed with it (client id prefix
    ``decentralized_identifier``)."""

    name: str = "Admissions office"
    key: str | None = None
    did: str | None = None
    """A did:web for the key (its DID document is then served here); default its did:key."""
    token_sha256: list[str] = Field(default_factory=list)
    token_env: str | None = None
    request_ttl_seconds: int = Field(default=600, ge=30, le=86_400)
    certificate: str | None = None
    """PEM file of the key's certificate chain, leaf first (an EUDI relying-party access
    certificate, for example); with it the Client Identifier is ``x509_hash`` by default."""
    client_id_prefix: Literal["decentralized_identifier", "x509_hash", "x509_san_dns"] | None = None
    """Default: ``x509_hash`` with a certificate, else ``decentralized_identifier``."""
    response_mode: Literal["direct_post", "direct_post.jwt"] = "direct_post"
    """``direct_post.jwt``: wallets encrypt their answers to a key made for each request
    (OpenID4VP 1.0 section 8.3; what HAIP wallets expect). A request may choose otherwise."""

    @field_validator("token_sha256")
    @classmethod
    def _hashes(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _SHA256.match(item):
                raise ValueError("each entry is the SHA-256 of a token as 64 lower-case hex digits")
        return value

    def token_hashes(self) -> set[str]:
        hashes = set(self.token_sha256)
        if self.token_env and os.environ.get(self.token_env):
            hashes.add(hashlib.sha256(os.environ[self.token_env].encode("utf-8")).hexdigest())
        return hashes


class ServiceConfig(_Strict):
    public_url: str = "http://127.0.0.1:8080"
    ledger: str = "sqlite:///mcvc-ledger.db"
    challenge_secret_env: str = "MCVC_CHALLENGE_SECRET"  # noqa: S105 - a variable's name
    issuers: list[IssuerConfig] = Field(default_factory=list)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    verify: VerifyConfig = Field(default_factory=VerifyConfig)
    wallet: WalletConfig = Field(default_factory=WalletConfig)
    verifier: VerifierConfig = Field(default_factory=VerifierConfig)
    base_dir: str = "."

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/?#\s]+(/[^?#\s]*)?$", value):
            raise ValueError("an http(s) URL without query or fragment")
        return value.rstrip("/")

    @field_validator("issuers")
    @classmethod
    def _unique(cls, value: list[IssuerConfig]) -> list[IssuerConfig]:
        names = [i.name for i in value]
        if len(names) != len(set(names)):
            raise ValueError("issuer names must be unique")
        return value

    def path(self, value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else Path(self.base_dir) / p

    def challenge_secret(self) -> bytes | None:
        value = os.environ.get(self.challenge_secret_env, "")
        return value.encode("utf-8") if value else None

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, base_dir: str | Path = ".") -> ServiceConfig:
        try:
            return cls.model_validate({**data, "base_dir": str(base_dir)})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(
                f"{where}: {first['msg']}"
                + (f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else "")
            ) from None

    @classmethod
    def load(cls, path: str | Path) -> ServiceConfig:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text("utf-8"))
        except OSError as exc:
            raise ConfigError(f"{path}: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        if "base_dir" in data:
            raise ConfigError(f"{path}: base_dir is derived from the file's location")
        return cls.from_dict(data, base_dir=p.resolve().parent)
