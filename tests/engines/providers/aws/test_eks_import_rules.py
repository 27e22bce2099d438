"""Rules of the import checks that need no cloud: the NLB address rule, NLB addresses, egress hostnames."""

import pytest
from django.test import override_settings

from engines.providers.aws.eks_import.addresses import public_address_error
from engines.providers.aws.eks_import.egress import egress_hostnames, read_results
from engines.providers.aws.eks_import.nlb import listed_addresses
from engines.providers.aws.eks_import.storage import shared_access

# (address, words of the reason)
REJECTED = [
    ("10.1.2.3", "a private address (10.0.0.0/8, RFC 1918)"),
    ("172.20.0.1", "a private address (172.16.0.0/12, RFC 1918)"),
    ("192.168.1.1", "a private address (192.168.0.0/16, RFC 1918)"),
    ("100.64.0.1", "in the shared address space 100.64.0.0/10"),
    ("100.127.255.254", "in the shared address space 100.64.0.0/10"),
    ("127.0.0.1", "a loopback address (127.0.0.0/8)"),
    ("169.254.169.254", "a link-local address (169.254.0.0/16)"),
    ("192.0.2.10", "in the documentation range 192.0.2.0/24"),
    ("198.51.100.7", "in the documentation range 198.51.100.0/24"),
    ("203.0.113.1", "in the documentation range 203.0.113.0/24"),
    ("224.0.0.1", "a multicast address (224.0.0.0/4)"),
    ("240.0.0.1", "in the reserved range 240.0.0.0/4"),
    ("0.0.0.0", "in 0.0.0.0/8"),
    ("255.255.255.255", "the broadcast address"),
    ("198.18.0.1", "in the reserved range 198.18.0.0/15"),
    ("::", "the unspecified address"),
    ("::1", "the loopback address"),
    ("fe80::1", "a link-local address (fe80::/10)"),
    ("fd00::1", "a unique local address (fc00::/7)"),
    ("ff02::1", "a multicast address (ff00::/8)"),
    ("2001:db8::1", "in the documentation range 2001:db8::/32"),
]


@pytest.mark.parametrize(("address", "reason"), REJECTED, ids=[address for address, _ in REJECTED])
def test_address_rule_names_reason(address, reason):
    error = public_address_error(address)

    assert error is not None
    assert error.startswith(f"{address} is not a public address: it is {reason}")


@pytest.mark.parametrize("address", ["52.16.0.10", "34.240.0.10", "100.128.0.1", "2a05:d018::1"])
def test_global_unicast_address_accepted(address):
    assert public_address_error(address) is None


def test_address_rule_rejects_text():
    assert public_address_error("nlb.example.com") == (
        "'nlb.example.com' is not an IP address: give the NLB's public IPv4 address, such as 52.16.10.20.")


def test_listed_addresses_read_every_zone():
    balancer = {"AvailabilityZones": [
        {"ZoneName": "eu-west-1a", "LoadBalancerAddresses": [{"IpAddress": "52.16.0.10", "AllocationId": "a"}]},
        {"ZoneName": "eu-west-1b", "LoadBalancerAddresses": [{"IPv6Address": "2a05:d018::1"}]},
        {"ZoneName": "eu-west-1c"},
    ]}

    assert listed_addresses(balancer) == {"52.16.0.10", "2a05:d018::1"}


@override_settings(AUTH0_DOMAIN="tenant.eu.auth0.com", AICHOR_PORTAL_URL="https://portal.aichor.ai",
                   AICHOR_EGRESS_HOSTNAMES=["*.aichor.ai", "Portal.aichor.ai."])
def test_egress_hostnames_from_settings():
    assert egress_hostnames() == ["tenant.eu.auth0.com", "portal.aichor.ai", "*.aichor.ai"]


@override_settings(AUTH0_DOMAIN="", AICHOR_PORTAL_URL="http://127.0.0.1:8000", AICHOR_EGRESS_HOSTNAMES=["localhost"])
def test_egress_hostnames_skip_local_names():
    assert egress_hostnames() == []


def test_probe_log_read_per_host():
    log = "reached a.example.com\nunreachable b.example.com\nnoise\n"

    assert read_results(log) == {"a.example.com": True, "b.example.com": False}


@pytest.mark.parametrize(("provisioner", "shared"), [
    ("efs.csi.aws.com", True), ("ebs.csi.aws.com", False), ("kubernetes.io/aws-ebs", False), ("example.com/x", None),
])
def test_storage_class_read_write_many(provisioner, shared):
    assert shared_access({"provisioner": provisioner})[0] is shared
