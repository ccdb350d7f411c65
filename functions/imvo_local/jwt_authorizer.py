"""API Gateway's JWT authorizer, as the local system has it: the token's signature checked against the
user pool's JWKS, its issuer, audience (`aud`, or `client_id` for an access token) and expiry, with
joserfc; the claims handed to the function as the gateway hands them (every value a string)."""

from __future__ import annotations

import json
import time
import urllib.request

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

# The clock skew the check allows, as API Gateway does not publish one: none beyond a second.
LEEWAY_SECONDS = 1


class Unauthorized(Exception):
    """No token, or one that fails a check: the gateway answers 401 and the function never runs."""


def _as_gateway_claim(value) -> str:
    """HTTP API passes claims on as strings; a list becomes "[a b]"."""
    if isinstance(value, list):
        return "[" + " ".join(str(v) for v in value) + "]"
    return value if isinstance(value, str) else json.dumps(value)


class JwtAuthorizer:
    def __init__(self, issuer: str, audiences: list[str], jwks: dict):
        self.issuer = issuer
        self.audiences = set(audiences)
        self.keys = KeySet.import_key_set(jwks)

    @classmethod
    def from_jwks_url(cls, issuer: str, audiences: list[str], jwks_url: str) -> "JwtAuthorizer":
        with urllib.request.urlopen(jwks_url, timeout=5) as answer:  # noqa: S310 - the embedded server
            return cls(issuer, audiences, json.load(answer))

    def claims(self, authorization: str | None) -> dict[str, str]:
        if not authorization:
            raise Unauthorized("no token")
        token = authorization.removeprefix("Bearer ").strip()
        try:
            decoded = jwt.decode(token, self.keys, algorithms=["RS256"])
        except (JoseError, ValueError) as error:
            raise Unauthorized(f"signature: {type(error).__name__}") from error
        claims = decoded.claims
        now = time.time()
        if claims.get("iss") != self.issuer:
            raise Unauthorized("issuer")
        if not ({claims.get("aud"), claims.get("client_id")} & self.audiences):
            raise Unauthorized("audience")
        if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] < now - LEEWAY_SECONDS:
            raise Unauthorized("expired")
        if isinstance(claims.get("nbf"), (int, float)) and claims["nbf"] > now + LEEWAY_SECONDS:
            raise Unauthorized("not yet valid")
        return {name: _as_gateway_claim(value) for name, value in claims.items()}
