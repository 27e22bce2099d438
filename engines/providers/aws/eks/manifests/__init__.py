"""Kubernetes manifests kept in the repository, rendered with an engine's values.

Each directory contains one pinned version of one component, as YAML documents with
`${NAME}` placeholders inside string values.
"""

import functools
import re
from pathlib import Path
from string import Template

import yaml

KARPENTER_VERSION = "1.8.1"
DIRECTORY = Path(__file__).resolve().parent
NODE_POOL_FILE = "40-default-node-pool.yaml"
_UNSAFE_VALUE = re.compile(r'["\\\n]')


def karpenter_directory(version: str = KARPENTER_VERSION) -> Path:
    return DIRECTORY / f"karpenter-{version}"


@functools.lru_cache(maxsize=None)
def _parsed(path: Path) -> tuple[dict, ...]:
    # Parsing YAML costs far more than substituting values, so each file is parsed once.
    return tuple(document for document in yaml.safe_load_all(path.read_text(encoding="utf-8")) if document)


def _substitute(value, values: dict[str, str]):
    if isinstance(value, str):
        return Template(value).substitute(values) if "$" in value else value
    if isinstance(value, dict):
        return {_substitute(key, values): _substitute(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, values) for item in value]
    return value


def render_file(path: Path, values: dict[str, str]) -> list[dict]:
    """Return a file's YAML documents with every placeholder replaced; KeyError names a missing value."""
    for name, value in values.items():
        if _UNSAFE_VALUE.search(str(value)):
            raise ValueError(f"The value of {name} contains a quote, backslash or newline: {value!r}")
    return [_substitute(document, values) for document in _parsed(path)]


def karpenter_controller(values: dict[str, str], version: str = KARPENTER_VERSION) -> list[dict]:
    """Return Karpenter's CRDs, namespace, service account, RBAC and controller, in apply order."""
    values = {**values, "KARPENTER_VERSION": version}
    documents = []
    for path in sorted(karpenter_directory(version).glob("*.yaml")):
        if path.name != NODE_POOL_FILE:
            documents += render_file(path, values)
    return documents


def karpenter_node_pool(values: dict[str, str], version: str = KARPENTER_VERSION) -> list[dict]:
    """Return the engine's default EC2NodeClass and NodePool."""
    return render_file(karpenter_directory(version) / NODE_POOL_FILE, {**values, "KARPENTER_VERSION": version})
