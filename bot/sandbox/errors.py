"""Errors answered on the wire in Telegram's own shape."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error: becomes `{"ok": false, "error_code", "description", "parameters"?}`."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """Return the JSON body Telegram sends for this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    """Return a 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {detail}")


def chat_not_found() -> ApiError:
    """Return Telegram's answer for an unknown chat."""
    return bad_request("chat not found")


def blocked_by_user() -> ApiError:
    """Return Telegram's answer when the person blocked the bot."""
    return ApiError(403, "Forbidden: bot was blocked by the user")


def too_many_requests(retry_after: int) -> ApiError:
    """Return Telegram's flood-control answer."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


class ClientError(Exception):
    """An error of the /sandbox/ client API: becomes `{"ok": false, "error": ...}` with a status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
