"""The project plans: buckets, registry, roles and namespaces, built and removed through the runner."""
