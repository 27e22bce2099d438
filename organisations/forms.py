"""Forms of the members page: invite a person, change a member's roles."""

from django import forms

from organisations.models import Role, clean_roles, normalise_email

ROLES_HELP = "Organisation admin includes every other role and is held alone."


class RolesField(forms.MultipleChoiceField):
    """Organisation roles as checkboxes, cleaned to `Role` members (organisation admin held alone)."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", Role.choices)
        kwargs.setdefault("help_text", ROLES_HELP)
        super().__init__(**kwargs)

    def clean(self, value):
        return clean_roles(super().clean(value))


class InvitationForm(forms.Form):
    email = forms.EmailField(help_text="The person signs in with Auth0 using this address, verified.")
    roles = RolesField()

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])


class MemberRolesForm(forms.Form):
    roles = RolesField()
