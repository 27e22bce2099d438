"""Import of an existing EKS cluster: checks of what the administrator built, and the import and re-check plans.

One module per concern: the cluster, access to its Kubernetes API, the network, the
nodes, Karpenter, storage, the NLB address and egress. Importing the package registers
the plans for (eks, import) and (eks, check).
"""

from .plan import eks_check_plan, eks_import_plan

__all__ = ["eks_check_plan", "eks_import_plan"]
