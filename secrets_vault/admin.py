"""Support console views of the vault: metadata only, values shown as set or not set."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ImproperlyConfigured

from aichor_portal.admin_base import SystemRowAdmin
from secrets_vault.fields import UndecryptableValueError, is_encrypted_field
from secrets_vault.models import EnvironmentVariable


class EncryptedColumnsAdminMixin:
    """Keep encrypted columns out of an admin's forms, lookups, search and ordering.

    Their values never reach a page: `value_status` shows whether a value is set.
    """

    def encrypted_field_names(self) -> set[str]:
        return {field.name for field in self.model._meta.fields if is_encrypted_field(field)}

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.split("__")[0] in self.encrypted_field_names():
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        encrypted = self.encrypted_field_names()
        searched = [name for name in fields if name.lstrip("^=@").split("__")[0] in encrypted]
        if searched:
            raise ImproperlyConfigured(
                f"{self.__class__.__name__}.search_fields includes encrypted column(s) {searched}: "
                "search plain columns only."
            )
        return fields

    def get_ordering(self, request):
        ordering = super().get_ordering(request) or ()
        encrypted = self.encrypted_field_names()
        return [name for name in ordering if name.lstrip("-").split("__")[0] not in encrypted]

    def get_sortable_by(self, request):
        encrypted = self.encrypted_field_names()
        return [name for name in self.get_list_display(request) if name not in encrypted and name != "value_status"]

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or []), *self.encrypted_field_names()]

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)
        encrypted = self.encrypted_field_names()

        class EncryptedColumnsChangeList(changelist):
            def get_ordering_field(self, field_name):
                if field_name in encrypted:
                    raise IncorrectLookupParameters(
                        f"Ordering by the encrypted column {field_name!r} is not supported."
                    )
                return super().get_ordering_field(field_name)

        return EncryptedColumnsChangeList

    @admin.display(description="value")
    def value_status(self, obj):
        try:
            return "set" if obj.value else "not set"
        except UndecryptableValueError:
            return "set, but no configured key decrypts it"


@admin.register(EnvironmentVariable)
class EnvironmentVariableAdmin(EncryptedColumnsAdminMixin, SystemRowAdmin):
    list_display = ["name", "scope", "project_id", "sensitive", "value_status", "updated_at", "updated_by_label"]
    list_filter = ["scope", "sensitive"]
    search_fields = ["name"]
    ordering = ["project_id", "scope", "name"]
    fields = [
        "project_id",
        "name",
        "scope",
        "sensitive",
        "value_status",
        "created_at",
        "updated_at",
        "updated_by_id",
        "updated_by_label",
    ]
    readonly_fields = fields
