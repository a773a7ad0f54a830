"""Which addresses the safe fetcher may connect to: only public ones.

A host is resolved once and EVERY address it resolves to must be public, whatever
spelling the URL used (the resolver turns 2130706433, 0177.0.0.1, 0x7f.1 and 127.1 into
127.0.0.1, so the check sees the address, not the spelling). IPv6 forms that carry an
IPv4 address are judged by the address they carry.
"""

import ipaddress
import socket

from django.conf import settings

# Tunnels and translators that carry an IPv4 address inside an IPv6 one; ipaddress does
# not look inside all of them (e.g. 64:ff9b::10.0.0.1 and 2002:a00:1:: are "global").
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: low 32 bits are the IPv4 address
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: local-use translation
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # RFC 4291 §2.5.5.1, deprecated
SHARED_V4 = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598 carrier-grade NAT
# Special-purpose blocks this Python's ipaddress still calls global (IANA registries).
SPECIAL_PURPOSE = (
    ipaddress.ip_network("192.0.0.0/24"),  # RFC 6890 IETF protocol assignments
    ipaddress.ip_network("192.88.99.0/24"),  # RFC 7526 deprecated 6to4 relay anycast
    ipaddress.ip_network("3fff::/20"),  # RFC 9637 documentation
)


class Unresolvable(Exception):
    """The host name resolves to no address."""


class NotPublic(Exception):
    """The host resolves to an address we must not connect to; the message says why."""


def embedded_ipv4(address):
    """The IPv4 address an IPv6 one carries (mapped, IPv4-compatible, 6to4, NAT64), or None."""
    if address.version != 6:
        return None
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if address in NAT64 or (address in IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def host_identity(address):
    """The one address that stands for a host however it is written: an IPv6 form of an
    IPv4 address counts as that IPv4 address (for per-host limits)."""
    return embedded_ipv4(address) or address


def refusal_reason(address):
    """Why we must not connect to `address` (an ipaddress object), or None when it is public."""
    allow_loopback = getattr(settings, "BLOGCMS_FETCH_ALLOW_LOOPBACK", False)
    if address.version == 6:
        if address in LOCAL_NAT64:
            return "a local-use NAT64 address"
        if address.teredo:
            return "a Teredo tunnel address"
        embedded = embedded_ipv4(address)
        if embedded is not None:
            reason = refusal_reason(embedded)
            return f"an IPv6 form of {embedded}, {reason}" if reason else None
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    for flag in ("unspecified", "private", "link_local", "multicast", "reserved"):
        if getattr(address, f"is_{flag}"):
            return f"a {flag.replace('_', '-')} address"
    if address.version == 6 and address.is_site_local:
        return "a site-local address"
    if address.version == 4 and address in SHARED_V4:
        return "a shared (carrier-grade NAT) address"
    if any(address in network for network in SPECIAL_PURPOSE):
        return "a special-purpose address"
    if not address.is_global:
        return "not a global address"
    return None


def resolve_public(host, port):
    """The first address `host` resolves to, once every address it resolves to is checked."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolvable(f"cannot resolve {host}: {exc}") from exc
    return _first_public(host, infos)


def literal_public(host, port):
    """The address `host` spells (IPv6, or IPv4 in any form inet_aton reads: 127.1,
    0x7f.1, 2130706433), once checked; None when `host` is a name. Never a DNS lookup:
    AI_NUMERICHOST makes the resolver read the host as a number or fail."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError):
        return None
    return _first_public(host, infos)


def _first_public(host, infos):
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if reason := refusal_reason(address):
            raise NotPublic(f"{host} is {reason} ({address})")
        addresses.append(address)
    if not addresses:
        raise Unresolvable(f"cannot resolve {host}")
    return addresses[0]
