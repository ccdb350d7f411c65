"""The receipt log and the receipt keys on the public site: C2SP tlog-tiles, the checkpoints, and the key set.

Under log/ in the site bucket (served by CloudFront as static files):
- checkpoint: the latest signed checkpoint (mutable, no-cache);
- checkpoints/<size>: each published checkpoint (immutable), so anyone can ask a consistency proof between two;
- days/<Dutch day>.json: the signed checkpoint of the end of that day (the lottery's, II.3.2 / III.3.2);
- tile/<L>/<N>[.p/<W>] and tile/entries/<N>[.p/<W>]: the tiles (immutable);
- receipt-keys.json: every key that ever signed a receipt, with its validity (rotation keeps old keys).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

from imvo.transparency.merkle import Tree
from imvo.transparency.receipt_log import NOTE_SIGNATURE_TYPE, ReceiptLog, note_key_id
from imvo.transparency.signed_receipt import ALGORITHM, KmsSigner

TILE_WIDTH = 256
KEYS_FILE = "log/receipt-keys.json"
IMMUTABLE = "public, max-age=31536000, immutable"
FRESH = "no-cache"


def tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    """C2SP tlog-tiles: tile/<L>/<N>[.p/<W>], N in 3-digit elements, all but the last prefixed with x."""
    digits = f"{index:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    parts = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    encoded = "/".join([f"x{p}" for p in parts[:-1]] + [parts[-1]])
    return f"log/tile/{level}/{encoded}" + (f".p/{width}" if width < TILE_WIDTH else "")


def tiles_between(tree: Tree, entries: list[bytes], before: int, after: int) -> dict[str, bytes]:
    """Every tile a tree of `after` leaves needs that a tree of `before` leaves did not have."""
    tiles: dict[str, bytes] = {}
    level, span = 0, 1
    while after // span:
        hashes_after, hashes_before = after // span, before // span
        for index in range(hashes_before // TILE_WIDTH, (hashes_after - 1) // TILE_WIDTH + 1):
            first = index * TILE_WIDTH
            width = min(TILE_WIDTH, hashes_after - first)
            if width <= 0 or (width == TILE_WIDTH and (index + 1) * TILE_WIDTH <= hashes_before):
                continue
            hashes = [tree.subtree((first + i) * span, (first + i + 1) * span) for i in range(width)]
            tiles[tile_path(level, index, width)] = b"".join(hashes)
            if level == 0:
                tiles[tile_path("entries", index, width)] = b"".join(
                    len(entry).to_bytes(2, "big") + entry for entry in entries[first:first + width])
        level, span = level + 1, span * TILE_WIDTH
    return tiles


def public_key_entry(public_key_der: bytes, key_id: str, valid_from: str, origin: str) -> dict:
    """One published key: its SPKI (base64) and JWK (for WebCrypto), and its signed-note key for checkpoints."""
    point = public_key_der[-65:]  # a P-256 SPKI ends with the uncompressed point 0x04 || x || y
    if point[0] != 4:
        raise ValueError("not an uncompressed P-256 public key")

    def b64url(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return {"keyId": key_id, "algorithm": ALGORITHM, "publicKey": base64.b64encode(public_key_der).decode(),
            "jwk": {"kty": "EC", "crv": "P-256", "x": b64url(point[1:33]), "y": b64url(point[33:])},
            "validFrom": valid_from, "validUntil": None,
            # signed-note's verifier key form (name+key id+base64(type || key)), for the checkpoints
            "noteKey": f"{origin}+{note_key_id(public_key_der).hex()}+"
                       + base64.b64encode(NOTE_SIGNATURE_TYPE + public_key_der).decode()}


def with_current_key(document: dict | None, signer: KmsSigner, origin: str, now: datetime) -> dict | None:
    """The key set with the signer's key in it (None when it already was): a new key ends the validity of the
    one before it, which stays published so its receipts can still be verified."""
    keys = list((document or {}).get("keys", []))
    if any(key["keyId"] == signer.key_id for key in keys):
        return None
    moment = now.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    keys = [key | {"validUntil": key["validUntil"] or moment} for key in keys]
    keys.append(public_key_entry(signer.public_key_der, signer.key_id, moment, origin))
    return {"format": "imvo-receipt-keys/1", "origin": origin, "keys": keys}


def _put(client, bucket: str, key: str, body: bytes, content_type: str, cache: str) -> None:
    client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type, CacheControl=cache)


def publish_keys(client, bucket: str, signer: KmsSigner, origin: str, now: datetime) -> None:
    """The key set with the signer's key in it. Asked with a LIST first: a read of a missing key without
    s3:ListBucket on the whole bucket answers 403, not 404 (S3 API reference, GetObject)."""
    listed = client.list_objects_v2(Bucket=bucket, Prefix=KEYS_FILE, MaxKeys=1).get("Contents", [])
    current = (json.loads(client.get_object(Bucket=bucket, Key=KEYS_FILE)["Body"].read())
               if any(item["Key"] == KEYS_FILE for item in listed) else None)
    keys = with_current_key(current, signer, origin, now)
    if keys is not None:
        _put(client, bucket, KEYS_FILE, json.dumps(keys, indent=1).encode(), "application/json; charset=utf-8", FRESH)


def publish_checkpoint(client, bucket: str, checkpoint: str) -> None:
    _put(client, bucket, "log/checkpoint", checkpoint.encode(), "text/plain; charset=utf-8", FRESH)


def publish(client, bucket: str, log: ReceiptLog, published_size: int, days: list[dict]) -> int:
    """Put what the site lacks of the log: the tiles past `published_size`, the checkpoint, and `days` (the signed
    checkpoints of Dutch days that ended); returns the size now published."""
    def put(key: str, body: bytes, content_type: str, cache: str) -> None:
        _put(client, bucket, key, body, content_type, cache)

    if log.checkpoint is None:
        return published_size
    size = log.tree.size
    for key, body in tiles_between(log.tree, [leaf.entry for leaf in log.leaves], published_size, size).items():
        put(key, body, "application/octet-stream", IMMUTABLE)
    for record in days:
        put(f"log/days/{record['day']}.json", json.dumps(record).encode(), "application/json; charset=utf-8", IMMUTABLE)
    put(f"log/checkpoints/{size}", log.checkpoint.encode(), "text/plain; charset=utf-8", IMMUTABLE)
    publish_checkpoint(client, bucket, log.checkpoint)
    return size
