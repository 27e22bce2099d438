"""Benchmark: how many mutating AWS calls one EKS creation makes, against the resources it creates.

Prints the inventory size, the mutating AWS calls (and Kubernetes writes) of a creation,
their ratio, and the same counts for a rerun of the finished plan, which should make none.
Run with `.venv/bin/python bench/mutating_calls.py`; it starts its own sandbox.
"""

import collections
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.sandbox_env import BenchSandbox, configure, make_account  # noqa: E402

MUTATING_PREFIXES = ("Create", "Attach", "Associate", "Put", "Modify", "Add", "Tag", "Untag", "Delete", "Detach",
                     "Disassociate", "Remove", "Terminate", "Update", "Set", "Authorize", "Revoke", "Run", "Register")
KUBE_WRITES = ("POST", "PUT", "PATCH", "DELETE")
# Objects that a create call makes apart from the inventory's rows: attachments and associations,
# each a resource of its own in the AWS API (and in CloudFormation).
SUB_OBJECT_CALLS = ("AttachRolePolicy", "AssociateRouteTable", "AttachInternetGateway", "AddRoleToInstanceProfile",
                    "PutTargets", "PutRolePolicy", "AuthorizeSecurityGroupIngress")


class CallCounter:
    """Counts the AWS calls made with customer sessions and the Kubernetes requests, by name."""

    def __init__(self):
        self.aws = collections.Counter()
        self.kube = collections.Counter()

    def install(self) -> None:
        from engines.providers.aws import clients
        from engines.providers.kube.client import KubeClient

        original_session = clients.customer_session
        original_request = KubeClient.request
        counter = self

        def counting_session(*args, **kwargs):
            session = original_session(*args, **kwargs)
            if not getattr(session, "_bench_counted", False):
                session.events.register("before-call.*.*", lambda model, **_: counter.aws.update([model.name]))
                session._bench_counted = True
            return session

        def counting_request(client, method, path, **kwargs):
            counter.kube.update([method])
            return original_request(client, method, path, **kwargs)

        clients.customer_session = counting_session
        clients.clear_cache()
        KubeClient.request = counting_request

    def mutating(self) -> collections.Counter:
        return collections.Counter({name: count for name, count in self.aws.items()
                                    if name.startswith(MUTATING_PREFIXES)})

    def reset(self) -> None:
        self.aws.clear()
        self.kube.clear()


def run_operation(operation) -> float:
    from engines.provisioning import runner

    started = time.perf_counter()
    for _ in range(100):
        runner.advance(operation.pk)
        operation.refresh_from_db()
        if not operation.is_active:
            break
    if operation.status != "succeeded":
        raise SystemExit(f"The operation ended {operation.status}: {operation.failure_reason}")
    return time.perf_counter() - started


def main() -> None:
    configure()
    sandbox = BenchSandbox().start()
    try:
        from engines.choices import OperationKind
        from engines.services.engines import start_engine_creation
        from engines.services.operations import start_operation
        from organisations.permissions import Actor

        # Tasks are queued in the private database and never run: the benchmark advances the operations itself.
        counter = CallCounter()
        counter.install()
        organisation, account = make_account()
        engine = start_engine_creation(organisation, actor=Actor.operator(), cloud_account=account,
                                       name="bench-calls", kind="eks", region="eu-west-1")
        create_seconds = run_operation(engine.operations.get())

        rows = engine.resources.count()
        mutating = counter.mutating()
        calls = sum(mutating.values())
        sub_objects = sum(count for name, count in mutating.items() if name in SUB_OBJECT_CALLS)
        kube_writes = sum(counter.kube[method] for method in KUBE_WRITES)
        print(f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
              f"{len(os.sched_getaffinity(0))} cores")
        print(f"Creation: {create_seconds:.2f} s, {sum(counter.aws.values())} AWS calls, "
              f"{sum(counter.kube.values())} Kubernetes requests")
        print(f"Inventory rows: {rows}")
        print(f"Mutating AWS calls: {calls} ({calls / rows:.2f} per inventory row)")
        print(f"  of which attachments and associations: {sub_objects}; "
              f"per cloud object (rows + those): {calls / (rows + sub_objects):.2f}")
        print(f"Kubernetes writes: {kube_writes} (server-side apply of {kube_writes} objects)")
        print("Mutating AWS calls by operation: " + ", ".join(f"{name} {count}" for name, count in sorted(mutating.items())))

        counter.reset()
        rerun = start_operation(organisation, OperationKind.CREATE, actor=Actor.operator(), engine=engine)
        rerun_seconds = run_operation(rerun)
        print(f"Rerun of the finished plan: {rerun_seconds:.2f} s, {sum(counter.aws.values())} AWS calls, "
              f"{sum(counter.mutating().values())} mutating; "
              f"{sum(counter.kube[method] for method in KUBE_WRITES)} Kubernetes writes")
        if counter.mutating():
            print("  mutating on rerun: " + ", ".join(f"{n} {c}" for n, c in sorted(counter.mutating().items())))
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()
