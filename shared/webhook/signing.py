"""Secrets and signatures (Standard Webhooks v1: HMAC-SHA256 of ``id.timestamp.body``).

A subscription's secret is shown once as ``whsec_<base64 of 32 random bytes>`` and stored
encrypted with AES-256-GCM under a key derived from ``TONGXIN_SECRET_KEY`` (HKDF), so a copy of
the database alone signs nothing. Secrets are never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET_PREFIX = "whsec_"
_CIPHER_VERSION = "v1:"
_AAD = b"tongxin webhook secret"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(os.urandom(32)).decode()


def secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


@lru_cache(maxsize=4)
def _cipher(secret_key: str) -> AESGCM:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"tongxin webhook secrets v1"
    ).derive(secret_key.encode())
    return AESGCM(key)


def seal(secret_key: str, secret: str) -> str:
    """Encrypt a webhook secret for storage."""
    nonce = os.urandom(12)
    sealed = _cipher(secret_key).encrypt(nonce, secret.encode(), _AAD)
    return _CIPHER_VERSION + base64.b64encode(nonce + sealed).decode()


def unseal(secret_key: str, stored: str) -> str:
    if not stored.startswith(_CIPHER_VERSION):
        raise ValueError("unknown webhook secret encoding")
    raw = base64.b64decode(stored.removeprefix(_CIPHER_VERSION))
    try:
        return _cipher(secret_key).decrypt(raw[:12], raw[12:], _AAD).decode()
    except InvalidTag as exc:
        raise ValueError("webhook secret sealed under another TONGXIN_SECRET_KEY") from exc


def signature_header(message_id: str, timestamp: int, body: bytes, secrets: list[str]) -> str:
    """``v1,<sig>`` per active secret, space-separated (two while a rotation overlaps)."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1,"
        + base64.b64encode(hmac.new(secret_bytes(s), signed, hashlib.sha256).digest()).decode()
        for s in secrets
    )
