"""Settings, read at process start: each test runs `manage.py` in a fresh process with a controlled environment."""

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
PYTHON = str(Path(sys.executable))

LIVE_SETTINGS = {
    "AICHOR_CLOUD_MODE": "live",
    "SECRET_KEY": "live-test-" + "k" * 60,
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "portal.example.com",
    "AICHOR_AWS_PRINCIPAL_ARN": "arn:aws:iam::111111111111:role/aichor-portal",
    # Sign-in through Auth0: the checks read these values and contact nothing.
    "AUTH0_DOMAIN": "aichor-tests.eu.auth0.com",
    "AUTH0_CLIENT_ID": "tests-client-id",
    "AUTH0_CLIENT_SECRET": "tests-client-secret",
}

PRINT_SETTINGS = (
    "import json; from django.conf import settings; "
    "print(json.dumps({'SECRET_KEY': settings.SECRET_KEY, 'FIELD_ENCRYPTION_KEY': settings.FIELD_ENCRYPTION_KEY, "
    "'Q_CLUSTER': settings.Q_CLUSTER}))"
)

# Request a path through Django's test client and print the status and the Location header.
PRINT_RESPONSE = (
    "from django.test import Client; "
    "response = Client(HTTP_HOST='portal.example.com').get('{path}'); "
    "print(response.status_code, response.get('Location', '-'))"
)
PRINT_RESPONSE_BEHIND_PROXY = PRINT_RESPONSE.replace(
    "HTTP_HOST='portal.example.com'", "HTTP_HOST='portal.example.com', HTTP_X_FORWARDED_PROTO='https'"
)


@pytest.fixture
def env_file(tmp_path):
    return tmp_path / ".env"


@pytest.fixture
def run_manage(tmp_path, env_file):
    """Run `manage.py` with only the given variables, the tmp `.env` file and a tmp database."""

    def run(*arguments, **variables):
        environment = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "aichor_portal.settings",
            "AICHOR_ENV_FILE": str(env_file),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
            "AICHOR_SANDBOX_STATE_FILE": str(tmp_path / "sandbox.json"),
        }
        environment.update(variables)
        environment = {name: value for name, value in environment.items() if value is not None}
        return subprocess.run(
            [PYTHON, "manage.py", *arguments],
            cwd=BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


def live(**overrides):
    """Return complete live settings with some variables replaced (None removes one)."""
    variables = dict(LIVE_SETTINGS, AICHOR_SANDBOX_STATE_FILE=None)
    variables.update(overrides)
    return variables


def last_line(result) -> str:
    """Return the last line of output: `manage.py shell` prints a line about its imports first."""
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def printed_settings(result) -> dict:
    return json.loads(last_line(result))


def test_live_mode_names_missing_secrets(run_manage):
    result = run_manage(
        "check", AICHOR_CLOUD_MODE="live", DATABASE_URL=None, AICHOR_SANDBOX_STATE_FILE=None
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY, FIELD_ENCRYPTION_KEY, DATABASE_URL, ALLOWED_HOSTS" in result.stderr


def test_live_mode_names_only_missing_secret(run_manage):
    result = run_manage("check", **live(FIELD_ENCRYPTION_KEY=None))

    assert result.returncode != 0
    assert "Missing required setting(s) for live mode: FIELD_ENCRYPTION_KEY." in result.stderr


def test_live_mode_writes_no_env_file(run_manage, env_file):
    run_manage("check", AICHOR_CLOUD_MODE="live", DATABASE_URL=None, AICHOR_SANDBOX_STATE_FILE=None)

    assert not env_file.exists()


def test_sandbox_first_run_writes_keys(run_manage, env_file):
    result = run_manage("shell", "-c", PRINT_SETTINGS)

    values = printed_settings(result)
    content = env_file.read_text()
    assert f"SECRET_KEY={values['SECRET_KEY']}\n" in content
    assert f"FIELD_ENCRYPTION_KEY={values['FIELD_ENCRYPTION_KEY'][0]}\n" in content
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600


def test_sandbox_second_run_reuses_keys(run_manage, env_file):
    first = printed_settings(run_manage("shell", "-c", PRINT_SETTINGS))
    content_after_first_run = env_file.read_text()

    second = printed_settings(run_manage("shell", "-c", PRINT_SETTINGS))

    assert second["SECRET_KEY"] == first["SECRET_KEY"]
    assert second["FIELD_ENCRYPTION_KEY"] == first["FIELD_ENCRYPTION_KEY"]
    assert env_file.read_text() == content_after_first_run


def test_sandbox_keys_follow_unterminated_line(run_manage, env_file):
    env_file.write_text("LOG_LEVEL=WARNING")

    values = printed_settings(run_manage("shell", "-c", PRINT_SETTINGS))

    lines = env_file.read_text().splitlines()
    assert lines[0] == "LOG_LEVEL=WARNING"
    assert f"SECRET_KEY={values['SECRET_KEY']}" in lines


def test_check_deploy_clean_in_live_mode(run_manage):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **live())

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr


def test_live_mode_redirects_plain_http(run_manage):
    result = run_manage("shell", "-c", PRINT_RESPONSE.format(path="/login/"), **live())

    assert last_line(result).split() == ["301", "https://portal.example.com/login/"]


def test_live_healthz_answers_plain_http(run_manage):
    result = run_manage("shell", "-c", PRINT_RESPONSE.format(path="/healthz"), **live())

    assert last_line(result).split() == ["200", "-"]


def test_live_mode_trusts_forwarded_proto(run_manage):
    result = run_manage("shell", "-c", PRINT_RESPONSE_BEHIND_PROXY.format(path="/"), **live())

    assert last_line(result).split() == ["302", "/login/?next=/"]


def test_retry_not_above_timeout_is_error(run_manage):
    result = run_manage("check", Q_TIMEOUT="300", Q_RETRY="300")

    assert result.returncode != 0
    assert "aichor.E001" in result.stderr


def test_retry_above_timeout_passes(run_manage):
    result = run_manage("check", Q_TIMEOUT="300", Q_RETRY="301")

    assert result.returncode == 0, result.stderr
    assert "aichor.E001" not in result.stderr


def test_live_mode_rejects_sandbox_setting(run_manage):
    result = run_manage("check", **live(AICHOR_SANDBOX_AWS_PORT="5055"))

    assert result.returncode != 0
    assert "aichor.E002" in result.stderr
    assert "AICHOR_SANDBOX_AWS_PORT" in result.stderr


def test_orm_broker_by_default(run_manage):
    cluster = printed_settings(run_manage("shell", "-c", PRINT_SETTINGS))["Q_CLUSTER"]

    assert cluster["orm"] == "default"
    assert "redis" not in cluster


def test_redis_url_selects_redis_broker(run_manage):
    result = run_manage("shell", "-c", PRINT_SETTINGS, REDIS_URL="redis://127.0.0.1:6379/3")

    cluster = printed_settings(result)["Q_CLUSTER"]
    assert cluster["redis"] == "redis://127.0.0.1:6379/3"
    assert "orm" not in cluster
