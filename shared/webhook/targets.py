"""Where webhooks may go (SSRF defence): ``https`` to public addresses only.

Checked at registration for fast feedback, and again whenever the sender opens a connection,
on the addresses the name resolves to *then* (DNS rebinding): the sender's resolver is this
module, so the check and the connection see the same IP.
``TONGXIN_WEBHOOK_ALLOW_PRIVATE_TARGETS`` lifts both rules for local development and tests.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from shared.errors import Invalid

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ranges Python does not already call non-global, named so the intent reads here.
_ALWAYS_BLOCKED = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "100.64.0.0/10",  # CGNAT
        "169.254.0.0/16",  # link-local, cloud metadata 169.254.169.254
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved
        "255.255.255.255/32",
        "64:ff9b::/96",  # NAT64: embeds an IPv4 address we would not otherwise vet
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "ff00::/8",  # multicast
    )
)


class BlockedTarget(Exception):
    """The URL points (or now resolves) somewhere webhooks must not go."""


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is not None:
            return is_public(embedded)
    if any(address in network for network in _ALWAYS_BLOCKED if network.version == address.version):
        return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def parse(url: str, *, allow_private: bool) -> tuple[str, str, int]:
    """(scheme, host, port) of an acceptable URL, else ``BlockedTarget`` saying why."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BlockedTarget(f"not a valid URL: {exc}") from exc
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise BlockedTarget("the URL must use https")
    if parts.username is not None or parts.password is not None:
        raise BlockedTarget("the URL must not carry a user name or password")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise BlockedTarget("the URL has no host")
    if not allow_private and (host == "localhost" or host.endswith(".localhost")):
        raise BlockedTarget("localhost is not a public address")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the name resolves to now (in a thread: getaddrinfo blocks)."""
    infos = await asyncio.to_thread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def check_url(url: str, *, allow_private: bool) -> tuple[str, str, int]:
    """The checks that need no DNS: scheme, credentials, host, and a literal address's range.
    Returns (scheme, host, port)."""
    scheme, host, port = parse(url, allow_private=allow_private)
    literal = _literal(host)
    if literal is not None and not allow_private and not is_public(literal):
        raise BlockedTarget(f"{host} is not a public address")
    return scheme, host, port


async def addresses(host: str, port: int, *, allow_private: bool) -> list[IPAddress]:
    """Every address ``host`` has now, if all of them are public (or private ones allowed)."""
    literal = _literal(host)
    if literal is not None:
        found = [literal]
    else:
        try:
            found = await resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise BlockedTarget(f"{host} does not resolve") from exc
    if not found:
        raise BlockedTarget(f"{host} does not resolve")
    if not allow_private:
        blocked = [str(a) for a in found if not is_public(a)]
        if blocked:
            raise BlockedTarget(f"{host} resolves to a non-public address ({blocked[0]})")
    return found


async def check_registration(url: str, *, allow_private: bool) -> None:
    """The registration-time check, as a 422 on the ``url`` field."""
    try:
        _, host, port = check_url(url, allow_private=allow_private)
        await addresses(host, port, allow_private=allow_private)
    except BlockedTarget as exc:
        raise Invalid(f"url: {exc}.", loc=["body", "url"]) from exc
