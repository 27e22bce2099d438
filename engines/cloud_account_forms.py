"""The AWS cloud account form: each error names the rule and the value, as the services do."""

from django import forms
from django.conf import settings

from engines.services import cloud_accounts as services


class AwsCloudAccountForm(forms.Form):
    """Name, role ARN and default region of an AWS cloud account. The portal generates the ExternalId."""

    name = forms.CharField(
        max_length=services.NAME_MAX_LENGTH,
        help_text="Unique in the organisation: letters, digits, spaces, dots, hyphens and underscores.",
    )
    role_arn = forms.CharField(
        label="Role ARN",
        max_length=2048,
        help_text="The IAM role that the portal assumes, for example arn:aws:iam::123456789012:role/AIchorPortalRole.",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    default_region = forms.CharField(
        max_length=32,
        help_text="Where pre-flight checks quotas, and where engines go by default, for example eu-west-1.",
    )

    def __init__(self, *args, organisation, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {field: getattr(instance, field) for field in services.EDITABLE_FIELDS}
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.instance = instance
        region = self.fields["default_region"]
        region.initial = region.initial or settings.AICHOR_AWS_DEFAULT_REGION
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def clean_name(self):
        return services.validate_name(self.organisation, self.cleaned_data["name"], instance=self.instance)

    def clean_role_arn(self):
        return services.validate_role_arn(self.cleaned_data["role_arn"]).arn

    def clean_default_region(self):
        return services.validate_region(self.cleaned_data["default_region"])
