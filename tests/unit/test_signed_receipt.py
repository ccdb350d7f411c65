"""Signed receipts (issue 23, item 1-3): the statement's canonical form, the signature's two encodings, and why a
receipt is refused: one changed digit, a foreign key, a changed time."""

import base64
import copy
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from imvo.transparency.publication import with_current_key
from imvo.transparency.signed_receipt import ALGORITHM, canonical, der_to_raw, key_id_of, raw_to_der, statement_of
from imvo.transparency.verification import NotVerified, published_keys, verify_receipt

RECEIPT = {"reference": "IMVO-20230315-WQR2EJVB", "receivedAt": "2023-03-15T09:15:30.250Z", "pillar": 1,
           "sha256": "2f6190ffc5581624327549967f0817f0fc63fc0c343b59fe759b625d490f7199"}


class LocalSigner:
    """What KmsSigner gives (its public key and DER signatures), with a key made here: for these checks only."""

    def __init__(self):
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.public_key_der = self.private.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        self.key_id = key_id_of(self.public_key_der)

    def sign_receipt(self, receipt: dict) -> dict:
        statement = statement_of(receipt, self.key_id)
        der = self.private.sign(canonical(statement), ec.ECDSA(hashes.SHA256()))
        return {"statement": statement, "signature": base64.b64encode(der_to_raw(der)).decode(), "algorithm": ALGORITHM}


def _keys(*signers) -> dict:
    document = None
    for signer in signers:
        document = with_current_key(document, signer, "imvo.example/log", datetime(2023, 1, 1, tzinfo=timezone.utc))
    return published_keys(document)


def test_the_statement_is_rfc_8785_canonical_and_names_what_is_stored():
    statement = statement_of(RECEIPT, "ab" * 32)
    assert statement == {"v": 1, "type": "application", "reference": RECEIPT["reference"], "receivedAtMs": 1678871730250,
                         "pillar": 1, "sha256": RECEIPT["sha256"], "keyId": "ab" * 32}
    # RFC 8785: members sorted by their UTF-16 code units, no whitespace, numbers as ECMAScript writes them.
    assert canonical({"b": 1, "a": [1.0, "é"], "€": 2.5e-7}) == '{"a":[1,"é"],"b":1,"€":2.5e-7}'.encode()
    supplement = statement_of(RECEIPT | {"supplementReference": "IMVO-20230316-ABCDEFGH"}, "ab" * 32)
    assert supplement["type"] == "supplement" and supplement["supplementReference"] == "IMVO-20230316-ABCDEFGH"


def test_der_and_r_s_are_one_signature():
    key = ec.generate_private_key(ec.SECP256R1())
    for _ in range(20):  # r and s of every length (a leading zero byte, or a high bit that DER pads)
        der = key.sign(b"message", ec.ECDSA(hashes.SHA256()))
        raw = der_to_raw(der)
        r, s = decode_dss_signature(der)
        assert raw == r.to_bytes(32, "big") + s.to_bytes(32, "big") and raw_to_der(raw) == der


def test_a_signed_receipt_verifies_with_the_published_key():
    signer = LocalSigner()
    signed = signer.sign_receipt(RECEIPT)
    assert verify_receipt(signed, _keys(signer))["reference"] == RECEIPT["reference"]


@pytest.mark.parametrize("change, reason", [
    (lambda s: s["statement"].update(sha256=s["statement"]["sha256"][:-1] + "8"), "signature does not match"),
    (lambda s: s["statement"].update(receivedAtMs=s["statement"]["receivedAtMs"] - 1), "signature does not match"),
    (lambda s: s["statement"].update(reference="IMVO-20230315-WQR2EJVC"), "signature does not match"),
    (lambda s: s.update(signature=s["signature"][:10] + ("A" if s["signature"][10] != "A" else "B") + s["signature"][11:]),
     "signature does not match"),
    (lambda s: s["statement"].update(note="extra"), "form the portal signs"),
    (lambda s: s.pop("signature"), "not a signed receipt"),
])
def test_one_changed_digit_time_or_name_is_refused_with_the_reason(change, reason):
    signer = LocalSigner()
    signed = signer.sign_receipt(RECEIPT)
    forged = copy.deepcopy(signed)
    change(forged)
    with pytest.raises(NotVerified, match=reason) as refused:
        verify_receipt(forged, _keys(signer))
    assert refused.value.nl  # and in Dutch


def test_a_receipt_signed_with_a_foreign_key_is_refused():
    ours, foreign = LocalSigner(), LocalSigner()
    with pytest.raises(NotVerified, match="key the portal has not published"):
        verify_receipt(foreign.sign_receipt(RECEIPT), _keys(ours))
    # A foreign key that claims our key id: the signature does not verify under our published key.
    forged = foreign.sign_receipt(RECEIPT)
    forged["statement"]["keyId"] = ours.key_id
    signature = foreign.private.sign(canonical(forged["statement"]), ec.ECDSA(hashes.SHA256()))
    forged["signature"] = base64.b64encode(der_to_raw(signature)).decode()
    with pytest.raises(NotVerified, match="signature does not match"):
        verify_receipt(forged, _keys(ours))


def test_rotation_keeps_the_old_key_published_and_ends_its_validity():
    old, new = LocalSigner(), LocalSigner()
    document = with_current_key(None, old, "imvo.example/log", datetime(2023, 1, 1, tzinfo=timezone.utc))
    assert with_current_key(document, old, "imvo.example/log", datetime(2023, 2, 1, tzinfo=timezone.utc)) is None
    rotated = with_current_key(document, new, "imvo.example/log", datetime(2024, 1, 1, tzinfo=timezone.utc))
    first, second = rotated["keys"]
    assert first["keyId"] == old.key_id and first["validUntil"] == "2024-01-01T00:00:00.000Z"
    assert second["keyId"] == new.key_id and second["validUntil"] is None
    keys = published_keys(rotated)
    assert verify_receipt(old.sign_receipt(RECEIPT), keys)  # a receipt of 2023 still verifies
    late = old.sign_receipt(RECEIPT | {"receivedAt": "2024-02-01T00:00:00.000Z"})
    with pytest.raises(NotVerified, match="outside the key's validity"):
        verify_receipt(late, keys)
    assert second["jwk"]["crv"] == "P-256" and len(base64.urlsafe_b64decode(second["jwk"]["x"] + "=")) == 32
