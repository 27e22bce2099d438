"""Local username and password login, switched by AICHOR_LOCAL_LOGIN."""

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.http import HttpResponseForbidden


class LocalLoginView(LoginView):
    """Django's login view, refusing password posts when local login is turned off."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if not settings.AICHOR_LOCAL_LOGIN:
            return HttpResponseForbidden("Username and password sign-in is turned off on this portal.")
        return super().post(request, *args, **kwargs)
