"""Signed receipts: the statement a receipt makes, its canonical bytes, and its ECDSA signature by the KMS key.

What is signed (Artikel 4, II.3.2, III.3.2: the order of receipt decides) is the RFC 8785 (JCS) canonical form of
the statement {v, type, reference, [supplementReference], receivedAtMs, pillar, sha256, keyId}: sha256 is the
SHA-256 of the application as stored (the record's "application" member), keyId the SHA-256 (hex) of the signing
key's public key in DER SubjectPublicKeyInfo form. The signature is ECDSA P-256 with SHA-256 in the r||s form
(64 bytes, base64) that WebCrypto verifies; KMS gives DER, which is converted here. The private key never leaves
KMS's HSMs. Public keys are published in the form of imvo.transparency.keys.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

import rfc8785
from botocore.exceptions import BotoCoreError, ClientError

from imvo.intake.storage import StorageDenied, StorageUnavailable

STATEMENT_VERSION = 1
ALGORITHM = "ECDSA-P256-SHA256"
KMS_ALGORITHM = "ECDSA_SHA_256"
STATEMENT_FIELDS = ("v", "type", "reference", "supplementReference", "receivedAtMs", "pillar", "sha256", "keyId")
_DENIED = {"AccessDeniedException", "DisabledException", "KMSInvalidStateException", "NotFoundException"}


class SigningUnavailable(StorageUnavailable):
    """KMS failed or timed out: nothing was stored, and the request may be sent again (a 503, as for S3)."""


class SigningDenied(StorageDenied):
    """KMS refused the key (no permission, disabled, pending deletion): a defect of the stack, never "try again"."""


def statement_of(receipt_data: dict, key_id: str) -> dict:
    """The statement a stored receipt makes, from the receipt the intake stores (imvo.intake.applications)."""
    supplement = receipt_data.get("supplementReference")
    statement = {"v": STATEMENT_VERSION, "type": "supplement" if supplement else "application",
                 "reference": receipt_data["reference"], "receivedAtMs": receipt_epoch_ms(receipt_data),
                 "pillar": receipt_data["pillar"], "sha256": receipt_data["sha256"], "keyId": key_id}
    return statement | ({"supplementReference": supplement} if supplement else {})


def receipt_epoch_ms(receipt_data: dict) -> int:
    from datetime import datetime

    return round(datetime.fromisoformat(receipt_data["receivedAt"].replace("Z", "+00:00")).timestamp() * 1000)


def canonical(value) -> bytes:
    """RFC 8785: the one byte form of a JSON value (sorted keys, no spaces, ECMAScript numbers)."""
    return rfc8785.dumps(value)


def log_entry(signed: dict) -> bytes:
    """What the receipt log holds for a signed receipt: SHA-256 of the canonical {statement, signature, algorithm}
    (32 bytes; no personal data, and nothing of the receipt can be read back from it)."""
    return hashlib.sha256(canonical({name: signed[name] for name in ("statement", "signature", "algorithm")})).digest()


def der_to_raw(der: bytes) -> bytes:
    """An ASN.1 DER ECDSA signature (KMS's form) as r||s, 32 bytes each (WebCrypto's form)."""
    if len(der) < 8 or der[0] != 0x30:
        raise ValueError("not a DER ECDSA signature")
    position, parts = 2 if der[1] < 0x80 else 3, []
    for _ in range(2):
        if der[position] != 0x02:
            raise ValueError("not a DER ECDSA signature")
        length = der[position + 1]
        number = int.from_bytes(der[position + 2:position + 2 + length], "big")
        parts.append(number.to_bytes(32, "big"))
        position += 2 + length
    return b"".join(parts)


def raw_to_der(raw: bytes) -> bytes:
    if len(raw) != 64:
        raise ValueError("an r||s signature of P-256 has 64 bytes")

    def integer(part: bytes) -> bytes:
        body = part.lstrip(b"\x00") or b"\x00"
        if body[0] & 0x80:
            body = b"\x00" + body
        return b"\x02" + bytes([len(body)]) + body

    content = integer(raw[:32]) + integer(raw[32:])
    return b"\x30" + bytes([len(content)]) + content


def key_id_of(public_key_der: bytes) -> str:
    return hashlib.sha256(public_key_der).hexdigest()


@dataclass
class KmsSigner:
    """The receipt key in KMS (ECC_NIST_P256, SIGN_VERIFY); only the signing functions may use it (infra/template.yaml)."""

    client: object
    key: str  # its ARN or alias
    _public_key: bytes | None = None

    def _call(self, operation: str, **params) -> dict:
        try:
            return getattr(self.client, operation)(KeyId=self.key, **params)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in _DENIED:
                raise SigningDenied(f"{operation}: {code}") from error
            raise SigningUnavailable(f"{operation}: {code}") from error
        except BotoCoreError as error:
            raise SigningUnavailable(str(error)) from error

    @property
    def public_key_der(self) -> bytes:
        if self._public_key is None:  # once per container: a public key does not change
            self._public_key = self._call("get_public_key")["PublicKey"]
        return self._public_key

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key_der)

    def sign_der(self, message: bytes) -> bytes:
        """KMS's DER signature of `message` (ECDSA_SHA_256: KMS hashes it)."""
        return self._call("sign", Message=message, MessageType="RAW", SigningAlgorithm=KMS_ALGORITHM)["Signature"]

    def sign_receipt(self, receipt_data: dict) -> dict:
        """{statement, signature, algorithm}: the signed receipt the applicant keeps and the log takes in."""
        statement = statement_of(receipt_data, self.key_id)
        signature = der_to_raw(self.sign_der(canonical(statement)))
        return {"statement": statement, "signature": base64.b64encode(signature).decode(), "algorithm": ALGORITHM}


def kms_signer_from_environment() -> KmsSigner:
    import boto3
    from botocore.config import Config

    from imvo.settings import load_settings

    config = Config(connect_timeout=2, read_timeout=5, retries={"total_max_attempts": 2, "mode": "standard"})
    return KmsSigner(boto3.client("kms", config=config), load_settings().receipt_key_id)
