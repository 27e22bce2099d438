"""Pre-flight checks of an AWS cloud account, run as an operation by the provisioning runner.

One module per concern: identity (assume the role, its trust policy, the caller's
account), region, permissions (simulation, or the role's own policies), and quotas.
"""

from .plan import preflight_plan

__all__ = ["preflight_plan"]
