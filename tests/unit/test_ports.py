"""The ports `run` will listen on are tried first: one line naming the variable, never a traceback."""

from __future__ import annotations

import socket

import pytest

from bot.config import ConfigError
from bot.ports import ensure_free


def test_a_port_another_process_listens_on_names_the_port_variable() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=rf"^P2C_WEBHOOK_PORT={port}: .*another process"):
            ensure_free("127.0.0.1", port, "P2C_WEBHOOK")
    ensure_free("127.0.0.1", port, "P2C_WEBHOOK")  # free again: nothing raised, nothing kept open


def test_an_address_not_of_this_host_names_the_host_variable() -> None:
    with pytest.raises(ConfigError, match=r"^P2C_METRICS_HOST=192\.0\.2\.1: cannot listen"):
        ensure_free("192.0.2.1", 9100, "P2C_METRICS")  # TEST-NET-1: no interface has it
