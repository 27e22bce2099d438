"""The project plans, registered with the runner under the kind "project".

- create: the buckets, the registry, the storage role, then per assigned engine the
  workload role, the namespace and the service account, and last the bucket policy.
- reconcile (engines assigned or unassigned, labels changed): the same steps again, which
  adopt and update what exists, plus the removal of unassigned engines' footprint. Both also
  write the runtime variables to the `aichor-env` Secret in each engine's namespace.
- variables sync (a reconcile with the `variables_only` parameter): the Secret steps alone,
  started when a Ready project's runtime variables change.
- delete: every engine's namespace and workload role, then the storage role. The buckets
  and the repository are kept and locked to the portal's role, unless the deletion purges them.

The engines a plan covers come from the operation's parameters, fixed when it started,
so every run of the operation builds the same steps.
"""

import json

from botocore.exceptions import ClientError

from engines.choices import OperationKind
from engines.models import Engine
from engines.provisioning.registry import register_plan
from engines.provisioning.steps import Done, Plan, Step
from engines.providers.aws.errors import error_code
from projects import lifecycle, naming
from projects.provisioning import buckets, environment, namespaces, registry, roles

PROJECT_KIND = "project"
BUCKET_STEPS = tuple(buckets.bucket_key(purpose) for purpose in naming.BUCKET_PURPOSES)


def _engines(ids) -> list[Engine]:
    engines = {engine.pk: engine for engine in Engine.objects.filter(pk__in=ids)}
    return [engines[engine_id] for engine_id in ids if engine_id in engines]


def build_plan(operation) -> Plan:
    """Return the create or reconcile plan of a project operation."""
    parameters = operation.parameters
    if parameters.get(environment.VARIABLES_ONLY):
        return build_variables_plan(operation)
    plan = Plan(
        on_start=lifecycle.provisioning_started,
        on_success=lifecycle.provisioning_succeeded,
        on_failure=lifecycle.provisioning_failed,
    )
    for purpose in naming.BUCKET_PURPOSES:
        plan.add(Step(buckets.bucket_key(purpose), f"Create the {purpose} bucket", buckets.bucket_step(purpose),
                      resource_type=buckets.BUCKET_TYPE))
    plan.add(Step(registry.REGISTRY_KEY, "Create the container registry", registry.create_registry,
                  resource_type=registry.REGISTRY_TYPE))
    plan.add(Step(roles.STORAGE_ROLE_KEY, "Create the storage role", roles.create_storage_role, BUCKET_STEPS,
                  roles.ROLE_TYPE))

    plan.add(Step(environment.CHECK_KEY, "Check the size of the runtime variables", environment.check_variables))

    role_steps = [roles.STORAGE_ROLE_KEY]
    for engine in _engines(parameters.get("engines", [])):
        role_key = roles.workload_role_key(engine.pk)
        namespace_key = namespaces.namespace_key(engine.pk)
        plan.add(Step(role_key, f"Create the workload role for {engine.name}", roles.workload_role_step(engine.pk),
                      (*BUCKET_STEPS, registry.REGISTRY_KEY), roles.ROLE_TYPE))
        plan.add(Step(namespace_key, f"Create the namespace in {engine.name}", namespaces.namespace_step(engine.pk),
                      resource_type=namespaces.NAMESPACE_TYPE))
        plan.add(Step(namespaces.service_account_key(engine.pk), f"Create the service account in {engine.name}",
                      namespaces.service_account_step(engine.pk), (namespace_key, role_key),
                      namespaces.SERVICE_ACCOUNT_TYPE))
        plan.add(Step(environment.secret_key(engine.pk), f"Write the runtime variables to {engine.name}",
                      environment.secret_step(engine.pk), (namespace_key, environment.CHECK_KEY),
                      environment.SECRET_TYPE))
        role_steps.append(role_key)

    removal_steps = _add_engine_removals(plan, operation.project, _engines(parameters.get("removing", [])))
    plan.add(Step("bucket-policy", "Restrict the buckets to the project's roles", buckets.put_bucket_policies,
                  (*BUCKET_STEPS, *role_steps, *removal_steps)))
    return plan


def build_variables_plan(operation) -> Plan:
    """Return the plan that writes a Ready project's runtime variables to its engines, and nothing else.

    The project's status does not change; the end of the operation starts another sync when
    the variables changed while it ran.
    """
    plan = Plan(on_success=lifecycle.sync_pending_variables, on_failure=lifecycle.sync_pending_variables)
    plan.add(Step(environment.CHECK_KEY, "Check the size of the runtime variables", environment.check_variables))
    for engine in _engines(operation.parameters.get("engines", [])):
        plan.add(Step(environment.secret_key(engine.pk), f"Write the runtime variables to {engine.name}",
                      environment.secret_step(engine.pk), (environment.CHECK_KEY,), environment.SECRET_TYPE))
    return plan


def _add_engine_removals(plan: Plan, project, engines: list[Engine]) -> list[str]:
    """Add the steps that remove the project's namespace and workload role from engines; return their keys."""
    keys = []
    for engine in engines:
        namespace_step = plan.add(Step(
            f"delete-{namespaces.namespace_key(engine.pk)}", f"Delete the namespace in {engine.name}",
            namespaces.delete_namespace_step(engine.pk), resource_type=namespaces.NAMESPACE_TYPE,
        ))
        role_key = roles.workload_role_key(engine.pk)
        role_step = plan.add(Step(
            f"delete-{role_key}", f"Delete the workload role for {engine.name}",
            roles.delete_role_step(role_key, naming.workload_role_name(project, engine)),
            (namespace_step.key,), roles.ROLE_TYPE,
        ))
        keys.append(role_step.key)
    return keys


def build_delete_plan(operation) -> Plan:
    """Return the plan that deletes a project (or, for a deleted project, purges its retained storage)."""
    parameters = operation.parameters
    if parameters.get("purge_only"):
        plan = Plan(on_success=lifecycle.purge_succeeded, on_failure=lifecycle.purge_failed)
        _add_purge(plan)
        return plan

    plan = Plan(
        on_start=lifecycle.deletion_started,
        on_success=lifecycle.deletion_succeeded,
        on_failure=lifecycle.deletion_failed,
    )
    removals = _add_engine_removals(plan, operation.project, _engines(parameters.get("engines", [])))
    storage_role = plan.add(Step(
        "delete-storage-role", "Delete the storage role",
        roles.delete_role_step(roles.STORAGE_ROLE_KEY, naming.storage_role_name(operation.project)),
        resource_type=roles.ROLE_TYPE,
    ))
    sweep = plan.add(Step("sweep-roles", "Sweep for roles still tagged with the project", roles.sweep_roles,
                          (*removals, storage_role.key)))
    if parameters.get("purge"):
        _add_purge(plan, (sweep.key,))
    else:
        plan.add(Step("lock-buckets", "Keep the buckets, open to the portal's role only", lock_buckets, (sweep.key,)))
    return plan


def _add_purge(plan: Plan, after: tuple[str, ...] = ()) -> None:
    for purpose in naming.BUCKET_PURPOSES:
        plan.add(Step(f"purge-{buckets.bucket_key(purpose)}", f"Empty and delete the {purpose} bucket",
                      buckets.purge_step(purpose), after, buckets.BUCKET_TYPE))
    plan.add(Step("purge-registry", "Delete the container registry and its images", registry.purge_registry, after,
                  registry.REGISTRY_TYPE))


def lock_buckets(context):
    """Leave the retained buckets open to the portal's role only: the project's roles are gone."""
    s3 = context.cloud.client("s3")
    principals = [context.cloud.account.role_arn]
    kept = []
    for name in context.project.bucket_names().values():
        document = buckets.bucket_policy(context.project, context.cloud.partition, name, principals)
        try:
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps(document))
        except ClientError as error:
            if error_code(error) != "NoSuchBucket":
                raise
            continue
        kept.append(name)
    return Done(f"Retained {', '.join(kept)}" if kept else "No bucket to retain")


register_plan(PROJECT_KIND, OperationKind.CREATE, build_plan)
register_plan(PROJECT_KIND, OperationKind.RECONCILE, build_plan)
register_plan(PROJECT_KIND, OperationKind.DELETE, build_delete_plan)
