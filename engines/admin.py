from django.contrib import admin

from aichor_portal.admin_base import PortalModelAdmin, SystemRowAdmin
from engines.models import CloudAccount, Engine, EngineResource, Operation, OperationLogLine, OperationStep


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
    list_display = ["id", "kind", "engine", "cloud_account", "status", "requested_by_label", "created_at"]
    list_filter = ["status", "kind", "organisation"]
    search_fields = ["engine__name", "cloud_account__name", "failure_reason"]
    readonly_fields = [field.name for field in Operation._meta.fields]
    inlines = [OperationStepInline, OperationLogInline]
