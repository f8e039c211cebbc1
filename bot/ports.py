"""Ports `p2c-bot run` will listen on, tried before anything starts."""

from __future__ import annotations

import errno
import socket

from bot.config import ConfigError


def ensure_free(host: str, port: int, prefix: str) -> None:
    """Raise a one-line ConfigError naming the variables (`prefix`_HOST, `prefix`_PORT) when `host:port` cannot be
    listened on.

    The webhook and metrics servers bind only after the instance has joined the scheduler's election and started
    its jobs: a port taken then (a second instance on the same port) ended in hundreds of lines of tracebacks.
    Binding a throwaway socket first, as the server will (SO_REUSEADDR, every address the host resolves to),
    turns that into one line. Another process may still take the port in between; that rare case keeps its
    traceback.
    """
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise ConfigError(f"{prefix}_HOST={host}: cannot listen on {host}:{port} ({error.strerror}).") from None
    for family, kind, protocol, _, address in addresses:
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    raise ConfigError(f"{prefix}_PORT={port}: cannot listen on {host}:{port}, another process "
                                      "(another instance?) listens there: stop it or give another port.") from None
                raise ConfigError(f"{prefix}_HOST={host}: cannot listen on {host}:{port} ({error.strerror}).") from None
