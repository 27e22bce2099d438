"""The rule for the NLB's address: a global unicast IP address, with the reason when it is not.

Python's `ipaddress` flags tell whether an address is private, loopback and so on, but
count the documentation ranges as private and name no range. The tables below name the
range that an address falls in, so that the message names the rule it breaks.
"""

import ipaddress

# (network, what it is), checked in order before the generic flags.
NAMED_RANGES = [
    (ipaddress.ip_network("0.0.0.0/8"), "in 0.0.0.0/8, which means 'this network' and is never routed"),
    (ipaddress.ip_network("127.0.0.0/8"), "a loopback address (127.0.0.0/8)"),
    (ipaddress.ip_network("169.254.0.0/16"), "a link-local address (169.254.0.0/16)"),
    (ipaddress.ip_network("100.64.0.0/10"), "in the shared address space 100.64.0.0/10 (carrier-grade NAT, RFC 6598)"),
    (ipaddress.ip_network("192.0.2.0/24"), "in the documentation range 192.0.2.0/24 (RFC 5737)"),
    (ipaddress.ip_network("198.51.100.0/24"), "in the documentation range 198.51.100.0/24 (RFC 5737)"),
    (ipaddress.ip_network("203.0.113.0/24"), "in the documentation range 203.0.113.0/24 (RFC 5737)"),
    (ipaddress.ip_network("10.0.0.0/8"), "a private address (10.0.0.0/8, RFC 1918)"),
    (ipaddress.ip_network("172.16.0.0/12"), "a private address (172.16.0.0/12, RFC 1918)"),
    (ipaddress.ip_network("192.168.0.0/16"), "a private address (192.168.0.0/16, RFC 1918)"),
    (ipaddress.ip_network("192.0.0.0/24"), "in the reserved range 192.0.0.0/24 (IETF protocol assignments)"),
    (ipaddress.ip_network("198.18.0.0/15"), "in the reserved range 198.18.0.0/15 (network benchmarking)"),
    (ipaddress.ip_network("224.0.0.0/4"), "a multicast address (224.0.0.0/4)"),
    (ipaddress.ip_network("255.255.255.255/32"), "the broadcast address"),
    (ipaddress.ip_network("240.0.0.0/4"), "in the reserved range 240.0.0.0/4"),
    (ipaddress.ip_network("::/128"), "the unspecified address (::)"),
    (ipaddress.ip_network("::1/128"), "the loopback address (::1)"),
    (ipaddress.ip_network("::ffff:0:0/96"), "an IPv4-mapped address (::ffff:0:0/96): give the IPv4 address itself"),
    (ipaddress.ip_network("fe80::/10"), "a link-local address (fe80::/10)"),
    (ipaddress.ip_network("2001:db8::/32"), "in the documentation range 2001:db8::/32 (RFC 3849)"),
    (ipaddress.ip_network("fc00::/7"), "a unique local address (fc00::/7), which is private"),
    (ipaddress.ip_network("ff00::/8"), "a multicast address (ff00::/8)"),
]


class InvalidAddress(ValueError):
    """The value is not an IP address at all."""


def parse_address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """Return the IP address that `value` spells, or raise InvalidAddress naming the value."""
    text = (value or "").strip()
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise InvalidAddress(
            f"{text!r} is not an IP address: give the NLB's public IPv4 address, such as 52.16.10.20."
        ) from None


def address_problem(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Return why an address is not a global unicast address, or None when it is one."""
    for network, reason in NAMED_RANGES:
        if address.version == network.version and address in network:
            return reason
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "not a globally routable address"
    return None


def public_address_error(value: str) -> str | None:
    """Return the message for an NLB address that breaks the rule, or None when it is a global unicast address."""
    try:
        address = parse_address(value)
    except InvalidAddress as error:
        return str(error)
    problem = address_problem(address)
    if problem is None:
        return None
    return (f"{address} is not a public address: it is {problem}. The NLB's address must be a global unicast "
            "address that clients on the internet can reach.")
