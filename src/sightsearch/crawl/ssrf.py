"""SSRF guard for URLs that come from clients (seed URLs): only public http(s) hosts, unless explicitly allowed.

A host is refused when *any* of its addresses is loopback, private, link-local, multicast, reserved, unspecified
or a cloud metadata endpoint: an attacker controls their DNS and can return a public and a private address at once.
Refusals say *that* a host is not allowed, never where it resolves (no DNS oracle for clients).

The check of a URL (``url_guard``) runs before every request; the connection itself goes through
``PinnedResolver``, which resolves the name once and hands the connector only checked addresses, so a
DNS-rebinding host cannot answer "public" to the check and "127.0.0.1" to the connection. TLS still verifies the
certificate and sends SNI for the host name, and the Host header is the URL's.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

import aiohttp.abc

from sightsearch.errors import PermanentFetchError, SightSearchError

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str], list[str]]

ALLOWED_SCHEMES = ("http", "https")
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"})
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"))


class UnsafeUrlError(SightSearchError):
    """A client URL that must not be fetched; ``reason`` is a short machine-readable word, the message says why."""

    def __init__(self, url: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.url, self.reason = url, reason


def resolve_host(host: str) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6), as strings."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]).split("%")[0] for info in infos})


def address_problem(address: IpAddress) -> str | None:
    """Why ``address`` is not a public address a crawler may fetch, or None when it is. An IPv6 address that
    carries an IPv4 one (mapped, 6to4, Teredo, NAT64, IPv4-compatible) is as public as the worse of the two:
    ``2002:7f00:1::`` is routed to 127.0.0.1 where a 6to4 relay or a NAT64 gateway is in the path."""
    for inner in embedded_ipv4(address):
        if (problem := address_problem(inner)) is not None:
            return problem
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return None  # ::ffff:a.b.c.d is a.b.c.d, checked above
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    checks = (("loopback", address.is_loopback), ("private", address.is_private),
              ("link-local", address.is_link_local), ("multicast", address.is_multicast),
              ("reserved", address.is_reserved), ("unspecified", address.is_unspecified))
    for name, hit in checks:
        if hit:
            return f"a {name} address"
    return None if address.is_global else "not a public address"


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def embedded_ipv4(address: IpAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries and may be translated to on the way; none for IPv4."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    found = [inner for inner in (address.ipv4_mapped, address.sixtofour) if inner is not None]
    if address.teredo is not None:
        found.extend(address.teredo)  # (server, client)
    if any(address in network for network in _NAT64) or (address in _IPV4_COMPATIBLE and int(address) > 1):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def parse_allow_list(entries: Iterable[str]) -> tuple[frozenset[str], tuple[IpNetwork, ...]]:
    """Split allow-list entries into host names and networks (an IP is a one-address network)."""
    names: set[str] = set()
    networks: list[IpNetwork] = []
    for entry in entries:
        entry = entry.strip().lower()
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            names.add(entry)
    return frozenset(names), tuple(networks)


def check_public_url(url: str, allow: Iterable[str] = (), resolve: Resolver = resolve_host) -> str:
    """Return ``url`` when it is http(s) and every address of its host is public or allowed; else raise.

    ``allow`` lists host names (exact, case-insensitive) and IPs/CIDRs that may be reached although not public,
    e.g. ``["127.0.0.1"]`` for the demo shop. Raises ``UnsafeUrlError`` with a reason and a clear message.
    """
    host = _host_of(url)
    names, networks = parse_allow_list(allow)
    if host in names:
        return url
    if host in METADATA_HOSTS:
        raise UnsafeUrlError(url, "metadata_host", f"{host} is a cloud metadata endpoint: {url}")
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = _resolve(url, host, resolve)
    refuse_private(url, host, addresses, networks)
    return url


def refuse_private(url: str, host: str, addresses: list[IpAddress], networks: tuple[IpNetwork, ...]) -> None:
    """Raise ``UnsafeUrlError`` unless every address is public or in an allowed network. The message names the
    host, never the address it resolved to."""
    for address in addresses:
        problem = address_problem(address)
        if problem and not any(address in network for network in networks):
            if _is_literal(host):  # the client wrote the address itself: saying what it is reveals nothing
                raise UnsafeUrlError(url, "private_address", f"{host} is {problem}, not allowed for URLs from clients: {url}")
            raise UnsafeUrlError(url, "not_public", not_public_message(host, url))


async def check_public_url_async(url: str, allow: Iterable[str] = (), resolve: Resolver = resolve_host) -> str:
    """``check_public_url`` with the DNS lookup in a thread, for event loops."""
    return await asyncio.to_thread(check_public_url, url, tuple(allow), resolve)


def _host_of(url: str) -> str:
    if any(ord(character) < 0x20 or ord(character) == 0x7F for character in url.strip()):
        # A NUL cuts a host name short in getaddrinfo ("localhost\x00.evil.com" is localhost); CR/LF split headers.
        raise UnsafeUrlError(url, "malformed", f"URL contains control characters: {url!r}")
    try:
        parts = urlsplit(url.strip())
        if parts.port == 0:
            raise ValueError("port 0")
    except ValueError as err:
        raise UnsafeUrlError(url, "malformed", f"not a valid URL ({err}): {url!r}") from err
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        scheme = parts.scheme or "no scheme"
        raise UnsafeUrlError(url, "scheme", f"only http and https URLs can be crawled, not {scheme!r}: {url}")
    if not parts.hostname:
        raise UnsafeUrlError(url, "malformed", f"URL has no host: {url}")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrlError(url, "credentials", f"URLs with credentials are not accepted: {url}")
    return parts.hostname.lower().rstrip(".")


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def not_public_message(host: str, url: str) -> str:
    """One message for a name that resolves to a private address and for one that does not resolve at all, so a
    client cannot map the internal network's names through refusals."""
    return f"{host} is not a public host reachable from here, not allowed for URLs from clients: {url}"


def _resolve(url: str, host: str, resolve: Resolver) -> list[IpAddress]:
    try:
        found = resolve(host)
    except (OSError, UnicodeError):
        raise UnsafeUrlError(url, "not_public", not_public_message(host, url)) from None
    if not found:
        raise UnsafeUrlError(url, "not_public", not_public_message(host, url))
    return [ipaddress.ip_address(address) for address in found]


class PinnedResolver(aiohttp.abc.AbstractResolver):
    """Connects only to addresses it checked itself: aiohttp's connector connects only to the addresses its
    resolver returns, and this one returns them only after checking every one (unless the name is allowed). IP literals never reach a resolver;
    the URL check before each request covers them."""

    def __init__(self, allow: Iterable[str] = (), resolve: Resolver = resolve_host) -> None:
        self.names, self.networks = parse_allow_list(allow)
        self.resolve_name = resolve

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[aiohttp.abc.ResolveResult]:
        url = f"//{host}:{port}"
        try:
            addresses = await asyncio.to_thread(_resolve, url, host, self.resolve_name)
            if host.lower().rstrip(".") not in self.names:
                refuse_private(url, host, addresses, self.networks)
        except UnsafeUrlError as err:
            raise PermanentFetchError(f"refused by the SSRF guard: {err}") from None
        return [{"hostname": host, "host": str(address), "port": port, "proto": 0, "flags": socket.AI_NUMERICHOST,
                 "family": socket.AF_INET6 if address.version == 6 else socket.AF_INET} for address in addresses]

    async def close(self) -> None:
        """Nothing to release: lookups run in the default thread pool."""


class SsrfGuard:
    """The SSRF guard of a client-submitted run: ``await guard(url)`` before every request (redirect hops,
    robots.txt and images included), and ``guard.resolver()`` for connections pinned to checked addresses (pages
    and images share the aiohttp session kind of ``crawl.http.client_session``)."""

    def __init__(self, allow: Iterable[str] = ()) -> None:
        self.allow = tuple(allow)

    async def __call__(self, url: str) -> None:
        try:
            await check_public_url_async(url, self.allow)
        except UnsafeUrlError as err:
            raise PermanentFetchError(f"refused by the SSRF guard: {err}") from None

    def resolver(self) -> PinnedResolver:
        """An aiohttp resolver that refuses private addresses when connections are made (the page fetcher's)."""
        return PinnedResolver(self.allow)


def url_guard(allow: Iterable[str] = ()) -> SsrfGuard:
    """A fetcher guard (see ``sightsearch.crawl.guard``): every request of a client-submitted run, redirect hops
    and images included, must reach a public address or an allowed one; others fail permanently, with the reason."""
    return SsrfGuard(allow)
