"""The support console for projects: read-only rows, with retry and cancel of a project's operation."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from aichor_portal.admin_base import SystemRowAdmin
from engines.choices import OperationStatus
from engines.models import Operation
from organisations.permissions import Actor, can_use_admin
from projects.models import Project, ProjectEngine, ProjectMember, ProjectResource
from projects.services.projects import cancel_project_operation, retry_project_operation


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ProjectMemberInline(ReadOnlyInline):
    model = ProjectMember
    fields = ["user", "role", "created_at"]


class ProjectEngineInline(ReadOnlyInline):
    model = ProjectEngine
    fields = ["engine", "state", "created_at"]


class ProjectResourceInline(ReadOnlyInline):
    model = ProjectResource
    fields = ["type", "key", "cloud_id", "engine", "owner", "state", "retained", "region"]


class ProjectOperationInline(ReadOnlyInline):
    model = Operation
    fk_name = "project"
    fields = ["kind", "status", "requested_by_label", "created_at", "finished_at", "failure_reason"]
    ordering = ["-created_at"]
    show_change_link = True


@admin.register(Project)
class ProjectAdmin(SystemRowAdmin):
    list_display = ["name", "organisation", "namespace", "default_engine", "status", "created_at"]
    list_filter = ["status", "organisation"]
    search_fields = ["name", "namespace", "repository_url"]
    readonly_fields = [field.name for field in Project._meta.fields]
    inlines = [ProjectMemberInline, ProjectEngineInline, ProjectResourceInline, ProjectOperationInline]
    actions = ["retry_operation", "cancel_operation"]

    def has_operate_permission(self, request):
        """Support staff may retry and cancel operations: both are safe and resume from the runner's state."""
        return can_use_admin(request.user)

    @admin.action(description="Retry the latest operation (failed or cancelled)", permissions=["operate"])
    def retry_operation(self, request, queryset):
        self._act(request, queryset, (OperationStatus.FAILED, OperationStatus.CANCELLED), retry_project_operation,
                  "retried")

    @admin.action(description="Cancel the active operation", permissions=["operate"])
    def cancel_operation(self, request, queryset):
        self._act(request, queryset, OperationStatus.active(), cancel_project_operation, "asked to stop")

    def _act(self, request, queryset, statuses, action, done: str) -> None:
        # The support console decided access (can_use_admin), so the services get an operator actor.
        actor = Actor(user=request.user, label=f"support:{request.user.get_username()}", is_operator=True)
        for project in queryset:
            operation = project.operations.order_by("-created_at", "-id").first()
            if operation is None or operation.status not in statuses:
                self.message_user(request, f"{project}: no operation to act on.", messages.WARNING)
                continue
            try:
                action(operation, actor=actor)
            except ValidationError as error:
                self.message_user(request, f"{project}: {' '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"{project}: {operation.get_kind_display().lower()} operation {done}.")


@admin.register(ProjectMember)
class ProjectMemberAdmin(SystemRowAdmin):
    list_display = ["project", "user", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["project__name", "user__username", "user__email"]
    readonly_fields = [field.name for field in ProjectMember._meta.fields]


@admin.register(ProjectResource)
class ProjectResourceAdmin(SystemRowAdmin):
    list_display = ["type", "cloud_id", "project", "engine", "state", "retained"]
    list_filter = ["type", "state", "retained"]
    search_fields = ["cloud_id", "key", "project__name"]
    readonly_fields = [field.name for field in ProjectResource._meta.fields]
