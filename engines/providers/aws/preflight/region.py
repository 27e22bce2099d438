"""Region check: the account's default region exists and is enabled for the account."""

from .base import Outcome

ENABLED = ("opt-in-not-required", "opted-in")
ENABLING = "opting-in"


def region_enabled(context, target) -> Outcome:
    """Read the regions with their opt-in status (ec2:DescribeRegions with AllRegions) and find ours."""
    regions = target.client("ec2").describe_regions(AllRegions=True)["Regions"]
    status = {region["RegionName"]: region.get("OptInStatus", "") for region in regions}
    region = target.region
    enable_fix = (
        f"Enable {region} for account {target.account_id} (AWS console, Account, AWS Regions; it can take "
        "minutes), or choose an enabled default region for this cloud account."
    )

    if region not in status:
        return Outcome.failed(
            f"Region {region} is not among the {len(status)} regions that account {target.account_id} can see.",
            "Choose a region that the account offers.",
        )
    if status[region] in ENABLED:
        return Outcome.passed(f"Region {region} is enabled for account {target.account_id} ({status[region]}).")
    if status[region] == ENABLING:
        return Outcome.warning(f"Region {region} is being enabled for account {target.account_id}.",
                               "Run pre-flight again in a few minutes.")
    return Outcome.failed(
        f"Region {region} is not enabled for account {target.account_id} (opt-in status {status[region]}).",
        enable_fix,
    )
