"""Order of receipt under load (Artikel 4): the local server, its handlers and the embedded S3 together."""

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import load_fixture, running_portal


@pytest.fixture(scope="module")
def busy_portal(built_site, tmp_path_factory):
    """A local system of its own, the intake alone (--after-store off): what follows a stored application (its
    PDF, its e-mail) would keep the server's threads busy for minutes after 500 of them, competing with the
    posts for the machine's cores; the session's portal (and the browser tests on it) must not wait behind it."""
    with running_portal(built_site, tmp_path_factory.mktemp("iam") / "busy-portal-calls.jsonl",
                        "--after-store", "off") as running:
        yield running


def post(url, body: bytes, key=None):
    headers = {"content-type": "application/json"} | ({"idempotency-key": key} if key else {})
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def stored_applications(portal):
    keys = []
    for page in portal.s3().get_paginator("list_objects_v2").paginate(Bucket=portal.bucket, Prefix="applications/"):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


def test_500_posts_from_16_threads_give_500_distinct_objects(busy_portal):
    portal = busy_portal
    before = set(stored_applications(portal))
    body = json.dumps(load_fixture("pillar2-complete.json") | {"pillar": 2}).encode()
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda _: post(portal.site + "/api/applications", body), range(500)))
    assert [status for status, _ in results] == [201] * 500
    references = {receipt["reference"] for _, receipt in results}
    assert len(references) == 500
    new = set(stored_applications(portal)) - before
    assert len(new) == 500
    # applications/<day>/<ms>-<reference>.json
    assert {key.rsplit("/", 1)[1].split("-", 1)[1].removesuffix(".json") for key in new} == references
    # Every receipt time is one the server stamped, in a total order with no two receipts equal.
    order = sorted((r["receivedAt"], r["requestId"]) for _, r in results)
    assert len(set(order)) == 500


def test_one_idempotency_key_sent_ten_times_at_once_gives_one_object(portal):
    before = set(stored_applications(portal))
    body = json.dumps(load_fixture("pillar1-complete.json")).encode()
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: post(portal.site + "/api/applications", body, key="same-key-at-once-1"), range(10)))
    assert [status for status, _ in results] == [201] * 10
    assert len({receipt["reference"] for _, receipt in results}) == 1
    assert len(set(stored_applications(portal)) - before) == 1
