"""Request middleware: every page but the login page requires a signed-in user."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import resolve
from django.urls.exceptions import Resolver404

# URL names reachable without signing in.
PUBLIC_URL_NAMES = {"login", "healthz", "admin-login", "invitation"}
PUBLIC_NAMESPACES = {"social"}


class LoginRequiredMiddleware:
    """Redirect anonymous requests to the login page, except for the public URLs above."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.user.is_authenticated or self._is_public(request):
            return None
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)

    @staticmethod
    def _is_public(request) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.url_name in PUBLIC_URL_NAMES or match.namespace in PUBLIC_NAMESPACES
