"""A small typed async client of the /sandbox/ API, for tests, benchmarks and demo scripts."""

from __future__ import annotations

import base64
import io
import json
from types import TracebackType
from typing import Any

import aiohttp


class SandboxClientError(Exception):
    """The sandbox answered a client API call with an error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class SandboxClient:
    """Plays people against a running sandbox: `async with SandboxClient(url) as people: ...`."""

    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, verb: str, path: str, body: dict[str, Any] | None = None,
                    params: dict[str, str] | None = None) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        payload = None if body is None else io.BytesIO(json.dumps(body).encode())  # large bodies stream
        headers = {"Content-Type": "application/json"} if payload is not None else None
        async with self._session.request(verb, f"{self.base_url}/sandbox/{path}", data=payload, headers=headers,
                                         params=params) as response:
            data: dict[str, Any] = await response.json(content_type=None)
        if not data.get("ok"):
            raise SandboxClientError(response.status, str(data.get("error")))
        return data

    async def add_user(self, user_id: int | None, first_name: str, *, last_name: str | None = None,
                       username: str | None = None, language_code: str | None = None,
                       about: str | None = None) -> dict[str, Any]:
        """Create or update a person (their private chat id is their user id); with no id, a new person with the
        id the sandbox chooses (the next after everyone's); `about` is a note the page shows under their name."""
        body = {"id": user_id, "first_name": first_name, "last_name": last_name, "username": username,
                "language_code": language_code, "about": about}
        user: dict[str, Any] = (await self._call("POST", "users", body))["user"]
        return user

    async def users(self) -> list[dict[str, Any]]:
        """Return every person."""
        users: list[dict[str, Any]] = (await self._call("GET", "users"))["users"]
        return users

    async def send_text(self, user_id: int, text: str, *, reply_to: int | None = None,
                        entities: list[dict[str, Any]] | None = None,
                        forward_from: dict[str, Any] | None = None) -> dict[str, Any]:
        """The person writes `text` (a reply to message `reply_to`, with formatting `entities`, or forwarded:
        `forward_from={"user_id": n}` or `{"sender_user_name": s}`); returns update_id and message_id, and
        `parts` when a text over 4,096 characters became several messages."""
        body = {"text": text, "reply_to_message_id": reply_to, "entities": entities, "forward_from": forward_from}
        return await self._call("POST", f"users/{user_id}/messages", {k: v for k, v in body.items() if v is not None})

    async def send(self, user_id: int, kind: str, spec: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """The person sends a sticker, voice note, video, round video message, location or contact: `send(7,
        "location", {"latitude": 14.7, "longitude": -17.4})`, `send(7, "video", {"duration": 20, "file_name":
        "site.mp4"}, caption="The tower")`; `extra` takes reply_to_message_id, forward_from, caption."""
        return await self._call("POST", f"users/{user_id}/messages", {kind: spec, **extra})

    async def edit_text(self, user_id: int, message_id: int, text: str) -> dict[str, Any]:
        """The person edits a text they sent (the bot gets an edited_message update)."""
        return await self._call("POST", f"users/{user_id}/messages/{message_id}/edit", {"text": text})

    async def send_document(self, user_id: int, content: bytes, file_name: str,
                            mime_type: str = "application/octet-stream",
                            caption: str | None = None) -> dict[str, Any]:
        """The person sends a file."""
        document = {"file_name": file_name, "mime_type": mime_type,
                    "content_base64": base64.b64encode(content).decode()}
        return await self._call("POST", f"users/{user_id}/messages", {"document": document, "caption": caption})

    async def send_photo(self, user_id: int, content: bytes, caption: str | None = None) -> dict[str, Any]:
        """The person sends a picture."""
        photo = {"content_base64": base64.b64encode(content).decode()}
        return await self._call("POST", f"users/{user_id}/messages", {"photo": photo, "caption": caption})

    async def send_album(self, user_id: int, files: list[tuple[str, bytes, str | None]],
                         caption: str | None = None) -> dict[str, Any]:
        """The person sends several files at once, as one album: `files` are ("photo" | "document", content, file
        name); the bot gets one message each, sharing a `media_group_id`. Returns `parts` (each update_id and
        message_id) and the `media_group_id`."""
        items = [{kind: {"content_base64": base64.b64encode(content).decode(),
                         **({"file_name": name} if kind == "document" and name else {})}}
                 for kind, content, name in files]
        return await self._call("POST", f"users/{user_id}/messages", {"album": items, "caption": caption})

    async def press(self, user_id: int, message_id: int, callback_data: str) -> dict[str, Any]:
        """The person presses the inline button with `callback_data` under a bot message."""
        body = {"message_id": message_id, "callback_data": callback_data}
        return await self._call("POST", f"users/{user_id}/press", body)

    async def chat(self, user_id: int, since: int = 0, wait: float = 0.0,
                   instance: str | None = None) -> dict[str, Any]:
        """Return `{"messages": [...], "last_seq": n, "instance": i}`: messages changed after `since` (waiting up to
        `wait` s, unless `instance` is not the server's: then `since` was another server's, or before a reset)."""
        params = {"since": str(since), "wait": str(wait), **({"instance": instance} if instance else {})}
        return await self._call("GET", f"users/{user_id}/chat", params=params)

    async def commands(self, user_id: int) -> list[dict[str, str]]:
        """Return the command menu ("/") Telegram shows the person: the narrowest scope the bot set, their language
        first."""
        found: list[dict[str, str]] = (await self._call("GET", f"users/{user_id}/commands"))["commands"]
        return found

    async def callback_answers(self, user_id: int) -> list[dict[str, Any]]:
        """Return the bot's answers to the person's button presses."""
        answers: list[dict[str, Any]] = (await self._call("GET", f"users/{user_id}/callback_answers"))["answers"]
        return answers

    async def wait_idle(self, timeout: float = 10.0, quiet_ms: int = 200) -> bool:
        """Wait until every update was fetched and the bot made no call for quiet_ms."""
        return bool((await self._call("POST", "wait_idle", {"timeout": timeout, "quiet_ms": quiet_ms}))["idle"])

    async def stats(self) -> dict[str, Any]:
        """Return calls per method, rate_limited, errors per code and updates_pending."""
        return await self._call("GET", "stats")

    async def set_limits(self, **limits: float | None) -> dict[str, Any]:
        """Change rate limits (global_per_second, per_chat_per_second, per_group_per_minute, ...)."""
        result: dict[str, Any] = (await self._call("POST", "limits", dict(limits)))["limits"]
        return result

    async def set_faults(self, error_rate: float = 0.0, timeout_rate: float = 0.0, seed: int = 0,
                         hang_seconds: float | None = None) -> dict[str, Any]:
        """Inject 500/502 answers and hung requests into the Bot API side."""
        body = {"error_rate": error_rate, "timeout_rate": timeout_rate, "seed": seed, "hang_seconds": hang_seconds}
        result: dict[str, Any] = (await self._call("POST", "faults", body))["faults"]
        return result

    async def reset(self) -> None:
        """Forget people, chats, updates and counters."""
        await self._call("POST", "reset")

    async def block(self, user_id: int) -> None:
        """The person blocks the bot."""
        await self._call("POST", f"users/{user_id}/block")

    async def unblock(self, user_id: int) -> None:
        """The person unblocks the bot."""
        await self._call("POST", f"users/{user_id}/unblock")

    async def advance_clock(self, seconds: float) -> dict[str, Any]:
        """Move the bot's test clock ahead (the sandbox and bot run with P2C_TEST_CLOCK_FILE); offset and now."""
        return await self._call("POST", "clock", {"advance_seconds": seconds})

    async def clock(self) -> dict[str, Any]:
        """The test clock's offset in seconds and the moved time."""
        return await self._call("GET", "clock")

    async def held(self) -> dict[str, Any]:
        """The messages the bot holds for later, per chat (only when its runner tells the sandbox: p2c-bot sandbox)."""
        return await self._call("GET", "held")
