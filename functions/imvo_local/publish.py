"""`make publish`: the built site into the stack's private site bucket, then a CloudFront invalidation."""

from __future__ import annotations

import argparse
import hashlib
import mimetypes
import time
from pathlib import Path

import boto3

# What the stack itself writes into the site bucket, never part of the built site: publishing must not delete it
# (the budget function writes budget.json after every Dutch day; the sequencer the receipt log under log/).
WRITTEN_BY_THE_STACK = frozenset({"budget.json"})
WRITTEN_BY_THE_STACK_UNDER = ("log/",)
# Pages change with every publication; hashed-free assets may be cached a little while.
HTML_CACHE = "no-cache"
ASSET_CACHE = "public, max-age=3600"


def stack_outputs(cloudformation, stack: str) -> dict[str, str]:
    outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    return {o["OutputKey"]: o["OutputValue"] for o in outputs}


def publish(s3, cloudfront, site: Path, bucket: str, distribution: str) -> dict[str, int]:
    """Upload what changed (by MD5 against the ETag), delete what is gone (but what the stack writes itself),
    invalidate once."""
    present = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        present |= {item["Key"]: item["ETag"].strip('"') for item in page.get("Contents", [])}
    wanted, uploaded = set(), 0
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        key = path.relative_to(site).as_posix()
        wanted.add(key)
        body = path.read_bytes()
        if present.get(key) == hashlib.md5(body).hexdigest():
            continue
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("application/javascript", "application/json"):
            content_type += "; charset=utf-8"
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type,
                      CacheControl=HTML_CACHE if key.endswith(".html") else ASSET_CACHE)
        uploaded += 1
    stale = sorted(key for key in set(present) - wanted - WRITTEN_BY_THE_STACK
                   if not key.startswith(WRITTEN_BY_THE_STACK_UNDER))
    for start in range(0, len(stale), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in stale[start:start + 1000]]})
    cloudfront.create_invalidation(DistributionId=distribution, InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": f"imvo-publish-{time.time_ns()}"})
    return {"uploaded": uploaded, "deleted": len(stale), "unchanged": len(wanted) - uploaded}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="imvo-publish", description=__doc__)
    parser.add_argument("--site", type=Path, default=Path("output"))
    parser.add_argument("--stack", help="read SiteBucketName and DistributionId from this stack's outputs")
    parser.add_argument("--bucket")
    parser.add_argument("--distribution")
    args = parser.parse_args(argv)
    bucket, distribution = args.bucket, args.distribution
    if args.stack:
        outputs = stack_outputs(boto3.client("cloudformation"), args.stack)
        bucket, distribution = bucket or outputs["SiteBucketName"], distribution or outputs["DistributionId"]
    if not (bucket and distribution):
        parser.error("give --stack, or --bucket and --distribution")
    result = publish(boto3.client("s3"), boto3.client("cloudfront"), args.site, bucket, distribution)
    print(f"{bucket}: {result['uploaded']} uploaded, {result['deleted']} deleted, {result['unchanged']} unchanged; "
          f"CloudFront {distribution} invalidated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
