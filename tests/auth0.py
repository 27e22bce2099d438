"""An offline Auth0 tenant: `responses` answers its token and JWKS endpoints with a test RSA key.

No request leaves the process: `responses` rejects any URL it was not told to answer.
"""

import time
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import jwt
import responses
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse

DOMAIN = "aichor-test.eu.auth0.com"
CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret"
TOKEN_URL = f"https://{DOMAIN}/oauth/token"
JWKS_URL = f"https://{DOMAIN}/.well-known/jwks.json"


def configure(settings) -> None:
    """Point the portal's Auth0 settings at the test tenant (`settings` is pytest-django's fixture)."""
    settings.AUTH0_DOMAIN = settings.SOCIAL_AUTH_AUTH0_DOMAIN = DOMAIN
    settings.AUTH0_CLIENT_ID = settings.SOCIAL_AUTH_AUTH0_KEY = CLIENT_ID
    settings.AUTH0_CLIENT_SECRET = settings.SOCIAL_AUTH_AUTH0_SECRET = CLIENT_SECRET


def new_signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Auth0Tenant:
    """The test tenant: signs id_tokens and answers the endpoints the Auth0 backend calls."""

    mock: responses.RequestsMock
    key: rsa.RSAPrivateKey
    kid: str

    def id_token(self, *, email: str, email_verified: bool = True, sub: str | None = None, **claims) -> str:
        now = int(time.time())
        payload = {
            "iss": f"https://{DOMAIN}/",
            "aud": CLIENT_ID,
            "sub": sub or f"auth0|{uuid.uuid4().hex[:24]}",
            "iat": now,
            "exp": now + 3600,
            "email": email,
            "email_verified": email_verified,
            "nickname": email.split("@")[0],
            "name": email,
        }
        payload.update(claims)
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": self.kid})

    def answer_token_request(self, id_token: str) -> None:
        """Queue one answer of the token endpoint and the JWKS endpoint."""
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update(kid=self.kid, use="sig", alg="RS256")
        self.mock.add(
            responses.POST,
            TOKEN_URL,
            json={
                "access_token": "test-access-token",
                "id_token": id_token,
                "token_type": "Bearer",
                "expires_in": 86400,
            },
        )
        self.mock.add(responses.GET, JWKS_URL, json={"keys": [jwk]})

    @staticmethod
    def begin(client, **extra):
        """POST to begin the sign-in; return the redirect to Auth0's authorise URL."""
        response = client.post(reverse("social:begin", args=["auth0"]), **extra)
        assert response.status_code == 302, response.status_code
        return response

    @staticmethod
    def authorise_params(response) -> dict[str, str]:
        location = urlsplit(response["Location"])
        assert location.netloc == DOMAIN, response["Location"]
        return {name: values[0] for name, values in parse_qs(location.query).items()}

    def sign_in(self, client, *, email: str, email_verified: bool = True, sub: str | None = None, **extra):
        """Run the round trip: begin, Auth0 answers, the browser returns to the callback with the state."""
        state = self.authorise_params(self.begin(client, **extra))["state"]
        assert any(state in key for key in client.session.keys()), "The state is not in the session."
        self.answer_token_request(self.id_token(email=email, email_verified=email_verified, sub=sub))
        return client.get(reverse("social:complete", args=["auth0"]), {"code": "test-code", "state": state})
