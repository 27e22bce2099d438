"""`make run`: the sandbox clouds, a qcluster worker and the web server, stopped together on Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
WEB_ADDRESS = os.environ.get("AICHOR_RUN_ADDRESS", "127.0.0.1:8000")
READY_TIMEOUT_SECONDS = 60


def manage(*arguments: str, **options) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", *arguments], cwd=BASE_DIR, **options)


def state_instance(path: Path) -> str | None:
    try:
        return json.loads(path.read_text())["instance"]
    except (FileNotFoundError, ValueError, KeyError):
        return None


def wait_for_sandbox(sandbox: subprocess.Popen, state_file: Path, previous: str | None) -> None:
    """Wait until the sandbox has written a new state file, or exit if it died."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while state_instance(state_file) in (None, previous):
        if sandbox.poll() is not None:
            sys.exit(f"The sandbox stopped with exit code {sandbox.returncode}; see its message above.")
        if time.monotonic() > deadline:
            sys.exit(f"The sandbox did not start within {READY_TIMEOUT_SECONDS} s.")
        time.sleep(0.2)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aichor_portal.settings")
    import django

    django.setup()
    from django.conf import settings

    state_file = Path(settings.AICHOR_SANDBOX_STATE_FILE)
    previous = state_instance(state_file)

    processes = [manage("sandbox", "serve")]
    wait_for_sandbox(processes[0], state_file, previous)
    processes.append(manage("qcluster"))
    processes.append(manage("runserver", WEB_ADDRESS, "--noreload"))

    print(f"\nAIchor Portal (sandbox) is running at http://{WEB_ADDRESS}/  (Ctrl-C stops everything)\n", flush=True)

    def stop(*_):
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while True:
        for process in processes:
            if process.poll() is not None:
                print(f"A portal process stopped (exit code {process.returncode}); stopping the others.", flush=True)
                stop()
        time.sleep(0.5)


if __name__ == "__main__":
    main()
