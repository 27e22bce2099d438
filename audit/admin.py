from django.contrib import admin

from aichor_portal.admin_base import SystemRowAdmin
from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(SystemRowAdmin):
    list_display = ["created_at", "organisation", "actor_label", "action", "target_label", "source_ip"]
    list_filter = ["organisation", "action"]
    search_fields = ["actor_label", "action", "target_label"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in AuditEvent._meta.fields]
