from django.urls import path

from engines.views import lists

app_name = "engines"
urlpatterns = [
    path("cloud-accounts/", lists.cloud_account_list, name="cloud-account-list"),
    path("cloud-accounts/<int:pk>/", lists.cloud_account_detail, name="cloud-account-detail"),
    path("engines/", lists.engine_list, name="engine-list"),
    path("engines/<int:pk>/", lists.engine_detail, name="engine-detail"),
]
