"""Plans by engine kind and operation kind, and the error classifier of each provider.

A provider module registers its builders at import; the runner looks them up
here, so it stays free of any cloud's code.
"""

from collections.abc import Callable

from engines.provisioning.steps import Plan

_PLAN_BUILDERS: dict[tuple[str, str], Callable] = {}
_CLASSIFIERS: dict[str, Callable] = {}
_SESSION_FACTORIES: dict[str, Callable] = {}


def register_plan(engine_kind: str, operation_kind: str, builder: Callable) -> None:
    """Register `builder(operation) -> Plan` for an engine kind and an operation kind."""
    _PLAN_BUILDERS[(engine_kind, operation_kind)] = builder


def register_provider(provider: str, *, classify: Callable, session_factory: Callable) -> None:
    """Register a provider's error classifier and its cloud-session factory."""
    _CLASSIFIERS[provider] = classify
    _SESSION_FACTORIES[provider] = session_factory


def _load_providers() -> None:
    # Importing a provider's plans module registers its builders.
    import engines.providers.aws.eks_import  # noqa: F401
    import engines.providers.aws.plans  # noqa: F401
    import engines.providers.aws.preflight  # noqa: F401


def build_plan(operation) -> Plan:
    _load_providers()
    if operation.project_id:
        kind = "project"
    elif operation.engine_id:
        kind = operation.engine.kind
    else:
        kind = "cloud_account"
    try:
        builder = _PLAN_BUILDERS[(kind, operation.kind)]
    except KeyError:
        raise LookupError(f"No {operation.kind} plan is registered for {kind} engines.") from None
    return builder(operation)


def provider_of(operation) -> str:
    """Return the provider of an operation's cloud account."""
    return account_of(operation).provider


def account_of(operation):
    """Return the cloud account an operation works in (a project's is its default engine's)."""
    if operation.project_id:
        return operation.project.default_engine.cloud_account
    if operation.engine_id:
        return operation.engine.cloud_account
    return operation.cloud_account


def classifier(provider: str) -> Callable:
    _load_providers()
    return _CLASSIFIERS[provider]


def session_factory(provider: str) -> Callable:
    _load_providers()
    return _SESSION_FACTORIES[provider]
