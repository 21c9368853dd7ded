"""The autouse guard refuses traffic that would leave loopback."""

from __future__ import annotations

import socket

import pytest


def test_tcp_connect_off_loopback_is_refused() -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s,
        pytest.raises(ConnectionRefusedError, match="network guard"),
    ):
        s.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed


def test_udp_send_off_loopback_is_refused() -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s,
        pytest.raises(ConnectionRefusedError, match="network guard"),
    ):
        s.sendto(b"x", ("198.51.100.7", 53))


def test_loopback_is_allowed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=2):
            conn, _ = server.accept()
            conn.close()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"x", ("127.0.0.1", 9))
