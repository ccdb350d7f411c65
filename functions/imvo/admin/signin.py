"""Programme officers' sign-in (Amazon Cognito) and who they are: the group that may use the console,
and the identity the audit trail records. The gateway has verified the token before any of this runs."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from imvo.intake.storage import StorageUnavailable

ADMIN_GROUP = "imvo-admins"  # infra/template.yaml, AdminGroup
MFA_CHALLENGE = "SOFTWARE_TOKEN_MFA"
NEW_PASSWORD_CHALLENGE = "NEW_PASSWORD_REQUIRED"
MFA_SETUP_CHALLENGE = "MFA_SETUP"  # production requires MFA: a first sign-in sets up the authenticator app
ISSUER = "IMVO-portaal"  # the name the authenticator app shows for the account


class SignInRefused(Exception):
    """Cognito said no: `kind` is unauthorized (wrong name, password or code), too_many, or unsupported."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def groups_of(claims: dict) -> set[str]:
    """The token's groups. API Gateway hands array claims on as one string, "[a b]"; a list is read too."""
    value = claims.get("cognito:groups") or []
    if isinstance(value, str):
        value = value.strip("[]").replace(",", " ").split()
    return set(value)


def is_admin(claims: dict | None) -> bool:
    """An access token of a member of the admins' group. API Gateway's JWT authorizer accepts a Cognito ID token
    too (its `aud` is the client id); an ID token proves who signed in, not what they may do (issue 25, item 6)."""
    return bool(claims) and claims.get("token_use") == "access" and ADMIN_GROUP in groups_of(claims)


def identity_of(claims: dict) -> str:
    """Who acted, for the audit trail: the user's name in the pool (never logged)."""
    return f"cognito:{claims.get('username') or claims.get('cognito:username') or claims.get('sub')}"


@dataclass(frozen=True)
class SignInStep:
    """Either tokens (done) or the next challenge with its session."""
    access_token: str | None = None
    expires_in: int | None = None
    challenge: str | None = None
    session: str | None = None
    secret: str | None = None  # MFA_SETUP: the key to add to the authenticator app

    def as_dict(self) -> dict:
        if self.access_token:
            return {"accessToken": self.access_token, "expiresIn": self.expires_in}
        answer = {"challenge": {MFA_CHALLENGE: "mfa", NEW_PASSWORD_CHALLENGE: "new_password",
                                MFA_SETUP_CHALLENGE: "mfa_setup"}[self.challenge], "session": self.session}
        return answer | ({"secret": self.secret} if self.secret else {})


def _step(answer: dict) -> SignInStep:
    if "AuthenticationResult" in answer:
        result = answer["AuthenticationResult"]
        return SignInStep(access_token=result["AccessToken"], expires_in=int(result.get("ExpiresIn", 3600)))
    if answer.get("ChallengeName") in (MFA_CHALLENGE, NEW_PASSWORD_CHALLENGE, MFA_SETUP_CHALLENGE):
        return SignInStep(challenge=answer["ChallengeName"], session=answer["Session"])
    raise SignInRefused("unsupported")


def _cognito(operation, refused_codes: tuple[str, ...] = (), **params) -> dict:
    """One Cognito call: its answer, or what a refusal means for the sign-in (SignInRefused), or a fault
    (StorageUnavailable, a retry-safe 503)."""
    try:
        return operation(**params)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        # Cognito's lockout after failed sign-ins is a NotAuthorizedException with its own message: "try later".
        if code == "NotAuthorizedException" and "attempts exceeded" in error.response.get("Error", {}).get("Message", ""):
            raise SignInRefused("too_many") from error
        if code in ("NotAuthorizedException", "UserNotFoundException", "CodeMismatchException",
                    "ExpiredCodeException", "InvalidPasswordException", "InvalidParameterException") + refused_codes:
            raise SignInRefused("unauthorized") from error
        if code in ("TooManyRequestsException", "TooManyFailedAttemptsException", "LimitExceededException"):
            raise SignInRefused("too_many") from error
        raise StorageUnavailable(f"cognito-idp: {code}") from error
    except ParamValidationError as error:  # a session or code that cannot be one: refused like a wrong one
        raise SignInRefused("unauthorized") from error
    except BotoCoreError as error:
        raise StorageUnavailable(str(error)) from error


def _call(operation, refused_codes: tuple[str, ...] = (), **params) -> SignInStep:
    return _step(_cognito(operation, refused_codes, **params))


def _with_mfa_setup(cognito, step: SignInStep) -> SignInStep:
    """Cognito asks a user without an authenticator to set one up (MFA_SETUP): the key for the app, with the
    session to answer with its first code (AssociateSoftwareToken)."""
    if step.challenge != MFA_SETUP_CHALLENGE:
        return step
    associated = _cognito(cognito.associate_software_token, ("ResourceNotFoundException",), Session=step.session)
    return SignInStep(challenge=MFA_SETUP_CHALLENGE, session=associated["Session"], secret=associated["SecretCode"])


def sign_in(cognito, client_id: str, username: str, password: str) -> SignInStep:
    return _with_mfa_setup(cognito, _call(cognito.initiate_auth, ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                          AuthParameters={"USERNAME": username, "PASSWORD": password}))


def answer_challenge(cognito, client_id: str, challenge: str, session: str, username: str, answer: str) -> SignInStep:
    """The code from the authenticator app (mfa), the first code of a newly set up one (mfa_setup), or the new
    password a first sign-in asks for."""
    if challenge == "mfa_setup":
        verified = _cognito(cognito.verify_software_token, ("ResourceNotFoundException", "EnableSoftwareTokenMFAException"),
                            Session=session, UserCode=answer, FriendlyDeviceName=ISSUER)
        if verified.get("Status") != "SUCCESS":
            raise SignInRefused("unauthorized")
        return _call(cognito.respond_to_auth_challenge, ("ResourceNotFoundException",), ClientId=client_id,
                     ChallengeName=MFA_SETUP_CHALLENGE, Session=verified["Session"],
                     ChallengeResponses={"USERNAME": username})
    responses = {"USERNAME": username} | ({"SOFTWARE_TOKEN_MFA_CODE": answer} if challenge == "mfa"
                                           else {"NEW_PASSWORD": answer})
    name = MFA_CHALLENGE if challenge == "mfa" else NEW_PASSWORD_CHALLENGE
    # The client was found when the sign-in began, so a missing resource here is the session or the user that
    # the caller sent (moto's Cognito answers so for an unknown session): refused like a wrong code, not a fault.
    return _with_mfa_setup(cognito, _call(cognito.respond_to_auth_challenge, ("ResourceNotFoundException",),
                                          ClientId=client_id, ChallengeName=name, Session=session,
                                          ChallengeResponses=responses))
