"""The system `make run` starts: static site, /api/* on the real handlers, embedded S3 (moto server)."""

import json
import signal
import urllib.error
import urllib.request

import pytest

from tests.conftest import start_local_server


def request(url, method="GET", body=None, content_type="application/json"):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": content_type} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=15) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def keys(portal):
    """Every key of the record bucket: all pages (the suite puts well over a thousand objects there)."""
    pages = portal.s3().get_paginator("list_objects_v2").paginate(Bucket=portal.bucket)
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


def test_serves_home_page_and_form(portal):
    status, body, _ = request(portal.site + "/")
    assert status == 200 and b"Subsidieprogramma Sectorale Samenwerking IMVO" in body
    status, body, _ = request(portal.site + "/en/apply/pillar-1/")
    assert status == 200 and b'id="application-form"' in body


def test_unknown_page_gets_our_404_page(portal):
    status, body, _ = request(portal.site + "/bestaat-niet/")
    assert status == 404 and b"Pagina niet gevonden" in body


def test_unknown_route_404_wrong_method_405(portal):
    assert request(portal.site + "/api/nothing-here", "POST", "{}")[0] == 404
    status, _, headers = request(portal.site + "/api/applications", "GET")
    assert status == 405 and headers.get("allow") == "POST"


def test_admin_route_without_a_session_is_401(portal):
    status, body, _ = request(portal.site + "/api/admin/bundles", "POST", '{"day": "2026-11-25"}')
    assert status == 401 and json.loads(body)["error"]["code"] == "unauthorized"


def test_valid_post_is_stored_in_the_embedded_s3_with_the_server_time(portal, tmp_path):
    from tests.conftest import load_fixture

    portal.settle()
    before = set(keys(portal))
    status, body, _ = request(portal.site + "/api/applications", "POST", json.dumps(load_fixture("pillar1-complete.json")))
    assert status == 201, body
    receipt = json.loads(body)
    portal.settle()  # what follows the storing: its attachments and event, its PDF, its e-mail
    new = set(keys(portal)) - before
    (key,) = [k for k in new if k.startswith(("applications/", "supplements/"))]
    assert [k for k in new if k.startswith("pdf/")] == [f"pdf/{key.removesuffix('.json')}.pdf"]
    events = sorted(k.rsplit("-", 2)[-2] for k in new if k.startswith("audit/"))
    assert events == ["emailed", "received"]  # its audit event, once, and the confirmation's
    assert all(k.startswith(f"audit/{receipt['reference']}/") for k in new if k.startswith("audit/"))
    assert len([k for k in new if k.startswith("attachments/")]) <= 14  # kept by content: new files only
    assert receipt["reference"] in key and key.startswith(f"applications/{receipt['dutchDay']}/")
    assert receipt["opening"] == "2022-1"  # the test clock stands in the first opening
    assert receipt["receivedAt"].startswith("2023-05-01T08:")


def test_invalid_post_is_400_and_leaves_the_bucket_unchanged(portal):
    portal.settle()
    before = keys(portal)
    status, body, _ = request(portal.site + "/api/applications", "POST", '{"pillar": 1}')
    assert status == 400
    paths = {f["path"] for f in json.loads(body)["error"]["findings"]}
    assert "$.sector" in paths  # and each missing group by its fields (issue 15): the penvoerder's name, the project's title
    assert {"$.penvoerder.name", "$.project.title"} <= paths
    status, _, _ = request(portal.site + "/api/applications", "POST", "not json")
    assert status == 400
    status, _, _ = request(portal.site + "/api/applications", "POST", "a=b", content_type="text/plain")
    assert status == 415
    portal.settle()
    assert keys(portal) == before


@pytest.mark.parametrize("signal_after", ["Site:", "Stop with"], ids=["during-start-up", "when-running"])
def test_ctrl_c_stops_site_api_and_storage(built_site, signal_after):
    """Ctrl-C stops everything with exit code 0, also when it comes while the system is starting."""
    process, started = start_local_server(built_site, until=signal_after)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=15)
    assert process.returncode == 0, started + output
    assert "Stopped: site, API and embedded S3." in output


# --- Issue 25, item 5: the embedded AWS answers this machine and the local site alone -----------------------

def _embedded(portal, method: str, headers: dict, path: str = "/", body: bytes | None = None):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(portal.storage + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_a_page_on_another_origin_cannot_read_the_herstel_key_or_make_an_admin(portal):
    """What the tester did from another origin: Secrets Manager's GetSecretValue and Cognito's AdminCreateUser
    through the embedded AWS, and the preflight a browser sends first. All refused, none with CORS headers."""
    target = {"content-type": "application/x-amz-json-1.1", "origin": "http://evil.example"}
    status, headers, body = _embedded(portal, "POST", target | {"x-amz-target": "secretsmanager.GetSecretValue"},
                                      body=b'{"SecretId": "imvo-token-key-local"}')
    assert status == 403 and b"only the local site" in body and "Access-Control-Allow-Origin" not in headers
    status, headers, _ = _embedded(portal, "POST", target | {"x-amz-target": "AWSCognitoIdentityProviderService.AdminCreateUser"},
                                   body=b'{"UserPoolId": "x", "Username": "mallory"}')
    assert status == 403
    status, headers, _ = _embedded(portal, "OPTIONS", {"origin": "http://evil.example",
                                                       "access-control-request-method": "POST"}, f"/{portal.uploads_bucket}")
    assert status == 403 and "Access-Control-Allow-Origin" not in headers


def test_the_local_site_may_post_its_uploads_and_a_rebound_name_is_refused(portal):
    status, headers, _ = _embedded(portal, "OPTIONS", {"origin": portal.site, "access-control-request-method": "POST"},
                                   f"/{portal.uploads_bucket}")
    assert status == 200 and headers.get("Access-Control-Allow-Origin") in (portal.site, "*")
    port = portal.storage.rsplit(":", 1)[1]
    status, _, body = _embedded(portal, "GET", {"host": f"rebound.example:{port}"}, f"/{portal.uploads_bucket}")
    assert status == 403 and b"127.0.0.1 or localhost" in body
    assert portal.storage.startswith("http://127.0.0.1:")
