from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from aichor_portal import views
from aichor_portal.auth import LocalLoginView
from organisations import views as organisation_views

admin.site.site_header = "AIchor Portal support console"
admin.site.site_title = "AIchor Portal support"

organisation_patterns = [
    path("", organisation_views.dashboard, name="dashboard"),
    path("members/", organisation_views.members, name="members"),
    path("audit/", include("audit.urls")),
    path("", include("engines.urls")),
]

urlpatterns = [
    path("", organisation_views.home, name="home"),
    path("login/", LocalLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    # The admin signs in through the portal's login page, which honours AICHOR_LOCAL_LOGIN.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("o/<slug:org>/", include(organisation_patterns)),
]
