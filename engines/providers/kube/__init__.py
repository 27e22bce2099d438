"""In-cluster work for every engine kind: Kubernetes clients with renewable tokens, and server-side apply.

The portal never loads a kubeconfig: each provider builds a client from its cloud API
(for EKS, `engines.providers.kube.eks.eks_client`).
"""
