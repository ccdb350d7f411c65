"""Programme officers' sign-in (Amazon Cognito) and who they are: the group that may use the console,
and the identity the audit trail records. The gateway has verified the token before any of this runs."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from imvo.intake.storage import StorageUnavailable

ADMIN_GROUP = "imvo-admins"  # infra/template.yaml, AdminGroup
MFA_CHALLENGE = "SOFTWARE_TOKEN_MFA"
NEW_PASSWORD_CHALLENGE = "NEW_PASSWORD_REQUIRED"


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

    def as_dict(self) -> dict:
        if self.access_token:
            return {"accessToken": self.access_token, "expiresIn": self.expires_in}
        return {"challenge": {MFA_CHALLENGE: "mfa", NEW_PASSWORD_CHALLENGE: "new_password"}[self.challenge],
                "session": self.session}


def _step(answer: dict) -> SignInStep:
    if "AuthenticationResult" in answer:
        result = answer["AuthenticationResult"]
        return SignInStep(access_token=result["AccessToken"], expires_in=int(result.get("ExpiresIn", 3600)))
    if answer.get("ChallengeName") in (MFA_CHALLENGE, NEW_PASSWORD_CHALLENGE):
        return SignInStep(challenge=answer["ChallengeName"], session=answer["Session"])
    raise SignInRefused("unsupported")  # e.g. MFA_SETUP: an administrator sets up the account's MFA first


def _call(operation, refused_codes: tuple[str, ...] = (), **params) -> SignInStep:
    try:
        return _step(operation(**params))
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


def sign_in(cognito, client_id: str, username: str, password: str) -> SignInStep:
    return _call(cognito.initiate_auth, ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                 AuthParameters={"USERNAME": username, "PASSWORD": password})


def answer_challenge(cognito, client_id: str, challenge: str, session: str, username: str, answer: str) -> SignInStep:
    """The code from the authenticator app (mfa), or the new password a first sign-in asks for."""
    responses = {"USERNAME": username} | ({"SOFTWARE_TOKEN_MFA_CODE": answer} if challenge == "mfa"
                                           else {"NEW_PASSWORD": answer})
    name = MFA_CHALLENGE if challenge == "mfa" else NEW_PASSWORD_CHALLENGE
    # The client was found when the sign-in began, so a missing resource here is the session or the user that
    # the caller sent (moto's Cognito answers so for an unknown session): refused like a wrong code, not a fault.
    return _call(cognito.respond_to_auth_challenge, ("ResourceNotFoundException",), ClientId=client_id,
                 ChallengeName=name, Session=session, ChallengeResponses=responses)
