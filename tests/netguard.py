"""A pytest plugin: a test that opens a connection to anything but this machine fails.

An autouse fixture wraps `socket.socket.connect`, `connect_ex` and
`socket.create_connection`. The address is checked before the real call, so nothing
leaves the machine; loopback (127.0.0.0/8, ::1, `localhost`) and Unix sockets pass.
Client libraries often turn any exception into their own network error and carry on
(Mastodon.py does), so the guard also remembers each refusal and fails the test at its
end even when the error was swallowed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class ExternalConnection(ConnectionRefusedError):
    """A test tried to reach a host that is not this machine."""


def is_local(address: object) -> bool:
    """True for a Unix socket path or an (host, port, …) tuple whose host is loopback."""
    if isinstance(address, str | bytes):
        return True  # AF_UNIX
    if not isinstance(address, tuple) or not address:
        return False
    host = str(address[0]).split("%")[0]
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name other than localhost would need DNS: not local
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


@pytest.fixture(autouse=True)
def netguard(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Refuse non-loopback connections for the test; fail it if any was attempted."""
    refused: list[str] = []

    def check(address: object) -> None:
        if not is_local(address):
            refused.append(repr(address))
            raise ExternalConnection(
                f"netguard: tests may only connect to loopback, not {address!r}"
            )

    def guard(real: Callable[..., Any]) -> Callable[..., Any]:
        def connect(self: socket.socket, address: Any) -> Any:
            if self.family in (socket.AF_INET, socket.AF_INET6):
                check(address)
            return real(self, address)

        return connect

    real_create = socket.create_connection

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        check(address)
        return real_create(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guard(socket.socket.connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guard(socket.socket.connect_ex))
    monkeypatch.setattr(socket, "create_connection", create_connection)
    yield refused
    if refused:
        pytest.fail("netguard: the test tried to connect to " + ", ".join(refused), pytrace=False)
