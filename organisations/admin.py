from django.contrib import admin

from aichor_portal.admin_base import PortalModelAdmin
from organisations.models import Membership, Organisation


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
