import pytest

from aichor_portal.redaction import registry


@pytest.fixture(autouse=True)
def empty_secret_registry():
    """Start and end every test with no registered secret values."""
    registry.clear()
    yield
    registry.clear()
