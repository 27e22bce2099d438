"""The pre-flight plan of an AWS cloud account: one step per check, for an engine kind and mode."""

from engines.choices import EngineMode, OperationKind, Provider
from engines.provisioning.registry import register_plan
from engines.provisioning.steps import Plan, Step

from . import identity, permissions, quotas, region
from .base import ASSUME_STEP, check_step


def preflight_plan(operation) -> Plan:
    """Return the checks for the operation's engine kind and mode. Quotas are checked in create mode only."""
    account = operation.cloud_account
    if account.provider != Provider.AWS:
        raise LookupError(f"No pre-flight plan exists for {account.get_provider_display()} cloud accounts yet.")
    kind = operation.parameters.get("kind", "")
    mode = operation.parameters.get("mode", "")
    label = f"{kind.upper()} {mode}"

    plan = Plan()
    plan.add(Step(ASSUME_STEP, "Assume the role with this account's ExternalId", check_step(identity.assume_role)))
    after_assume = (ASSUME_STEP,)
    plan.add(Step("trust-policy", "Trust policy requires this account's ExternalId",
                  check_step(identity.trust_policy), after_assume))
    plan.add(Step("caller-identity", "Caller identity is in the role ARN's account",
                  check_step(identity.caller_identity), after_assume))
    plan.add(Step("region", f"Region {account.default_region} is enabled", check_step(region.region_enabled),
                  after_assume))
    plan.add(Step("permissions", f"Role has the {label} permissions",
                  check_step(permissions.required_permissions), after_assume))
    if mode == EngineMode.CREATE:
        plan.add(Step("quotas", "Quotas leave room for the engine", check_step(quotas.quotas_allow_engine),
                      after_assume))
    return plan


# Operations of a cloud account, not of an engine, are registered under the kind "cloud_account".
register_plan("cloud_account", OperationKind.PREFLIGHT, preflight_plan)
