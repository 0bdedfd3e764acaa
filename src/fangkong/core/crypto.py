"""Encryption at rest and exact-value lookup for ID numbers and phones.

A value is stored twice: sealed (AES-256-GCM, random nonce) so a database dump
does not show it, and as a keyed hash (HMAC-SHA256) so that "find the person with
this ID number" is one indexed equality query. Both keys are derived from
settings.FANGKONG_DATA_KEY with HKDF, each for its own purpose.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import weakref
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _master_key() -> bytes:
    from django.conf import settings

    raw = settings.FANGKONG_DATA_KEY.encode()
    try:
        key = base64.urlsafe_b64decode(raw)
    except ValueError:
        key = raw
    if len(key) < 16:
        raise ValueError("FANGKONG_DATA_KEY must decode to at least 16 bytes")
    return key


@lru_cache(maxsize=4)
def _derived(purpose: bytes, master: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"fangkong:" + purpose).derive(master)


def _keys() -> tuple[bytes, bytes]:
    master = _master_key()
    return _derived(b"seal", master), _derived(b"lookup", master)


def seal(value: str) -> str:
    seal_key, _ = _keys()
    nonce = os.urandom(12)
    sealed = AESGCM(seal_key).encrypt(nonce, value.encode(), None)
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(token: str) -> str:
    seal_key, _ = _keys()
    blob = base64.urlsafe_b64decode(token.encode())
    return AESGCM(seal_key).decrypt(blob[:12], blob[12:], None).decode()


def lookup_hash(value: str) -> str:
    _, lookup_key = _keys()
    return hmac.new(lookup_key, value.encode(), hashlib.sha256).hexdigest()


class Sealer:
    """Seal and hash many values fast (bulk imports, demo build), with the same output as seal/lookup_hash.

    Keys are derived once; nonces are still random (os.urandom), but drawn 4,096 at a time
    instead of one system call per value; the HMAC is started from a keyed copy, so the key
    is not padded and hashed again for every value.
    """

    _NONCES = 4096

    def __init__(self) -> None:
        seal_key, lookup_key = _keys()
        self._aead = AESGCM(seal_key)
        self._hmac = hmac.new(lookup_key, digestmod=hashlib.sha256)
        self._forget_nonces()
        _SEALERS.add(self)

    def _forget_nonces(self) -> None:
        self._pool = b""
        self._at = 0

    def _nonce(self) -> bytes:
        at = self._at
        if at >= len(self._pool):
            self._pool, at = os.urandom(12 * self._NONCES), 0
        self._at = at + 12
        return self._pool[at : at + 12]

    def seal(self, value: str) -> str:
        nonce = self._nonce()
        return base64.urlsafe_b64encode(nonce + self._aead.encrypt(nonce, value.encode(), None)).decode()

    def lookup_hash(self, value: str) -> str:
        h = self._hmac.copy()
        h.update(value.encode())
        return h.hexdigest()


# A forked process must never use nonces its parent drew too (AES-GCM forbids reusing one).
_SEALERS: weakref.WeakSet[Sealer] = weakref.WeakSet()


def _after_fork() -> None:
    for sealer in list(_SEALERS):
        sealer._forget_nonces()


os.register_at_fork(after_in_child=_after_fork)
