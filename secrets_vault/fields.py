"""An encrypted text field that fails loudly instead of showing ciphertext.

django-encrypted-model-fields 0.6.5 has two behaviours this field removes:

- when no configured key decrypts a stored value, it returns the ciphertext as if it were the
  value, with no error;
- `to_python` decrypts any input that happens to be a valid token, so a form or `full_clean()`
  given a copied ciphertext would store its plaintext.
"""

from cryptography.fernet import InvalidToken
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.query_utils import DeferredAttribute
from encrypted_model_fields.fields import EncryptedTextField, decrypt_str


class UndecryptableValueError(Exception):
    """Raised on reading a stored value that no key in FIELD_ENCRYPTION_KEY decrypts."""


class UndecryptableValue:
    """The stored ciphertext of a value that no configured key decrypts.

    Saving the row again stores the ciphertext unchanged, and neither repr() nor str() shows it.
    """

    __slots__ = ("token",)

    def __init__(self, token: str):
        self.token = token

    def __repr__(self):
        return "<undecryptable value>"

    def __str__(self):
        raise UndecryptableValueError(
            "A stored value cannot be decrypted with any key in FIELD_ENCRYPTION_KEY. Add the key it was "
            "encrypted with to the list, after the current first key."
        )

    def __eq__(self, other):
        return isinstance(other, UndecryptableValue) and other.token == self.token

    def __hash__(self):
        return hash(self.token)


class GuardedValueDescriptor(DeferredAttribute):
    """Attribute access for the field: raises UndecryptableValueError instead of returning a marker."""

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, UndecryptableValue):
            field = self.field
            raise UndecryptableValueError(
                f"The {field.model._meta.label}.{field.name} value of row {instance.pk} cannot be decrypted with "
                "any key in FIELD_ENCRYPTION_KEY. Add the key it was encrypted with to the list, after the "
                "current first key, then run `manage.py rotate_encryption_keys`."
            )
        return value

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value


class GuardedEncryptedTextField(EncryptedTextField):
    """An EncryptedTextField that raises on undecryptable values and rejects lookups on its column.

    Lookups other than `isnull` raise FieldError: with a random IV per value, a filter on the
    ciphertext would silently match nothing.
    """

    descriptor_class = GuardedValueDescriptor

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        try:
            return decrypt_str(value)
        except InvalidToken:
            return UndecryptableValue(value)

    def to_python(self, value):
        # Plain text in, plain text out: never decrypt what a caller or a form supplies.
        if value is None or isinstance(value, (str, UndecryptableValue)):
            return value
        return str(value)

    def pre_save(self, model_instance, add):
        # Read past the descriptor, so that a row holding an undecryptable value can still be saved.
        return model_instance.__dict__.get(self.attname)

    def get_db_prep_save(self, value, connection):
        if isinstance(value, UndecryptableValue):
            return value.token
        if hasattr(value, "as_sql"):
            # An expression in `update()` is SQL, written as it is. The library would encrypt its
            # repr() (as of 0.6.5), storing "Value('...')" in place of the value.
            return value
        return super().get_db_prep_save(value, connection)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(
            f"Lookup {lookup_name!r} on the encrypted column {self.model._meta.label}.{self.name} is not supported: "
            "each value is encrypted with a random IV, so no filter can match it. Filter on plain columns."
        )

    def get_transform(self, lookup_name):
        return None


def is_encrypted_field(field: models.Field) -> bool:
    """Tell whether a model field stores its value encrypted with FIELD_ENCRYPTION_KEY."""
    from encrypted_model_fields.fields import EncryptedMixin

    return isinstance(field, EncryptedMixin)
