"""Settings for the test suite: the portal's settings, without the developer's `.env`."""

import os
import tempfile

os.environ["AICHOR_ENV_FILE"] = ""
os.environ.setdefault("AICHOR_CLOUD_MODE", "sandbox")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-that-is-long-enough-for-django-checks")
# A fixed test key (Fernet format); encrypted-model-fields reads it once, at import.
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=")
os.environ.setdefault("AICHOR_SANDBOX_STATE_FILE", os.path.join(tempfile.mkdtemp(prefix="aichor-tests-"), "sandbox.json"))

from aichor_portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: the real qcluster test and the browser tests share it across threads and processes.
    # One file per test run (inherited by the run's subprocesses), so that parallel runs never share one.
    test_database = os.environ.setdefault("AICHOR_TEST_DATABASE", str(VAR_DIR / f"test-portal-{os.getpid()}.sqlite3"))  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": test_database}  # noqa: F405

# The secrets vault's test database: a per-run file too, inherited by the run's subprocesses.
if DATABASES["vault"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    test_vault_database = os.environ.setdefault(
        "AICHOR_TEST_VAULT_DATABASE", str(VAR_DIR / f"test-vault-{os.getpid()}.sqlite3")  # noqa: F405
    )
    DATABASES["vault"]["TEST"] = {"NAME": test_vault_database}  # noqa: F405
