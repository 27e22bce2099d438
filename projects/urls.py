from django.urls import path

from projects.views import create, credentials, detail, engines, lists, members, variables

app_name = "projects"
urlpatterns = [
    path("", lists.project_list, name="project-list"),
    path("new/", create.project_create, name="project-create"),
    path("<int:pk>/", detail.project_detail, name="project-detail"),
    path("<int:pk>/live/", detail.project_live, name="project-live"),
    path("<int:pk>/settings/", detail.project_settings, name="project-settings"),
    path("<int:pk>/delete/", detail.project_delete, name="project-delete"),
    path("<int:pk>/purge/", detail.project_purge, name="project-purge"),
    path("<int:pk>/retry/", detail.operation_retry, name="operation-retry"),
    path("<int:pk>/cancel/", detail.operation_cancel, name="operation-cancel"),
    path("<int:pk>/members/", members.project_members, name="project-members"),
    path("<int:pk>/members/<int:member_pk>/role/", members.member_role, name="member-role"),
    path("<int:pk>/members/<int:member_pk>/remove/", members.member_remove, name="member-remove"),
    path("<int:pk>/invitations/<int:invitation_pk>/resend/", members.invitation_resend, name="invitation-resend"),
    path("<int:pk>/invitations/<int:invitation_pk>/revoke/", members.invitation_revoke, name="invitation-revoke"),
    path("<int:pk>/engines/", engines.project_engines, name="project-engines"),
    path("<int:pk>/engines/<int:engine_pk>/unassign/", engines.engine_unassign, name="engine-unassign"),
    path("<int:pk>/storage-credentials/", credentials.storage_credentials, name="project-storage-credentials"),
    path("<int:pk>/variables/", variables.variable_list, name="project-variables"),
    path("<int:pk>/variables/new/", variables.variable_create, name="variable-create"),
    path("<int:pk>/variables/<int:variable_pk>/edit/", variables.variable_edit, name="variable-edit"),
    path("<int:pk>/variables/<int:variable_pk>/delete/", variables.variable_delete, name="variable-delete"),
    path("<int:pk>/variables/import/", variables.variable_import, name="variable-import"),
    path("<int:pk>/variables/import/apply/", variables.variable_import_apply, name="variable-import-apply"),
]
