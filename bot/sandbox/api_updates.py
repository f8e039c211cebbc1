"""Bot API handlers for the bot itself and its updates: getMe, getUpdates and the webhook methods."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.runtime import Sandbox
from bot.sandbox.state import DEFAULT_ALLOWED, Webhook

WEBHOOK_CONFLICT = ("Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


async def get_me(sb: Sandbox, args: dict[str, Any]) -> Any:
    """getMe: the bot's own User object."""
    return sb.me


async def log_out(sb: Sandbox, args: dict[str, Any]) -> Any:
    """logOut: nothing to log out of offline; Telegram answers True."""
    return True


async def close(sb: Sandbox, args: dict[str, Any]) -> Any:
    """close: Telegram answers True."""
    return True


def _allowed(sb: Sandbox, args: dict[str, Any]) -> None:
    if "allowed_updates" not in args:
        return  # Telegram keeps the previous setting
    kinds = args["allowed_updates"]
    if not all(isinstance(kind, str) for kind in kinds):
        raise bad_request("can't parse allowed_updates JSON object")
    sb.world.updates.allowed = frozenset(kinds) if kinds else DEFAULT_ALLOWED


async def get_updates(sb: Sandbox, args: dict[str, Any]) -> Any:
    """getUpdates: confirm updates below offset, then return up to limit, long-polling for timeout s."""
    if sb.world.webhook.url:
        raise ApiError(409, WEBHOOK_CONFLICT)
    queue = sb.world.updates
    _allowed(sb, args)
    if "offset" in args:
        queue.confirm(args["offset"])
    limit = min(100, max(1, args.get("limit", 100)))
    updates = queue.take(limit)
    timeout = max(0, args.get("timeout", 0))
    if not updates and timeout:
        await sb.long_poll(timeout)
        updates = queue.take(limit)
    return updates


async def set_webhook(sb: Sandbox, args: dict[str, Any]) -> Any:
    """setWebhook: switch to webhook delivery (an empty url switches back to getUpdates)."""
    url = args.get("url", "")
    if not url:
        return await delete_webhook(sb, args)
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = args.get("secret_token")
    if secret is not None and not _SECRET.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    connections = args.get("max_connections", 40)
    if not 1 <= connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    _allowed(sb, args)
    if args.get("drop_pending_updates"):
        sb.world.updates.clear()
    sb.world.webhook = Webhook(url=url, secret_token=secret, max_connections=connections,
                               ip_address=args.get("ip_address"))
    sb.interrupt_poll("Conflict: terminated by setWebhook request")
    sb.webhook_wakeup.set()
    return True


async def delete_webhook(sb: Sandbox, args: dict[str, Any]) -> Any:
    """deleteWebhook: go back to getUpdates, optionally dropping pending updates."""
    sb.world.webhook = Webhook()
    if args.get("drop_pending_updates"):
        sb.world.updates.clear()
    return True


async def get_webhook_info(sb: Sandbox, args: dict[str, Any]) -> Any:
    """getWebhookInfo: the webhook settings and delivery state."""
    hook = sb.world.webhook
    info: dict[str, Any] = {"url": hook.url, "has_custom_certificate": False,
                            "pending_update_count": len(sb.world.updates.items)}
    if not hook.url:
        return info
    info["max_connections"] = hook.max_connections
    if hook.ip_address:
        info["ip_address"] = hook.ip_address
    if hook.last_error_date is not None:
        info["last_error_date"] = hook.last_error_date
        info["last_error_message"] = hook.last_error_message
    if sb.world.updates.allowed != DEFAULT_ALLOWED:
        info["allowed_updates"] = sorted(sb.world.updates.allowed)
    return info
