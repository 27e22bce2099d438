"""A failed Auth0 sign-in, or one on a portal without Auth0, goes back to the login page with a message."""

import logging

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from social_core.exceptions import (
    AuthCanceled,
    AuthConfigurationError,
    AuthInputError,
    AuthPolicyError,
    AuthProviderError,
    AuthSessionError,
)
from social_django.middleware import SocialAuthExceptionMiddleware

from aichor_portal.auth import auth0_configured
from aichor_portal.auth_pipeline import SignInRejected

logger = logging.getLogger(__name__)

NOT_CONFIGURED_MESSAGE = (
    "Auth0 sign-in is not configured on this portal. Ask an administrator to set AUTH0_DOMAIN, "
    "AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET."
)
SESSION_LOST_MESSAGE = (
    "Your sign-in could not be matched to this browser session: it expired, was started in another "
    "tab, or the page was reloaded. Sign in again."
)


def sign_in_failure_message(exception) -> str:
    """Return the login page's message for a social-auth exception, in words for the person signing in.

    social-auth-core 7.0 has no AuthStateMissing, AuthStateForbidden or AuthForbidden: a lost,
    stale or forged `state` raises AuthSessionError, and a policy rejection AuthPolicyError.
    """
    if isinstance(exception, SignInRejected):
        return str(exception)
    if isinstance(exception, AuthSessionError):
        return SESSION_LOST_MESSAGE
    if isinstance(exception, AuthInputError) and exception.parameter == "state":
        return SESSION_LOST_MESSAGE
    if isinstance(exception, AuthCanceled):
        return "Sign-in was cancelled at Auth0. Sign in again when you are ready."
    if isinstance(exception, AuthPolicyError):
        return "Auth0 sign-in is not allowed for this account. Ask an organisation admin for an invitation."
    if isinstance(exception, AuthProviderError):
        return "Auth0 could not be reached or rejected the request. Try again in a few minutes."
    if isinstance(exception, AuthConfigurationError):
        return "Auth0 sign-in is configured incorrectly on this portal. Ask an administrator to check its settings."
    # The exception's own text is one of social-auth's fixed, non-identifying reasons.
    return f"Sign-in with Auth0 failed: {exception} Sign in again, or ask an administrator if it keeps failing."


class Auth0ErrorMiddleware(SocialAuthExceptionMiddleware):
    """Turn social-auth exceptions on the sign-in URLs into a redirect to the login page with a message.

    Without an Auth0 configuration, the sign-in URLs redirect there too, instead of sending the
    browser to an authorise URL with an empty domain.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.resolver_match.namespace != "social" or auth0_configured():
            return None
        messages.error(request, NOT_CONFIGURED_MESSAGE)
        return redirect("login")

    def process_exception(self, request, exception):
        response = super().process_exception(request, exception)
        if response is not None:
            logger.warning(
                "Auth0 sign-in failed: %s code=%s stage=%s",
                type(exception).__name__,
                getattr(exception, "code", ""),
                getattr(exception, "stage", ""),
            )
        return response

    def get_message(self, request, exception) -> str:
        return sign_in_failure_message(exception)

    def get_redirect_uri(self, request, exception) -> str:
        return reverse("login")

    def dispatch_error(self, request, transports, url, message, backend_name, *, metadata=None):
        # A plain error message: the base class adds extra tags, which the page uses as CSS classes.
        messages.error(request, message)
        return url
