"""The support console for engines, cloud accounts, operations, their steps and resources."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from aichor_portal.admin_base import PortalModelAdmin, SystemRowAdmin
from engines.models import CloudAccount, Engine, EngineResource, Operation, OperationLogLine, OperationStep
from engines.services.operations import cancel_operation, retry_operation
from organisations.permissions import Actor, can_run_safe_admin_actions


@admin.register(CloudAccount)
class CloudAccountAdmin(PortalModelAdmin):
    list_display = ["name", "organisation", "provider", "aws_account_id", "default_region", "created_at"]
    list_filter = ["provider", "organisation"]
    search_fields = ["name", "role_arn", "aws_account_id"]
    readonly_fields = ["external_id", "created_by", "created_at", "updated_at"]


class EngineResourceInline(admin.TabularInline):
    model = EngineResource
    extra = 0
    fields = ["type", "key", "cloud_id", "owner", "state", "region"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Engine)
class EngineAdmin(SystemRowAdmin):
    list_display = ["name", "organisation", "kind", "mode", "region", "status", "created_at"]
    list_filter = ["status", "kind", "mode", "organisation"]
    search_fields = ["name"]
    readonly_fields = [field.name for field in Engine._meta.fields]
    inlines = [EngineResourceInline]


@admin.register(EngineResource)
class EngineResourceAdmin(SystemRowAdmin):
    list_display = ["type", "cloud_id", "engine", "owner", "state"]
    list_filter = ["type", "owner", "state"]
    search_fields = ["cloud_id", "key", "engine__name"]
    readonly_fields = [field.name for field in EngineResource._meta.fields]


class OperationStepInline(admin.TabularInline):
    model = OperationStep
    extra = 0
    fields = ["position", "title", "status", "result", "detail", "attempts", "next_attempt_at", "error_code"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class OperationLogInline(admin.TabularInline):
    model = OperationLogLine
    extra = 0
    fields = ["created_at", "level", "message"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Operation)
class OperationAdmin(SystemRowAdmin):
    """Operations, read-only, with retry and cancel through the same services as the engine page."""

    list_display = ["id", "kind", "engine", "project", "cloud_account", "status", "requested_by_label", "created_at"]
    list_filter = ["status", "kind", "organisation"]
    search_fields = ["engine__name", "project__name", "cloud_account__name", "failure_reason"]
    readonly_fields = [field.name for field in Operation._meta.fields]
    inlines = [OperationStepInline, OperationLogInline]
    actions = ["retry_operations", "cancel_operations"]

    def has_safe_action_permission(self, request):
        return can_run_safe_admin_actions(request.user)

    @admin.action(description="Retry the selected failed or cancelled operations", permissions=["safe_action"])
    def retry_operations(self, request, queryset):
        self._run(request, queryset, retry_operation, "retried")

    @admin.action(description="Cancel the selected active operations", permissions=["safe_action"])
    def cancel_operations(self, request, queryset):
        self._run(request, queryset, cancel_operation, "asked to cancel")

    def _run(self, request, queryset, service, done: str) -> None:
        actor = Actor.from_request(request)
        succeeded = []
        for operation in queryset:
            try:
                service(operation, actor=actor)
            except ValidationError as error:
                self.message_user(request, f"Operation {operation.pk}: {' '.join(error.messages)}", messages.WARNING)
            else:
                succeeded.append(str(operation.pk))
        if succeeded:
            self.message_user(request, f"Operation(s) {', '.join(succeeded)} {done}.", messages.SUCCESS)


@admin.register(OperationStep)
class OperationStepAdmin(SystemRowAdmin):
    list_display = ["operation", "position", "title", "status", "attempts", "waiting_for", "next_attempt_at"]
    list_filter = ["status"]
    search_fields = ["key", "title", "operation__engine__name"]
    readonly_fields = [field.name for field in OperationStep._meta.fields]
