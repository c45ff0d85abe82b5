"""Challenges for presentations that any replica can check and each accepts only once.

A challenge is ``payload.tag``: the payload holds its expiry and a random nonce, the tag is an
HMAC over it with the secret the replicas share, so no replica needs to have issued it. Replay
is stopped by the one shared state the service has, the ledger database: a used nonce is a
row, and a second use is a primary-key conflict.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import struct
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, DateTime, Engine, MetaData, String, Table, delete
from sqlalchemy.exc import IntegrityError

from ..errors import KeyFormatError
from ..multibase import b64url_decode, b64url_encode

__all__ = ["ChallengeBook"]

_metadata = MetaData()
used_challenges = Table(
    "mcvc_used_challenges",
    _metadata,
    Column("nonce", String(32), primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)
_TAG_BYTES = 16


class ChallengeBook:
    def __init__(self, engine: Engine, secret: bytes, *, ttl: timedelta) -> None:
        if len(secret) < 16:
            raise ValueError("the challenge secret must be at least 16 bytes")
        self.engine = engine
        self.key = hashlib.sha256(b"mcvc challenge v1\0" + secret).digest()
        self.ttl = ttl
        self._uses = 0
        _metadata.create_all(engine)

    def _tag(self, payload: bytes) -> bytes:
        return hmac.new(self.key, payload, hashlib.sha256).digest()[:_TAG_BYTES]

    def create(self, now: datetime) -> str:
        expires = int((now + self.ttl).timestamp())
        payload = struct.pack(">Q", expires) + secrets.token_bytes(16)
        return f"{b64url_encode(payload)}.{b64url_encode(self._tag(payload))}"

    def _open(self, challenge: str, now: datetime) -> tuple[str, str, bytes]:
        """(code, message, payload): ``OK`` when the challenge is ours and unexpired."""
        payload_text, _, tag_text = challenge.partition(".")
        try:
            if len(challenge) > 128:
                raise KeyFormatError("too long")
            payload, tag = b64url_decode(payload_text), b64url_decode(tag_text)
        except KeyFormatError:
            return "CHALLENGE_UNKNOWN", "the challenge was not issued by this service", b""
        if len(payload) != 24 or not hmac.compare_digest(tag, self._tag(payload)):
            return "CHALLENGE_UNKNOWN", "the challenge was not issued by this service", b""
        (expires,) = struct.unpack(">Q", payload[:8])
        if now.timestamp() > expires:
            return "CHALLENGE_EXPIRED", "the challenge has expired; ask for a new one", b""
        return "OK", "the challenge was issued by this service and is unexpired", payload

    def consume(self, challenge: str, now: datetime) -> tuple[str, str]:
        """Check the challenge and mark it used; a second use gives ``CHALLENGE_REUSED``."""
        code, message, payload = self._open(challenge, now)
        if code != "OK":
            return code, message
        (expires,) = struct.unpack(">Q", payload[:8])
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    used_challenges.insert().values(
                        nonce=payload[8:].hex(), expires_at=datetime.fromtimestamp(expires, UTC)
                    )
                )
        except IntegrityError:
            return "CHALLENGE_REUSED", "the challenge was already used; a replay is refused"
        self._uses += 1
        if self._uses % 256 == 0:
            # expired nonces can no longer pass _open(): forget them now and then
            with self.engine.begin() as conn:
                conn.execute(delete(used_challenges).where(used_challenges.c.expires_at < now))
        return "OK", "the challenge was issued by this service and is used once"
