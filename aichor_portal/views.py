"""Portal-wide views that belong to no app."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def healthz(request):
    """Return 200 for a load balancer's health check once the database responds to a query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def admin_login(request):
    """Send the admin's sign-in to the portal's login page, which honours AICHOR_LOCAL_LOGIN.

    A signed-in user without admin access gets 403: sending them to the login page again
    would loop, since the login page sends signed-in users on to `next`.
    """
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    is_safe = url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not is_safe:
        next_url = reverse("admin:index")

    if not request.user.is_authenticated:
        return redirect_to_login(next_url, settings.LOGIN_URL)
    if admin.site.has_permission(request):
        return redirect(next_url)
    raise PermissionDenied("Your account has no access to the support console.")
