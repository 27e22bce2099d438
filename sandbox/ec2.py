"""EC2 tag lookups in constant time, in front of moto.

moto 5.2.5 reads one EC2 resource's tags by scanning the tags of every resource in the
region, and does so for each resource a Describe call filters by tag. With a few hundred
engines in one sandbox, a single DescribeSecurityGroups took a third of a second (measured
on the development machine, 2 cores, with 200 VPCs). The sandbox reads a resource's tags
from moto's own index instead; the results are the same.
"""


def read_tags_by_resource_id() -> None:
    """Make moto look up an EC2 resource's tags by its id instead of scanning every tag."""
    from moto.ec2.models.core import TaggedEC2Resource
    from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE, get_prefix

    if getattr(TaggedEC2Resource, "_aichor_patched", False):
        return

    def get_tags(self) -> list[dict[str, str]]:
        resource_id = getattr(self, "id", None)
        if not resource_id:
            return []
        tags = self.ec2_backend.tags.get(resource_id, {})
        resource_type = EC2_PREFIX_TO_RESOURCE.get(get_prefix(resource_id), "")
        return [{"resource_id": resource_id, "key": key, "value": value, "resource_type": resource_type}
                for key, value in tags.items()]

    TaggedEC2Resource.get_tags = get_tags
    TaggedEC2Resource._aichor_patched = True
