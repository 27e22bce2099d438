"""Benchmark: many EKS engines at once on two workers, with cluster creation delayed to 60 seconds.

Starts a private sandbox whose EKS clusters stay CREATING for `--delay` seconds, a private
PostgreSQL database, and a real django-q2 cluster with `--workers` worker processes. It
then creates `--engines` engines and waits until all are Ready. A design that waited inside
a task would hold a worker for the whole delay of each engine, so it would need about
engines x delay / workers, here 100 times the delay. The portal's runner records the wait
in the database instead, and the periodic pass re-checks due steps.

Prints the wall time, the worker busy time per engine (the sum of task run times, from
django-q2's task records, divided by the number of engines) and the steps per second.
Run with `.venv/bin/python bench/many_engines.py`; PostgreSQL must accept connections on
127.0.0.1:5432 as user postgres (as on the development machine).
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.sandbox_env import BASE_DIR, BenchSandbox, configure, make_account  # noqa: E402

POSTGRES = "postgres://postgres@127.0.0.1:5432"
ADVANCED = re.compile(r"operation=\d+ advanced for ([0-9.]+) s")


def create_database(name: str) -> str:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES}/{name}"


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_workers(log_path: Path) -> subprocess.Popen:
    """Start `manage.py qcluster`, logging to a file (an unread pipe would fill up and block the workers)."""
    with open(log_path, "w", encoding="utf-8") as log:
        return subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=BASE_DIR, env=dict(os.environ),
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop_workers(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> None:
    # SIGTERM stops the benchmark as Ctrl-C does, so that the workers and the database are cleaned up.
    signal.signal(signal.SIGTERM, _interrupt)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--delay", type=float, default=60.0, help="Seconds each EKS cluster stays CREATING.")
    parser.add_argument("--timeout", type=float, default=900.0, help="Give up after this many seconds.")
    arguments = parser.parse_args()

    database = f"aichor_bench_{os.getpid()}"
    workdir = configure(create_database(database), workers=arguments.workers)
    sandbox = BenchSandbox(eks_create_seconds=arguments.delay).start()
    workers = None
    try:
        from django.db.models import Count, Q

        from engines.choices import EngineStatus, StepStatus
        from engines.models import Engine, OperationStep
        from engines.services.engines import start_engine_creation
        from organisations.permissions import Actor

        organisation, account = make_account()
        log_path = workdir / "qcluster.log"
        print(f"Workers log to {log_path}", flush=True)
        workers = start_workers(log_path)
        time.sleep(3)  # Let the cluster's processes start before the clock starts.

        started = time.monotonic()
        for number in range(1, arguments.engines + 1):
            start_engine_creation(organisation, actor=Actor.operator(), cloud_account=account,
                                  name=f"bench-{number:03d}", kind="eks", region="eu-west-1")
        enqueued = time.monotonic() - started
        print(f"{arguments.engines} engines created and queued in {enqueued:.1f} s", flush=True)

        last_report = 0.0
        while True:
            counts = Engine.objects.aggregate(ready=Count("pk", filter=Q(status=EngineStatus.READY)),
                                              failed=Count("pk", filter=Q(status=EngineStatus.FAILED)))
            elapsed = time.monotonic() - started
            if elapsed - last_report >= 15:
                print(f"  {elapsed:6.1f} s: {counts['ready']} ready, {counts['failed']} failed", flush=True)
                last_report = elapsed
            if counts["ready"] + counts["failed"] == arguments.engines or elapsed > arguments.timeout:
                break
            if workers.poll() is not None:
                raise SystemExit(f"The worker cluster stopped; see {log_path}")
            time.sleep(1)
        wall = time.monotonic() - started

        # django-q2 stamps a task's start when it is queued, so busy time comes from the runner's own
        # log line, written at the end of each advance task with its duration.
        runs = [float(match.group(1)) for match in ADVANCED.finditer(log_path.read_text(encoding="utf-8"))]
        busy = sum(runs)
        advance_tasks = len(runs)
        steps_done = OperationStep.objects.filter(status=StepStatus.SUCCEEDED).count()
        step_runs = sum(OperationStep.objects.values_list("attempts", flat=True))
        durations = sorted((engine.ready_at - engine.created_at).total_seconds()
                           for engine in Engine.objects.filter(status=EngineStatus.READY))
        failures = list(Engine.objects.filter(status=EngineStatus.FAILED).values_list("name", "status_reason")[:5])

        print(f"Engines ready: {counts['ready']} of {arguments.engines} ({counts['failed']} failed)")
        print(f"Wall time to all ready: {wall:.1f} s = {wall / arguments.delay:.2f} x the {arguments.delay:g} s delay")
        if durations:
            print(f"Per engine, creation to ready: min {durations[0]:.1f} s, median "
                  f"{statistics.median(durations):.1f} s, max {durations[-1]:.1f} s")
        print(f"Advance tasks run: {advance_tasks} ({advance_tasks / arguments.engines:.1f} per engine)")
        print(f"Worker busy time (advance tasks): {busy:.1f} s in all, {busy / arguments.engines:.2f} s per engine "
              f"({busy / (wall * arguments.workers):.0%} of {arguments.workers} workers' wall time)")
        print(f"Steps: {steps_done} done, {step_runs} step runs; {steps_done / wall:.1f} steps/s over the wall time, "
              f"{step_runs / busy:.1f} step runs per busy worker-second")
        step_seconds = {}
        for key, began, finished in OperationStep.objects.filter(status=StepStatus.SUCCEEDED).values_list(
                "key", "started_at", "finished_at"):
            step_seconds.setdefault(key, []).append((finished - began).total_seconds())
        slowest = sorted(step_seconds.items(), key=lambda item: -statistics.mean(item[1]))[:5]
        print("Slowest steps, start to finish (mean): " + ", ".join(
            f"{key} {statistics.mean(values):.1f} s" for key, values in slowest))
        for name, reason in failures:
            print(f"  failed: {name}: {reason[:200]}")
    finally:
        if workers is not None:
            stop_workers(workers)
        sandbox.stop()
        from django.db import connections

        connections.close_all()
        drop_database(database)


if __name__ == "__main__":
    main()
