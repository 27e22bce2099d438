"""The engine's resource diagram, drawn as SVG on the server so it reads without JavaScript."""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe

from engines.choices import ResourceState

STATE_COLOURS = {
    ResourceState.PRESENT: ("#d1e7dd", "#0f5132"),
    ResourceState.CREATING: ("#cff4fc", "#055160"),
    ResourceState.PLANNED: ("#f8f9fa", "#6c757d"),
    ResourceState.DELETING: ("#fff3cd", "#664d03"),
    ResourceState.DELETED: ("#e9ecef", "#adb5bd"),
    ResourceState.MISSING: ("#f8d7da", "#842029"),
}
BOX_WIDTH = 170
BOX_HEIGHT = 44
GAP = 16


@dataclass
class Box:
    label: str
    detail: str
    state: str
    x: int
    y: int

    def svg(self) -> str:
        fill, stroke = STATE_COLOURS.get(self.state, STATE_COLOURS[ResourceState.PLANNED])
        return (
            f'<g><title>{escape(self.label)}: {escape(self.detail)} ({escape(self.state)})</title>'
            f'<rect x="{self.x}" y="{self.y}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="6" fill="{fill}" '
            f'stroke="{stroke}"/>'
            f'<text x="{self.x + 8}" y="{self.y + 18}" font-size="12" font-weight="bold" fill="{stroke}">'
            f'{escape(self.label)}</text>'
            f'<text x="{self.x + 8}" y="{self.y + 34}" font-size="10" fill="{stroke}">{escape(self.detail[:26])}</text></g>'
        )


ROWS = [
    ("Network", ["internet_gateway", "route_table", "route"]),
    ("Subnets", ["subnet"]),
    ("Cluster", ["eks_cluster", "oidc_provider", "karpenter"]),
    ("Compute", ["node_group", "instance_profile", "iam_role"]),
    ("Services", ["sqs_queue", "efs"]),
]
LABELS = {
    "internet_gateway": "Internet gateway",
    "route_table": "Route table",
    "route": "Default route",
    "subnet": "Subnet",
    "eks_cluster": "EKS cluster",
    "oidc_provider": "OIDC provider",
    "karpenter": "Karpenter",
    "node_group": "Node group",
    "instance_profile": "Instance profile",
    "iam_role": "IAM role",
    "sqs_queue": "Interruption queue",
    "efs": "EFS",
}


def engine_diagram(engine) -> str:
    """Return an SVG of the engine's inventory: the VPC around its network, cluster and services."""
    resources = list(engine.resources.all())
    if not resources:
        return ""
    by_type: dict[str, list] = {}
    for resource in resources:
        by_type.setdefault(resource.type, []).append(resource)

    boxes = []
    y = 40
    for _title, types in ROWS:
        row = [resource for kind in types for resource in by_type.get(kind, [])]
        if not row:
            continue
        for column, resource in enumerate(row):
            detail = resource.data.get("zone") or resource.data.get("name") or resource.cloud_id.rsplit("/", 1)[-1]
            boxes.append(Box(LABELS.get(resource.type, resource.type), detail, resource.state,
                             20 + column * (BOX_WIDTH + GAP), y))
        y += BOX_HEIGHT + GAP

    width = max(box.x for box in boxes) + BOX_WIDTH + 20
    height = y + 10
    vpc = by_type.get("vpc", [None])[0]
    vpc_state = vpc.state if vpc else ResourceState.PLANNED
    fill, stroke = STATE_COLOURS.get(vpc_state, STATE_COLOURS[ResourceState.PLANNED])
    vpc_label = f"VPC {vpc.cloud_id} ({vpc.data.get('cidr', '')})" if vpc else "No VPC (imported or pending)"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Resource diagram of {escape(engine.name)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif">',
        f'<rect x="4" y="4" width="{width - 8}" height="{height - 8}" rx="10" fill="none" stroke="{stroke}" '
        f'stroke-dasharray="6 4"/>',
        f'<text x="16" y="26" font-size="13" font-weight="bold" fill="{stroke}">{escape(vpc_label)}</text>',
        *(box.svg() for box in boxes),
        "</svg>",
    ]
    return mark_safe("".join(parts))
