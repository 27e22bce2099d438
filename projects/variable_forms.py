"""Forms of a project's environment variables: add, edit, and the `.env` upload of a bulk edit.

A sensitive value is write-only: no form renders a stored one. A value submitted with the
sensitive box ticked is not rendered again either, when the form comes back with an error.
"""

from django import forms
from django.core.exceptions import ValidationError

from secrets_vault.models import VariableScope
from secrets_vault.validators import validate_variable_name

# NOTE: a limit of the upload form only, set at the size of the largest runtime Secret Kubernetes
# accepts. Build-time variables are not bound by it, but files this large belong in a bucket.
MAX_IMPORT_BYTES = 1024 * 1024


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that never renders a value."""

    def format_value(self, value):
        return None


def _normalise_newlines(value: str) -> str:
    # Browsers submit the lines of a textarea separated by CRLF, whatever the user typed or pasted.
    return value.replace("\r\n", "\n")


class VariableForm(forms.Form):
    """Add a variable, or edit one (`variable` given): then its name and scope are fixed."""

    name = forms.CharField(
        max_length=253, validators=[validate_variable_name],
        help_text="Letters, digits and underscores, not starting with a digit. The AICHOR_ prefix is reserved.",
    )
    scope = forms.ChoiceField(
        choices=VariableScope.choices, initial=VariableScope.RUNTIME,
        help_text="Runtime variables reach the project's jobs through the aichor-env Secret on every engine. "
        "Build-time variables are kept for the image build and never written to that Secret.",
    )
    value = forms.CharField(
        required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
    )
    sensitive = forms.BooleanField(
        required=False, initial=True,
        help_text="A sensitive value is write-only: no page or command shows it again.",
    )

    def __init__(self, *args, variable=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.variable = variable
        if variable is not None:
            del self.fields["name"]
            del self.fields["scope"]
            self.initial["sensitive"] = variable.sensitive
            if variable.sensitive:
                self.fields["value"].help_text = (
                    f"Leave blank to keep the stored value ({variable.display_value}). To make the variable "
                    "non-sensitive, enter a new value."
                )
            else:
                self.initial["value"] = variable.value
        if (variable is not None and variable.sensitive) or self._submitted_as_sensitive():
            self.fields["value"].widget = WriteOnlyTextarea(attrs=self.fields["value"].widget.attrs)

    def _submitted_as_sensitive(self) -> bool:
        if not self.is_bound:
            return False
        checkbox = self.fields["sensitive"].widget
        return bool(checkbox.value_from_datadict(self.data, self.files, self.add_prefix("sensitive")))

    def clean_value(self):
        if "\x00" in self.cleaned_data["value"]:
            raise ValidationError("The value contains a NUL character, which environment variables cannot contain.")
        return _normalise_newlines(self.cleaned_data["value"])


class VariableImportForm(forms.Form):
    """The `.env` file of a bulk edit, the scope it replaces, and the flag of the variables it adds."""

    file = forms.FileField(
        label=".env file",
        help_text="NAME=value lines, with optional export prefixes, # comments and quoted values. The file "
        "becomes the complete set of the chosen scope: variables missing from it are deleted. A blank value "
        "keeps a stored sensitive value.",
    )
    scope = forms.ChoiceField(choices=VariableScope.choices, initial=VariableScope.RUNTIME)
    sensitive = forms.BooleanField(
        required=False, initial=True, label="New variables are sensitive",
        help_text="Variables that already exist keep their flag.",
    )

    def clean_file(self) -> str:
        """Return the file's text, decoded as UTF-8."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                f"The file has {upload.size:,} bytes; the limit is {MAX_IMPORT_BYTES:,} bytes (1 MiB)."
            )
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError("The file is not UTF-8 text: save it as UTF-8 and upload it again.") from None


class VariableImportApplyForm(forms.Form):
    """The sealed text and the fingerprint of a previewed import, posted back to apply it."""

    sealed = forms.CharField(widget=forms.HiddenInput)
    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=64)
