"""The Bot API endpoint: token check, body parsing, dispatch to the method table, Telegram's answers."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from bot.sandbox.errors import ApiError
from bot.sandbox.methods import METHODS, coerce_args
from bot.sandbox.runtime import Sandbox
from bot.sandbox.state import Upload
from bot.sandbox.validation import lone_surrogate_in

SANDBOX: web.AppKey[Sandbox] = web.AppKey("sandbox", Sandbox)
_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_NOT_FOUND = ApiError(404, "Not Found")
_UNAUTHORIZED = ApiError(401, "Unauthorized")


def answer(payload: dict[str, Any], status: int = 200) -> web.Response:
    """Return a JSON response the way Telegram writes it."""
    return web.Response(body=_DUMPS(payload).encode(), status=status, content_type="application/json")


def error_answer(sb: Sandbox, error: ApiError) -> web.Response:
    """Count and return a Bot API error."""
    sb.world.stats.errors[error.code] += 1
    return answer(error.payload(), error.code)


async def read_args(request: web.Request) -> dict[str, Any]:
    """Merge the query string with a JSON, form-urlencoded or multipart body into one dict."""
    args: dict[str, Any] = dict(request.query) if request.query_string else {}
    if not request.body_exists:
        return args
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = json.loads(await request.read() or b"{}")
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON encoded request") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: JSON encoded request must be an object")
        args.update(body)
    elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form: MultiDictProxy[Any] = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                args[key] = Upload(value.filename, value.content_type, value.file.read())
            else:
                args[key] = value
    if lone_surrogate_in(args) is not None:
        raise ApiError(400, "Bad Request: strings must be encoded in UTF-8")
    return args


async def call_method(sb: Sandbox, name: str, raw: dict[str, Any]) -> Any:
    """Run one Bot API method by name with raw arguments; raise ApiError as Telegram would answer."""
    spec = METHODS.get(name.lower())
    if spec is None:
        raise _NOT_FOUND
    world = sb.world
    world.stats.calls[spec.name] += 1
    args = coerce_args(spec, raw)
    if spec.name == "getUpdates":
        result = await spec.handler(sb, args)
        if result:
            world.last_activity = time.monotonic()
        return result
    world.busy += 1
    try:
        return await spec.handler(sb, args)
    finally:
        world.busy -= 1
        world.last_activity = time.monotonic()


async def _injected_fault(sb: Sandbox) -> ApiError | None:
    kind = sb.faults.draw()
    if kind is None:
        return None
    if kind == "timeout":
        await asyncio.sleep(sb.faults.hang_seconds)
        return ApiError(504, "Gateway Timeout")
    if sb.faults.rng.random() < 0.5:
        return ApiError(500, "Internal Server Error")
    return ApiError(502, "Bad Gateway")


async def handle_bot_api(request: web.Request) -> web.Response:
    """POST|GET /bot<token>/<method>."""
    sb = request.app[SANDBOX]
    if request.match_info["token"] != sb.token:
        return error_answer(sb, _UNAUTHORIZED)
    name = request.match_info["method"]
    if name.lower() not in METHODS:
        return error_answer(sb, _NOT_FOUND)
    try:
        if sb.faults.active:
            fault = await _injected_fault(sb)
            if fault is not None:
                raise fault
        raw = await read_args(request)
        result = await call_method(sb, name, raw)
    except ApiError as error:
        return error_answer(sb, error)
    except web.HTTPRequestEntityTooLarge:
        return error_answer(sb, ApiError(413, "Request Entity Too Large"))
    return answer({"ok": True, "result": result})


async def handle_file(request: web.Request) -> web.StreamResponse:
    """GET /file/bot<token>/<file_path>: the bytes of a stored file."""
    sb = request.app[SANDBOX]
    if request.match_info["token"] != sb.token:
        return error_answer(sb, _UNAUTHORIZED)
    stored = sb.world.files_by_path.get(request.match_info["path"])
    if stored is None:
        return error_answer(sb, _NOT_FOUND)
    return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")
