"""A locally generated RSA signing key, its JWKS, and Bot Framework-shaped tokens signed with it.

Used to test the Teams authentication gate without the network: the fake server serves `jwks()` as the
Bot Framework OpenID keys, and `token(...)` mints what the Bot Connector would send (issuer
https://api.botframework.com, audience = the bot's app id, a serviceurl claim) or a deliberately wrong one.
"""

from __future__ import annotations

import json
import time
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

__all__ = ["KID", "ISSUER", "signing_key", "jwks", "token"]

KID = "test-key-1"
ISSUER = "https://api.botframework.com"


def signing_key(name: str = "ours") -> rsa.RSAPrivateKey:
    """An RSA key per name, generated once per test session (2048 bits: what Bot Framework uses)."""
    return _key(name)  # one cache key per name, however the caller spells the argument


@cache
def _key(name: str) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks(*, endorsements: tuple[str, ...] = ("msteams",)) -> dict[str, Any]:
    """The JWKS holding our public key, endorsed for the msteams channel like Microsoft's keys are."""
    public = json.loads(RSAAlgorithm.to_jwk(signing_key().public_key()))
    public.update({"kid": KID, "use": "sig", "alg": "RS256", "endorsements": list(endorsements)})
    return {"keys": [public]}


def token(
    *,
    audience: str,
    service_url: str,
    issuer: str = ISSUER,
    kid: str = KID,
    key: str = "ours",
    expires_in: int = 3600,
) -> str:
    """A signed token; `key="other"` signs with a key the JWKS does not hold, `expires_in<0` is expired."""
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "serviceurl": service_url,
        "nbf": now - 60,
        "iat": now - 60,
        "exp": now + expires_in,
    }
    return jwt.encode(claims, signing_key(key), algorithm="RS256", headers={"kid": kid})
