from django.contrib import admin
from django.urls import include, path

from aichor_portal import views
from aichor_portal.auth import LocalLoginView, PortalLogoutView
from organisations import member_views
from organisations import views as organisation_views

admin.site.site_header = "AIchor Portal support console"
admin.site.site_title = "AIchor Portal support"

organisation_patterns = [
    path("", organisation_views.dashboard, name="dashboard"),
    path("members/", include("organisations.urls")),
    path("audit/", include("audit.urls")),
    path("projects/", include("projects.urls")),
    path("", include("engines.urls")),
]

urlpatterns = [
    path("", organisation_views.home, name="home"),
    path("login/", LocalLoginView.as_view(), name="login"),
    path("logout/", PortalLogoutView.as_view(), name="logout"),
    path("auth/", include("social_django.urls", namespace="social")),
    path("invitations/<str:token>/", member_views.invitation, name="invitation"),
    path("healthz", views.healthz, name="healthz"),
    # The admin signs in through the portal's login page, which honours AICHOR_LOCAL_LOGIN.
    path("admin/login/", views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("o/<slug:org>/", include(organisation_patterns)),
]
