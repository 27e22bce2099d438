"""Sign-in and sign-out: local login switched by AICHOR_LOCAL_LOGIN, and Auth0 single sign-on."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpResponseForbidden, HttpResponseRedirect
from django.urls import reverse

# The backend path that social-auth's login stores in the session.
AUTH0_BACKEND = "social_core.backends.auth0.Auth0OAuth2"


def auth0_configured() -> bool:
    """Decide whether Auth0 sign-in is offered: the domain, client id and client secret are all set."""
    return bool(
        settings.SOCIAL_AUTH_AUTH0_DOMAIN and settings.SOCIAL_AUTH_AUTH0_KEY and settings.SOCIAL_AUTH_AUTH0_SECRET
    )


def auth0_logout_url(request) -> str:
    """Return Auth0's logout endpoint, which ends the Auth0 session, with a return URL from the allow-list.

    The return URL is the portal's login page when AUTH0_LOGOUT_RETURN_URLS lists it, else the
    first listed URL. With an empty list the URL carries no `returnTo`, and Auth0 sends the
    browser to the first "Allowed Logout URL" of the application.
    """
    params = {"client_id": settings.SOCIAL_AUTH_AUTH0_KEY}
    allowed = settings.AUTH0_LOGOUT_RETURN_URLS
    login_url = request.build_absolute_uri(reverse("login"))
    if login_url in allowed:
        params["returnTo"] = login_url
    elif allowed:
        params["returnTo"] = allowed[0]
    return f"https://{settings.SOCIAL_AUTH_AUTH0_DOMAIN}/v2/logout?{urlencode(params)}"


class LocalLoginView(LoginView):
    """Django's login view, rejecting password posts when local login is turned off.

    The page also offers "Sign in with Auth0" when Auth0 is configured.
    """

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(auth0_enabled=auth0_configured(), **kwargs)

    def post(self, request, *args, **kwargs):
        if not settings.AICHOR_LOCAL_LOGIN:
            return HttpResponseForbidden("Username and password sign-in is turned off on this portal.")
        return super().post(request, *args, **kwargs)


class PortalLogoutView(LogoutView):
    """Django's logout view, which also ends the Auth0 session after an Auth0 sign-in.

    Without the Auth0 logout, the next "Sign in with Auth0" would reuse the Auth0 session
    and sign the same person in without asking for credentials.
    """

    def post(self, request, *args, **kwargs):
        signed_in_with_auth0 = request.session.get(BACKEND_SESSION_KEY) == AUTH0_BACKEND
        response = super().post(request, *args, **kwargs)
        if signed_in_with_auth0 and auth0_configured():
            return HttpResponseRedirect(auth0_logout_url(request))
        return response
