"""Webhook signatures: `X-Tana-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.

The receiver recomputes the HMAC over the timestamp and the exact body bytes with the endpoint's
secret, compares in constant time, and refuses a timestamp older than a few minutes (a replay).
Every attempt is signed afresh, so a retried delivery carries a fresh timestamp.
"""
from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Tana-Signature"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for `body`, signed now (or at `timestamp`)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return f"t={stamp},v1={signature(secret, stamp, body)}"


def verify(secret: str, header: str, body: bytes, *, now: float | None = None,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """True if `header` signs `body` with `secret` and its timestamp is within `tolerance` of now."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        stamp = int(parts.get("t", ""))
    except ValueError:
        return False
    now = time.time() if now is None else now
    if abs(now - stamp) > tolerance:
        return False
    return hmac.compare_digest(parts.get("v1", ""), signature(secret, stamp, body))


__all__ = ["HEADER", "TOLERANCE_SECONDS", "signature", "sign", "verify"]
