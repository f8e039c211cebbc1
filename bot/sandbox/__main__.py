"""`python -m bot.sandbox [--host H] [--port P] [--token T] [--no-limits]`: only the sandbox server."""

from __future__ import annotations

import argparse

from bot.sandbox.limits import Limits
from bot.sandbox.server import run_server


def port(text: str) -> int:
    """A TCP port, 0 to 65535: argparse says so in one line where the socket would raise OverflowError."""
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (0 to 65535)")
    return port


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run the server until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=port, default=8080, help="0 picks a free port (printed at start)")
    parser.add_argument("--token", default=None, help="the bot token to accept (default: a fixed one)")
    parser.add_argument("--no-limits", action="store_true", help="never answer 429 (benchmarks)")
    args = parser.parse_args(argv)
    run_server(args.host, args.port, args.token, limits=Limits.unlimited() if args.no_limits else None)


if __name__ == "__main__":
    main()
