from django.urls import path

from engines.views import engines, lists

app_name = "engines"
urlpatterns = [
    path("cloud-accounts/", lists.cloud_account_list, name="cloud-account-list"),
    path("cloud-accounts/<int:pk>/", lists.cloud_account_detail, name="cloud-account-detail"),
    path("engines/", lists.engine_list, name="engine-list"),
    path("engines/new/", engines.engine_create, name="engine-create"),
    path("engines/<int:pk>/", engines.engine_detail, name="engine-detail"),
    path("engines/<int:pk>/live/", engines.engine_live, name="engine-live"),
    path("engines/<int:pk>/delete/", engines.engine_delete, name="engine-delete"),
    path("engines/<int:pk>/retry/", engines.operation_retry, name="operation-retry"),
    path("engines/<int:pk>/cancel/", engines.operation_cancel, name="operation-cancel"),
]
