"""The engine's resource diagram, drawn as SVG on the server so it reads without JavaScript.

The VPC contains the network (gateway, route table, security group), one column per subnet
with its EFS mount target, and the EKS cluster with its node groups, Karpenter and the
portal's footprint. IAM, the interruption queue and the EFS file system sit beside it.
Every box is coloured by its resource's state and says the state in words as well.
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe

from engines.choices import ResourceState

# (fill, stroke and text) per state.
STATE_COLOURS = {
    ResourceState.PRESENT: ("#d1e7dd", "#0f5132"),
    ResourceState.CREATING: ("#cff4fc", "#055160"),
    ResourceState.PLANNED: ("#f8f9fa", "#6c757d"),
    ResourceState.DELETING: ("#fff3cd", "#664d03"),
    ResourceState.DELETED: ("#e9ecef", "#6c757d"),
    ResourceState.MISSING: ("#f8d7da", "#842029"),
}
BOX_WIDTH = 170
BOX_HEIGHT = 50
GAP = 14
PAD = 16
HEADER = 26
SIDE_WIDTH = BOX_WIDTH + 2 * PAD
LABELS = {
    "vpc": "VPC",
    "internet_gateway": "Internet gateway",
    "route_table": "Route table",
    "route": "Default route",
    "security_group": "Security group",
    "subnet": "Subnet",
    "efs_mount_target": "EFS mount target",
    "eks_cluster": "EKS cluster",
    "node_group": "Node group",
    "karpenter": "Karpenter",
    "karpenter_node_pool": "Karpenter node pool",
    "kube_namespace": "Namespace",
    "kube_service_account": "Service account",
    "kube_cluster_role": "Cluster role",
    "kube_cluster_role_binding": "Role binding",
    "iam_role": "IAM role",
    "instance_profile": "Instance profile",
    "oidc_provider": "OIDC provider",
    "sqs_queue": "Interruption queue",
    "event_rule": "EventBridge rule",
    "efs": "EFS file system",
}


def _colours(state: str) -> tuple[str, str]:
    return STATE_COLOURS.get(state, STATE_COLOURS[ResourceState.PLANNED])


def _detail(resource) -> str:
    data = resource.data or {}
    if resource.type == "route":
        text = f"{resource.cloud_id.partition(':')[2]} via {data.get('gateway', 'gateway')}"
    else:
        text = data.get("name") or data.get("zone") or resource.cloud_id.rsplit("/", 1)[-1] or resource.key
    return text if len(text) <= 24 else text[:23] + "…"


@dataclass
class Box:
    """One resource drawn as a rounded rectangle with its label, a detail and its state."""

    label: str
    detail: str
    state: str
    x: int
    y: int
    width: int = BOX_WIDTH

    def svg(self) -> str:
        fill, stroke = _colours(self.state)
        return (
            f'<g><title>{escape(self.label)}: {escape(self.detail)} ({escape(self.state)})</title>'
            f'<rect x="{self.x}" y="{self.y}" width="{self.width}" height="{BOX_HEIGHT}" rx="6" fill="{fill}" '
            f'stroke="{stroke}"/>'
            f'<text x="{self.x + 8}" y="{self.y + 16}" font-size="12" font-weight="bold" fill="{stroke}">'
            f'{escape(self.label)}</text>'
            f'<text x="{self.x + 8}" y="{self.y + 30}" font-size="10" fill="{stroke}">{escape(self.detail)}</text>'
            f'<text x="{self.x + 8}" y="{self.y + 43}" font-size="10" font-style="italic" fill="{stroke}">'
            f'{escape(self.state)}</text></g>'
        )


def _frame(x: int, y: int, width: int, height: int, title: str, state: str, *, dashed: bool = False) -> str:
    fill, stroke = _colours(state)
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    return (f'<rect x="{x}" y="{y}" width="{width}" height="{height}" rx="10" fill="none" stroke="{stroke}"{dash}/>'
            f'<text x="{x + 10}" y="{y + 18}" font-size="13" font-weight="bold" fill="{stroke}">{escape(title)}</text>')


def _row(resources, x: int, y: int, boxes: list) -> int:
    """Add one box per resource from left to right; return the x after the last one."""
    for resource in resources:
        boxes.append(Box(LABELS.get(resource.type, resource.type), _detail(resource), resource.state, x, y))
        x += BOX_WIDTH + GAP
    return x


def engine_diagram(engine) -> str:
    """Return an SVG of the engine's inventory, or an empty string when it has none."""
    resources = list(engine.resources.order_by("id"))
    if not resources:
        return ""
    by_type: dict[str, list] = {}
    for resource in resources:
        by_type.setdefault(resource.type, []).append(resource)

    def of(*types):
        return [resource for kind in types for resource in by_type.get(kind, [])]

    boxes, parts = [], []
    subnets = of("subnet")
    mount_targets = {resource.data.get("subnet"): resource for resource in of("efs_mount_target")}
    cluster = (of("eks_cluster") or [None])[0]
    in_cluster = [of("node_group"), of("karpenter", "karpenter_node_pool"),
                  of("kube_namespace", "kube_service_account", "kube_cluster_role", "kube_cluster_role_binding")]
    in_cluster = [row for row in in_cluster if row]
    network = of("internet_gateway", "route_table", "route", "security_group")

    def row_width(count: int) -> int:
        return count * BOX_WIDTH + max(count - 1, 0) * GAP

    # The VPC's content: rows of boxes, and the cluster's frame with its own padding around its rows.
    content_width = max(row_width(max(len(subnets), len(network), 1)),
                        row_width(max((len(row) for row in in_cluster), default=0)) + 2 * PAD)
    vpc_x, vpc_y = PAD, PAD
    vpc_width = content_width + 2 * PAD
    y = vpc_y + HEADER + 6

    if network:
        _row(network, vpc_x + PAD, y, boxes)
        y += BOX_HEIGHT + GAP
    if subnets:
        # One column per subnet: the subnet, then its mount target.
        for index, subnet in enumerate(subnets):
            x = vpc_x + PAD + index * (BOX_WIDTH + GAP)
            boxes.append(Box(f"Subnet {index + 1}", _detail(subnet), subnet.state, x, y))
            target = mount_targets.get(subnet.cloud_id)
            if target is not None:
                boxes.append(Box(LABELS["efs_mount_target"], _detail(target), target.state, x, y + BOX_HEIGHT + 8))
        y += BOX_HEIGHT + GAP + (BOX_HEIGHT + 8 if mount_targets else 0)
    if cluster is not None or in_cluster:
        cluster_y = y
        y += HEADER + 6
        for row in in_cluster:
            _row(row, vpc_x + 2 * PAD, y, boxes)
            y += BOX_HEIGHT + GAP
        title = f"EKS cluster {cluster.data.get('name', '')} ({cluster.state})" if cluster else "EKS cluster"
        parts.append(_frame(vpc_x + PAD, cluster_y, content_width, y - cluster_y,
                            title, cluster.state if cluster else ResourceState.PLANNED))
        y += GAP
    vpc_height = y - vpc_y

    vpc = (of("vpc") or [None])[0]
    vpc_title = f"VPC {vpc.cloud_id} ({vpc.data.get('cidr', '')}, {vpc.state})" if vpc else "No VPC (imported or pending)"
    parts.insert(0, _frame(vpc_x, vpc_y, vpc_width, vpc_height, vpc_title,
                           vpc.state if vpc else ResourceState.PLANNED, dashed=True))

    # Beside the VPC: IAM, the interruption queue and its rules, the file system.
    side_x = vpc_x + vpc_width + PAD + 2 * GAP
    side_y = vpc_y
    for title, group in (("IAM", of("iam_role", "instance_profile", "oidc_provider")),
                         ("Interruption queue", of("sqs_queue", "event_rule")),
                         ("Shared file system", of("efs"))):
        if not group:
            continue
        top = side_y
        side_y += HEADER + 6
        for resource in group:
            boxes.append(Box(LABELS.get(resource.type, resource.type), _detail(resource), resource.state,
                             side_x + PAD, side_y))
            side_y += BOX_HEIGHT + 8
        parts.append(_frame(side_x, top, SIDE_WIDTH, side_y - top + 6, title, ResourceState.PRESENT))
        side_y += GAP + 6

    legend_y = max(vpc_y + vpc_height, side_y) + GAP
    legend = ['<g aria-label="Legend">']
    for index, (state, (fill, stroke)) in enumerate(STATE_COLOURS.items()):
        x = PAD + index * 110
        legend.append(f'<rect x="{x}" y="{legend_y}" width="14" height="14" rx="3" fill="{fill}" stroke="{stroke}"/>'
                      f'<text x="{x + 20}" y="{legend_y + 11}" font-size="11" fill="#212529">{state.label}</text>')
    legend.append("</g>")

    width = max(side_x + SIDE_WIDTH + PAD, PAD + len(STATE_COLOURS) * 110)
    height = legend_y + 14 + PAD
    summary = ", ".join(f"{len(items)} {LABELS.get(kind, kind)}" for kind, items in by_type.items())
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="diagram-title diagram-desc" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif">',
        f'<title id="diagram-title">Resource diagram of {escape(engine.name)}</title>',
        f'<desc id="diagram-desc">{escape(summary)}</desc>',
        *parts,
        *(box.svg() for box in boxes),
        *legend,
        "</svg>",
    ]
    return mark_safe("".join(svg))
