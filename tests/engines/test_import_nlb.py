"""The NLB address check against the sandbox: the rule for public addresses, then the account's load balancers."""

import pytest

from tests.engines.import_helpers import failed_rows, import_engine, latest_operation
from tests.engines.import_helpers import prepared  # noqa: F401  (a fixture of these tests)

pytestmark = pytest.mark.django_db(transaction=True)

# (address, words of the reason its row gives)
NOT_PUBLIC = [
    ("10.0.4.7", "a private address (10.0.0.0/8, RFC 1918)"),
    ("100.64.3.2", "in the shared address space 100.64.0.0/10"),
    ("169.254.10.20", "a link-local address (169.254.0.0/16)"),
    ("203.0.113.10", "in the documentation range 203.0.113.0/24"),
    ("2001:db8::5", "in the documentation range 2001:db8::/32"),
]


def nlb_row(engine):
    return latest_operation(engine).steps.get(key="nlb-address")


def test_addresses_that_are_not_public_rejected(prepared, sync_tasks):
    for index, (address, reason) in enumerate(NOT_PUBLIC):
        engine = import_engine(prepared, name=f"engine-{index}", nlb_ip=address)

        row = nlb_row(engine)
        assert row.result == "fail", address
        assert row.detail.startswith(f"{address} is not a public address: it is {reason}"), row.detail
        assert "public address of its network load balancer" in row.fix


def test_foreign_address_rejected(prepared, sync_tasks):
    engine = import_engine(prepared, nlb_ip="34.240.0.10")

    row = nlb_row(engine)
    assert failed_rows(latest_operation(engine)) == {"nlb-address"}
    assert row.detail == ("34.240.0.10 is not an address of any network load balancer of account 123456789012 in "
                          "eu-west-1.")


def test_load_balancer_outside_cluster_rejected(prepared, aws_sandbox, sync_tasks):
    ec2, elbv2 = aws_sandbox.client("ec2", prepared.region), aws_sandbox.client("elbv2", prepared.region)
    subnets = [prepared.resources["subnet-1"], prepared.resources["subnet-2"]]
    other = elbv2.create_load_balancer(Name="other", Type="network", Scheme="internet-facing",
                                       Subnets=subnets)["LoadBalancers"][0]
    allocation = ec2.allocate_address(Domain="vpc", Address="52.17.0.20")["AllocationId"]
    interface = ec2.create_network_interface(
        SubnetId=subnets[0], Description="ELB " + other["LoadBalancerArn"].split(":loadbalancer/")[1])
    ec2.associate_address(AllocationId=allocation,
                          NetworkInterfaceId=interface["NetworkInterface"]["NetworkInterfaceId"])

    engine = import_engine(prepared, nlb_ip="52.17.0.20")

    row = nlb_row(engine)
    assert row.result == "fail"
    assert "belongs to network load balancer other" in row.detail
    assert "no LoadBalancer Service of cluster research has that ingress hostname" in row.detail
    assert "ingress-nginx/ingress-nginx-controller" in row.detail


def test_cluster_address_accepted(prepared, sync_tasks):
    engine = import_engine(prepared)

    row = nlb_row(engine)
    assert row.result == "pass"
    assert row.detail == (f"{prepared.nlb_ip} belongs to network load balancer "
                          f"{prepared.resources['nlb'].split('/')[-2]}, the ingress of Service "
                          "ingress-nginx/ingress-nginx-controller")
