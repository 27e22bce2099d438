"""`make run`: the sandbox clouds, a qcluster worker and the web server, stopped together on Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_WEB_ADDRESS = "127.0.0.1:8000"
READY_TIMEOUT_SECONDS = 60


def manage(*arguments: str) -> subprocess.Popen:
    """Start a `manage.py` command in its own session, so that Ctrl-C reaches only this script.

    This script then sends each process one SIGTERM: django-q2 1.11.1's qcluster was seen to hang
    when a second signal arrived while it was stopping.
    """
    return subprocess.Popen([sys.executable, "manage.py", *arguments], cwd=BASE_DIR, start_new_session=True)


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


def stop_all(processes: list[subprocess.Popen]) -> None:
    """Send each running process one SIGTERM, newest first, then kill what is still running after 15 s."""
    # Ignore further Ctrl-C while stopping, so that each process gets a single SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for process in reversed(processes):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)

    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            # The whole session: a qcluster's worker processes are its children.
            os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aichor_portal.settings")
    import django

    django.setup()
    from django.conf import settings

    # Read after the settings, which load `.env` into the environment.
    web_address = os.environ.get("AICHOR_RUN_ADDRESS", DEFAULT_WEB_ADDRESS)

    state_file = Path(settings.AICHOR_SANDBOX_STATE_FILE)
    previous = state_instance(state_file)

    processes = []

    def on_signal(*_):
        stop_all(processes)
        sys.exit(0)

    # Installed before the first process starts, so that Ctrl-C during start-up stops what runs.
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    processes.append(manage("sandbox", "serve"))
    try:
        wait_for_sandbox(processes[0], state_file, previous)
    except SystemExit:
        stop_all(processes)
        raise
    processes.append(manage("qcluster"))
    processes.append(manage("runserver", web_address, "--noreload"))

    print(f"\nAIchor Portal (sandbox) is running at http://{web_address}/  (Ctrl-C stops everything)\n", flush=True)

    while True:
        for process in processes:
            if process.poll() is not None:
                print(f"A portal process stopped (exit code {process.returncode}); stopping the others.", flush=True)
                stop_all(processes)
                sys.exit(1)
        time.sleep(0.5)


if __name__ == "__main__":
    main()
