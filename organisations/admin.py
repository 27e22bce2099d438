from django.contrib import admin

from aichor_portal.admin_base import PortalModelAdmin, SystemRowAdmin
from organisations.models import Invitation, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]

    def has_view_permission(self, request, obj=None):
        return True


@admin.register(Organisation)
class OrganisationAdmin(PortalModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(PortalModelAdmin):
    list_display = ["user", "organisation", "is_organisation_admin", "is_infrastructure_admin", "is_finops_admin"]
    list_filter = ["organisation", "is_organisation_admin", "is_infrastructure_admin", "is_finops_admin"]
    search_fields = ["user__username", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(SystemRowAdmin):
    """Invitations change only through the members page, so that each change is audited and emailed."""

    list_display = ["email", "organisation", "kind", "status", "expires_at", "resent_count", "created_at"]
    list_filter = ["kind", "organisation"]
    search_fields = ["email", "organisation__name"]
    exclude = ["token_hash"]
    readonly_fields = ["status"]

    @admin.display(description="status")
    def status(self, obj):
        return obj.status.label
