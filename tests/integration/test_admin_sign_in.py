"""Issue 12: admins sign in with Cognito (the embedded one locally) and the gateway's JWT authorizer checks
every token before the admin function runs; the function checks the group. Against the local system."""

import gzip
import hashlib
import io
import json
import time
import urllib.request
import zipfile
from pathlib import Path

import boto3
import moto
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from tests.conftest import load_fixture
from tests.integration.test_local_server import request


def sign_in(portal, username=None, password=None) -> tuple[int, dict]:
    status, body, _ = request(portal.site + "/api/admin/session", "POST", json.dumps(
        {"username": username or portal.admin_username, "password": password or portal.admin_password}))
    return status, json.loads(body)


def admin(portal, method, path, token, body=None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    call = urllib.request.Request(portal.site + path, data=data, method=method,
                                  headers={"authorization": f"Bearer {token}", "content-type": "application/json"})
    try:
        with urllib.request.urlopen(call, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def token(portal):
    status, body = sign_in(portal)
    assert status == 200 and body["expiresIn"] > 0, body
    return body["accessToken"]


def claims_of(token: str) -> dict:
    return jwt.decode(token, KeySet.import_key_set(_moto_keys("public"))).claims


def _moto_keys(kind: str) -> dict:
    """The key pair the embedded Cognito signs with (moto's own, shipped with it)."""
    path = Path(moto.__file__).parent / "cognitoidp" / "resources" / f"jwks-{kind}.json.gz"
    return json.loads(gzip.decompress(path.read_bytes()))


def _signed(claims: dict, key) -> str:
    return jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, key)


def test_signed_in_admin_lists_days_runs_a_bundle_job_and_downloads_a_zip_that_checks(portal, token):
    status, body, _ = request(portal.site + "/api/applications", "POST", json.dumps(load_fixture("pillar2-complete.json")))
    assert status == 201, body
    receipt = json.loads(body)
    status, days = admin(portal, "GET", "/api/admin/days", token)
    assert status == 200
    (today,) = [d for d in days["days"] if d["day"] == receipt["dutchDay"]]
    assert today["pillars"]["2"]["parts_present"] >= 1 and today["opening"] == receipt["opening"]
    status, job = admin(portal, "POST", "/api/admin/bundles", token, {"day": receipt["dutchDay"]})
    assert status == 202 and job["state"] == "queued"
    for _ in range(120):
        status, job = admin(portal, "GET", f"/api/admin/jobs/{job['id']}", token)
        if job["state"] in ("done", "failed"):
            break
        time.sleep(0.5)
    assert job["state"] == "done" and job["progress"]["done"] == job["progress"]["total"] >= 1, job
    status, download = admin(portal, "POST", f"/api/admin/jobs/{job['id']}/download", token)
    assert status == 200
    ((name, url),) = download["files"].items()
    with urllib.request.urlopen(url, timeout=30) as answer:
        archive = zipfile.ZipFile(io.BytesIO(answer.read()))
    sums = dict(line.split("  ", 1)[::-1] for line in archive.read("SHA256SUMS").decode().splitlines())
    assert sums and all(hashlib.sha256(archive.read(n)).hexdigest() == digest for n, digest in sums.items())
    assert any(receipt["reference"] in n for n in archive.namelist())
    status, trail = admin(portal, "GET", f"/api/admin/applications/{receipt['reference']}/audit", token)
    # (and the confirmation e-mail, when it went before the bundle: it follows the storing, on its own)
    assert [e["event"] for e in trail["events"] if e["event"] != "emailed"] == ["received", "bundled", "downloaded"]
    assert trail["events"][-1]["by"] == f"cognito:{portal.admin_username}"


def test_without_a_token_or_with_a_forged_expired_or_foreign_one_the_gateway_answers_401(portal, token):
    claims = claims_of(token)
    moto_key = RSAKey.import_key(_moto_keys("private"))
    forged = _signed(claims, RSAKey.generate_key(2048))  # the right claims, another key
    expired = _signed(claims | {"exp": int(time.time()) - 60, "iat": int(time.time()) - 3660}, moto_key)
    foreign = _signed(claims | {"client_id": "another-app"}, moto_key)
    other_pool = _signed(claims | {"iss": claims["iss"].rsplit("/", 1)[0] + "/eu-west-1_other"}, moto_key)
    assert admin(portal, "GET", "/api/admin/days", _signed(claims, moto_key))[0] == 200  # the check itself passes
    status, body, _ = request(portal.site + "/api/admin/days")
    assert status == 401 and json.loads(body)["error"]["code"] == "unauthorized"
    for bad in (forged, expired, foreign, other_pool, token[:-4] + "AAAA", "not-a-jwt"):
        status, body = admin(portal, "GET", "/api/admin/days", bad)
        assert status == 401 and body["error"]["message"]["en"].startswith("Sign in"), bad[:20]


def test_a_signed_in_user_outside_the_admin_group_gets_403(portal):
    cognito = boto3.client("cognito-idp", endpoint_url=portal.storage, region_name="eu-west-1",
                           aws_access_key_id="local", aws_secret_access_key="local")
    pool = cognito.list_user_pools(MaxResults=10)["UserPools"][0]["Id"]
    cognito.admin_create_user(UserPoolId=pool, Username="bezoeker", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool, Username="bezoeker", Password="bezoeker-Wachtwoord1", Permanent=True)
    status, body = sign_in(portal, "bezoeker", "bezoeker-Wachtwoord1")
    assert status == 200
    status, body = admin(portal, "GET", "/api/admin/days", body["accessToken"])
    assert status == 403 and body["error"]["code"] == "forbidden"


def test_a_wrong_password_is_401_in_plain_words_and_names_no_account(portal):
    status, body = sign_in(portal, password="not-the-password-1A")
    assert status == 401 and body["error"]["message"]["nl"].startswith("De gebruikersnaam, het wachtwoord")
    status, unknown = sign_in(portal, username="niemand", password="not-the-password-1A")
    assert status == 401 and unknown["error"]["message"] == body["error"]["message"]  # no "no such user"


def test_a_first_sign_in_with_a_temporary_password_asks_for_a_new_one_then_signs_in(portal):
    cognito = boto3.client("cognito-idp", endpoint_url=portal.storage, region_name="eu-west-1",
                           aws_access_key_id="local", aws_secret_access_key="local")
    pool = cognito.list_user_pools(MaxResults=10)["UserPools"][0]["Id"]
    cognito.admin_create_user(UserPoolId=pool, Username="nieuw", TemporaryPassword="Tijdelijk-wachtwoord-1",
                              MessageAction="SUPPRESS")
    cognito.admin_add_user_to_group(UserPoolId=pool, Username="nieuw", GroupName="imvo-admins")
    status, first = sign_in(portal, "nieuw", "Tijdelijk-wachtwoord-1")
    assert status == 200 and first["challenge"] == "new_password" and first["session"]
    status, body, _ = request(portal.site + "/api/admin/session", "POST", json.dumps(
        {"username": "nieuw", "challenge": "new_password", "session": first["session"], "answer": "Eigen-wachtwoord-12345"}))
    assert status == 200, body
    assert admin(portal, "GET", "/api/admin/days", json.loads(body)["accessToken"])[0] == 200
    assert sign_in(portal, "nieuw", "Eigen-wachtwoord-12345")[0] == 200


def test_an_answer_with_an_unknown_session_is_401_not_a_fault(portal):
    """Found by the API fuzzing: a challenge answer whose session (or user) does not exist is a refused
    sign-in, never a 5xx."""
    for challenge in ("new_password", "mfa"):
        status, raw, _ = request(portal.site + "/api/admin/session", "POST", json.dumps(
            {"username": "\u0006niemand", "challenge": challenge, "session": "x" * 40, "answer": "Eigen-wachtwoord-12345"}))
        body = json.loads(raw)
        assert status == 401 and body["error"]["code"] == "unauthorized", body


def test_an_id_token_is_refused_on_the_admin_routes_and_the_access_token_of_the_same_sign_in_is_not(portal):
    """Issue 25, item 6: API Gateway's JWT authorizer lets a Cognito ID token through (its `aud` is the app
    client); an ID token says who signed in, not what they may do, so the admin function takes access tokens only."""
    cognito = boto3.client("cognito-idp", endpoint_url=portal.storage, region_name="eu-west-1",
                           aws_access_key_id="local", aws_secret_access_key="local")
    pool = cognito.list_user_pools(MaxResults=10)["UserPools"][0]["Id"]
    (client,) = cognito.list_user_pool_clients(UserPoolId=pool, MaxResults=10)["UserPoolClients"]
    tokens = cognito.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": portal.admin_username, "PASSWORD": portal.admin_password})["AuthenticationResult"]
    assert claims_of(tokens["IdToken"])["token_use"] == "id"
    status, body = admin(portal, "GET", "/api/admin/days", tokens["IdToken"])
    assert status == 403 and body["error"]["code"] == "forbidden"
    assert admin(portal, "GET", "/api/admin/days", tokens["AccessToken"])[0] == 200


def test_after_five_wrong_passwords_the_account_waits_as_on_cognito_and_then_signs_in(portal):
    """Issue 25, item 6: Cognito locks a user out for a while after five failed sign-ins (1 s, doubling); moto
    does not, so the embedded Cognito of `make run` does it, and the admin route answers 429 in plain words."""
    import time

    cognito = boto3.client("cognito-idp", endpoint_url=portal.storage, region_name="eu-west-1",
                           aws_access_key_id="local", aws_secret_access_key="local")
    pool = cognito.list_user_pools(MaxResults=10)["UserPools"][0]["Id"]
    cognito.admin_create_user(UserPoolId=pool, Username="vergrendeld", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool, Username="vergrendeld", Password="Goed-wachtwoord-12345",
                                    Permanent=True)
    for _ in range(5):
        assert sign_in(portal, "vergrendeld", "Fout-wachtwoord-12345")[0] == 401
    status, body = sign_in(portal, "vergrendeld", "Goed-wachtwoord-12345")  # right, but within the lockout
    assert status == 429 and body["error"]["message"]["en"].startswith("Too many attempts")
    assert sign_in(portal, "bezoeker-die-niet-bestaat", "Fout-wachtwoord-12345")[0] == 401  # others are not held up
    time.sleep(1.2)
    assert sign_in(portal, "vergrendeld", "Goed-wachtwoord-12345")[0] == 200


def test_a_first_sign_in_where_mfa_is_required_sets_up_the_authenticator_and_its_first_code_signs_in(s3, monkeypatch):
    """Issue 24, item 8: production requires MFA, and a new officer's first sign-in gets Cognito's MFA_SETUP. The
    console gives the key for the app (AssociateSoftwareToken) and signs in with the app's first code
    (VerifySoftwareToken, then the MFA_SETUP answer). moto checks the code here (TOTP on)."""
    from cryptography.hazmat.primitives.hashes import SHA1
    from cryptography.hazmat.primitives.twofactor.totp import TOTP
    import base64
    import time

    from imvo_local.embedded_s3 import create_admin_sign_in
    from tests.integration.test_hostile_input import call

    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
    cognito = boto3.client("cognito-idp", region_name="eu-west-1")
    admin = create_admin_sign_in(cognito, "imvo-admins")
    cognito.set_user_pool_mfa_config(UserPoolId=admin.pool_id, MfaConfiguration="ON",
                                     SoftwareTokenMfaConfiguration={"Enabled": True})
    monkeypatch.setenv("IMVO_ADMIN_CLIENT_ID", admin.client_id)

    # A new officer: a temporary password, then a new one; then Cognito asks for the authenticator (moto asks only
    # after a new password; Cognito asks any user without MFA: docs/runbook.md, "What only a deployed stack shows").
    cognito.admin_create_user(UserPoolId=admin.pool_id, Username="nieuwe-collega", MessageAction="SUPPRESS",
                              TemporaryPassword="Tijdelijk-wachtwoord-1")
    cognito.admin_add_user_to_group(UserPoolId=admin.pool_id, Username="nieuwe-collega", GroupName="imvo-admins")
    status, first = call("session", json.dumps({"username": "nieuwe-collega", "password": "Tijdelijk-wachtwoord-1"}))
    assert status == 200 and first["challenge"] == "new_password", first
    status, step = call("session", json.dumps({"username": "nieuwe-collega", "challenge": "new_password",
                                               "session": first["session"], "answer": "Eigen-wachtwoord-12345"}))
    assert status == 200 and step["challenge"] == "mfa_setup" and step["secret"] and step["session"], step
    # What the authenticator app does with the key (RFC 6238, as Cognito's TOTP: 6 digits, SHA-1, 30 s).
    secret = base64.b32decode(step["secret"] + "=" * (-len(step["secret"]) % 8), casefold=True)
    if time.time() % 30 > 27:  # moto takes only the current step's code: never generate it at a step's very end
        time.sleep(30 - time.time() % 30)
    code = TOTP(secret, 6, SHA1(), 30, enforce_key_length=False).generate(time.time()).decode()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert call("session", json.dumps({"username": "nieuwe-collega", "challenge": "mfa_setup",
                                       "session": step["session"], "answer": wrong}))[0] == 401
    status, body = call("session", json.dumps({"username": "nieuwe-collega", "challenge": "mfa_setup",
                                               "session": step["session"], "answer": code}))
    assert status == 200 and body["accessToken"], body
