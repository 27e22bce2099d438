from django.urls import path

from engines.views import cloud_accounts, engines, imports, lists

app_name = "engines"
urlpatterns = [
    path("cloud-accounts/", cloud_accounts.cloud_account_list, name="cloud-account-list"),
    path("cloud-accounts/new/", cloud_accounts.cloud_account_create, name="cloud-account-create"),
    path("cloud-accounts/<int:pk>/", cloud_accounts.cloud_account_detail, name="cloud-account-detail"),
    path("cloud-accounts/<int:pk>/edit/", cloud_accounts.cloud_account_edit, name="cloud-account-edit"),
    path("cloud-accounts/<int:pk>/delete/", cloud_accounts.cloud_account_delete, name="cloud-account-delete"),
    path("cloud-accounts/<int:pk>/download/<slug:artefact>/", cloud_accounts.cloud_account_download,
         name="cloud-account-download"),
    path("cloud-accounts/<int:pk>/preflight/", cloud_accounts.preflight_start, name="cloud-account-preflight"),
    path("cloud-accounts/<int:pk>/preflight/live/", cloud_accounts.preflight_live,
         name="cloud-account-preflight-live"),
    path("engines/", lists.engine_list, name="engine-list"),
    path("engines/new/", engines.engine_create, name="engine-create"),
    path("engines/import/", imports.engine_import, name="engine-import"),
    path("engines/<int:pk>/", engines.engine_detail, name="engine-detail"),
    path("engines/<int:pk>/live/", engines.engine_live, name="engine-live"),
    path("engines/<int:pk>/delete/", engines.engine_delete, name="engine-delete"),
    path("engines/<int:pk>/recheck/", imports.engine_recheck, name="engine-recheck"),
    path("engines/<int:pk>/retry/", engines.operation_retry, name="operation-retry"),
    path("engines/<int:pk>/cancel/", engines.operation_cancel, name="operation-cancel"),
]
