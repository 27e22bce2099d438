"""Base classes for the support console: access decided by the permission module."""

from django.contrib import admin

from organisations.permissions import can_use_admin


class PortalModelAdmin(admin.ModelAdmin):
    """Superusers may change rows; support staff may only view them."""

    def has_module_permission(self, request):
        return can_use_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return can_use_admin(request.user)

    def has_add_permission(self, request):
        return can_use_admin(request.user, write=True)

    def has_change_permission(self, request, obj=None):
        return can_use_admin(request.user, write=True)

    def has_delete_permission(self, request, obj=None):
        return can_use_admin(request.user, write=True)


class SystemRowAdmin(PortalModelAdmin):
    """Admin for rows that the system writes: no one may add, change or delete them here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
