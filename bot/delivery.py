"""The one door out: outbox rows rendered in the recipient's language and sent to Telegram.

Two ways in, one way out. Interactive replies are written by the journey already marked
"sending" and pushed here after their transaction commits, so they go out at once (fast path).
Everything else is claimed from the outbox in priority order. Each chat's messages go out in
order, paced to Telegram's limits; outcomes are recorded in batches. Failures are told apart: a
blocked person is marked and not retried; "retry after" waits as long as Telegram asks; other
failures back off a few times. Rows still "sending" after a crash are sent again at start.

This module is the sending loop and its pacing; the outbox protocol it follows (statuses, leases,
claims, priorities, recording outcomes) is models.repositories.outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from bot.chatlocks import ChatLocks
from bot.i18n import Rendered, Renderer, Upload
from bot.logs import Spell
from bot.metrics import RETRY_AFTER, SEND_RESULTS
from bot.pacing import Pacer
from bot.refusals import explain_refusal
from handlers.broadcasts.composer import as_received
from handlers.language import negotiate
from handlers.messages import Reply, reply_from_json
from models.clock import utcnow
from models.database import Database, UnitOfWork
from models.repositories.broadcasts import Broadcasts
from models.repositories.outbox import SENDING_LEASE, Attempt, Due, Earlier, OutboxRows, Queued, open_earlier
from models.repositories.subscriptions import Files
from models.values import OutboxStatus

log = logging.getLogger(__name__)

EDITED_GONE = re.compile(r"message to edit not found|message can't be edited", re.IGNORECASE)
"""Telegram's refusals of an edit whose message its reader deleted, or that can no longer be edited."""
MAX_ATTEMPTS = 5
"""Failed tries after which a message Telegram cannot take, while it answers others, is given up (`_failed`)."""
OUTAGE_ATTEMPTS = MAX_ATTEMPTS + 24 * 60
"""Failed tries after which a message is given up even while Telegram answers nobody: about a day of tries a minute
apart (MAX_BACKOFF). An outage is waited out: giving up after five tries, half a minute, lost for good every reply,
reminder and broadcast in flight when Telegram or the network was away for longer."""
MAX_BATCH = 250
"""Rows claimed at once: a second's worth at the global rate, between BATCH and this. The next claim
starts as soon as a batch has its slots, so a quarter second's worth keeps a fast limit busy while
holding fewer rows in memory, and a notice enqueued during a broadcast waits behind fewer of them."""
MAX_BACKOFF = 60.0
BATCH = 50
PER_CHAT_PER_CLAIM = 10
"""Rows of one chat taken at once: at about one a second per chat, all go out well within the lease."""
SWEEP_EVERY = 60.0
"""Seconds between looks for rows whose sending lease ran out (their worker died)."""
OWN_SWEEP_EVERY = 5.0
"""Seconds between looks for rows this instance took and lost on the way (it takes them back at once)."""
START_HOLD = 30.0
"""Seconds at most that a chat with replies left unsent at a stop holds its new replies behind them."""
HELD_BEHIND = 1.0
"""Seconds before a row that was behind one given back to the outbox is looked at again."""
HOLD_GRACE = 10.0
"""Seconds after its retry time that a row given back holds its chat's later rows, if it does not come back sooner
(another instance may have sent it)."""
HELD_CHECK_AFTER = SENDING_LEASE.total_seconds() / 2
"""Seconds after which a claimed row is checked to be still this instance's before it is sent (`_still_mine`)."""
LONGEST_TURN = 10.0
"""Seconds at most that a chat's turn is waited for while its rows are held: a longer pause (a 429's retry-after,
received here or by another instance) gives them back to the outbox until it ends. Ten rows of a chat waiting
that long each still go out well within their lease (SENDING_LEASE)."""
RECORD_EVERY = 0.02
"""Seconds outcomes gather before they are recorded together (one transaction for all of them)."""
RECORD_EVERY_SQLITE = 0.25
"""On SQLite the recorder shares the one connection with every update: fewer, larger records leave it to
the people (an outcome recorded later only keeps its row `sending` a little longer, well within its lease)."""


class DeliveryError(Exception):
    """A message could not be sent."""


class RecipientGoneError(DeliveryError):
    """The person blocked the bot or the chat does not exist: do not retry."""


class RetryLaterError(DeliveryError):
    """Telegram asked to wait `seconds` before trying again."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class TokenRefusedError(DeliveryError):
    """Telegram refused the bot's token (401, or 404 for a token it does not know): the bot, not the message, is
    refused, as while BotFather's /revoke waits for every instance to restart with the new token. Kept and tried
    again, as in an outage."""


class RejectedError(DeliveryError):
    """Telegram refused the request itself (a bad request): retrying would not help."""


class ConflictError(DeliveryError):
    """getUpdates refused (409 Conflict): a webhook is set for the token, or another process polls with it."""


class Sender(Protocol):
    """What delivery needs from a Bot API client."""

    async def send(self, chat_id: int, message: Rendered) -> int:
        """Send a message and return Telegram's message id."""
        ...

    async def edit(self, chat_id: int, message_id: int, message: Rendered) -> None:
        """Replace the text and buttons of a message sent before."""
        ...

    async def acknowledge(self, callback_query_id: str, text: str | None = None) -> None:
        """Answer a pressed button's callback query.

        Called by the adapter directly, not through the outbox: an acknowledgement is not a message to a
        person but the end of the button's spinner; it must come within seconds (Telegram then refuses
        it), has no chat to pace or retry, and nothing is lost if it fails (the spinner stops by itself).
        """
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


@dataclass
class DeliveryStats:
    """Counts since start, for logs and tests."""

    sent: int = 0
    failed: int = 0
    unreachable: int = 0


class DeliveryWorker:
    """Sends outbox rows: pushed ones at once, due ones in priority order; `wake()` makes it look now."""

    def __init__(self, database: Database, renderer: Renderer, sender: Sender, default_locale: str = "en",
                 pacer: Pacer | None = None) -> None:
        self.database = database
        self.pacer = pacer or Pacer()
        self.renderer = renderer
        self.sender = sender
        self.default_locale = default_locale
        self.stats = DeliveryStats()
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._chat_locks = ChatLocks()
        self._held: dict[int, tuple[int, float]] = {}
        """Chats whose earlier row went back to the outbox for a retry: that row's id, and until when at most."""
        self._finished: set[int] = set()
        """Rows this instance sent (or that failed for good) whose outcome is not recorded yet."""
        self._yielded: dict[int, int] = {}
        """Pushed rows given back behind a row open at another instance (`_yield`), not recorded yet: id -> chat."""
        self._mine: set[int] = set()
        """Rows this instance is sending or has sent without recording it yet: all others it took, it lost."""
        self._unanswered_since: float | None = None
        """When sending began to fail without Telegram answering anything since (an outage), else None."""
        self.started = asyncio.Event()
        """Set once `run` has recovered the rows left in flight and begun sending."""
        self._pushing = asyncio.Event()
        """Clear while `run` recovers the rows left in flight: a reply pushed meanwhile waits, not to overtake them."""
        self._pushing.set()
        self._pushes: set[asyncio.Task[None]] = set()
        self._sending: set[asyncio.Task[None]] = set()
        self._outcomes: list[Attempt] = []
        self._recorded = asyncio.Event()
        self._broadcasts: dict[int, tuple[dict[str, str], str, tuple[str, str] | None]] = {}
        self._broadcast_renders: dict[tuple[int, str], Rendered] = {}
        """Each broadcast as its readers of one language get it, rendered for the first of them (thousands share it)."""
        self._batch = max(BATCH, min(MAX_BATCH, int(self.pacer.limits.global_per_second)))
        # once per outage, not every second (the first failure with its traceback: it may be a defect)
        self._claiming = Spell(log, "could not claim outbox rows; trying again every second",
                               "outbox rows are claimed again", traceback=True)
        self._recording = Spell(log, "could not record delivery outcomes; they are kept and recorded later",
                                "delivery outcomes are recorded again", traceback=True)
        self._renewing = Spell(log, "could not check that messages held long are still this instance's; sending them",
                               "messages held long are checked again", traceback=True)

    @property
    def _among_others(self) -> bool:
        """Whether other instances may deliver from this database at any moment: on PostgreSQL, always. The order of a
        chat's replies is then kept through the outbox (`_open_elsewhere`, claims `among_others`), whatever the
        heartbeats last counted (bot.shared_pacing): an instance learns of one started beside it only at its next
        heartbeat, while that one's first replies already wait in the outbox for its start (START_WAIT); a reply
        pushed here meanwhile without looking overtook them (a rolling restart's first seconds)."""
        return not self.database.is_sqlite

    def wake(self) -> None:
        """Something was enqueued: look at the outbox now."""
        self._wakeup.set()

    def push(self, items: list[Queued]) -> None:
        """Send rows that their journey already committed as "sending" (interactive replies)."""
        if not items:
            return
        self._mine.update(item.id for item in items)
        task = asyncio.get_running_loop().create_task(self._push(items))
        self._pushes.add(task)
        task.add_done_callback(self._pushes.discard)

    async def _push(self, items: list[Queued]) -> None:
        await self._pushing.wait()
        await self._send_in_order(items)

    def stop(self) -> None:
        """Finish what is being sent and leave the loop."""
        self._stopping = True
        self._wakeup.set()

    async def run(self, idle_poll: float = 1.0, sweep_every: float = SWEEP_EVERY) -> None:
        """Recover rows left in flight, then loop until stopped, sending what is due.

        The next batch is claimed as soon as the last row of the current one has its turn, while
        those rows are still on the wire: at a thousand messages a second, waiting for a batch's
        last answers before claiming the next would leave the limit unused for that long.
        """
        self._pushing.clear()
        try:
            await self.recover()
            await self._hold_chats_with_replies_waiting()
        finally:
            self._pushing.set()
        self.started.set()
        every = RECORD_EVERY_SQLITE if self.database.is_sqlite else RECORD_EVERY
        recorder = asyncio.create_task(self._record_continuously(every), name="delivery-recorder")
        loop = asyncio.get_running_loop()
        swept = own_swept = loop.time()
        try:
            while not self._stopping:
                try:
                    if loop.time() - swept >= sweep_every:
                        swept = loop.time()
                        await self.recover(expired_only=True)
                    if loop.time() - own_swept >= OWN_SWEEP_EVERY:
                        own_swept = loop.time()
                        await self.take_back_own()
                    sent, wait, sending = await self._dispatch_due()
                except Exception as error:  # the database is away (restarting, say): try again in a moment
                    self._claiming.failed(error)
                    await asyncio.sleep(idle_poll)
                    continue
                self._claiming.passed()
                for task in sending:
                    self._sending.add(task)
                    task.add_done_callback(self._sending.discard)
                if sent == 0 and not self._stopping:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wakeup.wait(), timeout=min(idle_poll, wait))
                    self._wakeup.clear()
        finally:
            await self.drain()
            recorder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recorder
            await self._flush_outcomes()

    async def _hold_chats_with_replies_waiting(self) -> None:
        """Replies left unsent at a stop go before any new reply of their chat: a new one pushed at once overtook
        them, and after a restart people found a question they had answered below the answer to the next one
        (restart tester). Their chats are held as behind a retry (`_behind`), until they are sent or START_HOLD."""
        async with self.database.uow() as uow:
            waiting = await OutboxRows(uow.session).waiting_replies(utcnow())
        until = self._now() + START_HOLD
        for chat_id, row_id in waiting.items():
            self._held[chat_id] = (row_id, until)

    async def drain(self) -> None:
        """Wait for pushed and claimed rows to be sent and every outcome to be recorded."""
        while self._pushes or self._sending:
            await asyncio.gather(*self._pushes, *self._sending, return_exceptions=True)
        await self._flush_outcomes()

    async def recover(self, *, expired_only: bool | None = None) -> int:
        """Rows left "sending" by a worker that stopped go back to pending (at most these may go out twice).

        At start on SQLite, all of them: one process sends, and it is this one. With PostgreSQL,
        another instance may be sending some right now, so only rows whose lease (SENDING_LEASE)
        has run out; the run loop sweeps those every SWEEP_EVERY seconds on either backend.
        """
        expired = not self.database.is_sqlite if expired_only is None else expired_only
        async with self.database.uow() as uow:
            count = await OutboxRows(uow.session).release(utcnow(), expired_only=expired)
            await uow.commit()
        if count:
            log.warning("rows left in flight by a stopped worker are sent again", extra={"count": count})
        return count + (await self.take_back_own() if expired_only is None and expired else 0)

    async def take_back_own(self) -> int:
        """Rows this instance took but no longer holds go back to pending now, without waiting out their lease.

        The instance is `database.instance`: a random identity per process unless configured (P2C_INSTANCE_ID),
        so after a restart only a configured, stable identity recognises the rows taken before it.
        """
        async with self.database.uow() as uow:
            count = await OutboxRows(uow.session).release_own(self.database.instance, utcnow(), set(self._mine))
            await uow.commit()
        if count:
            log.warning("rows this instance took and lost on the way are sent again", extra={"count": count})
        return count

    async def send_due(self) -> tuple[int, float]:
        """Claim a batch of due rows, send them and record the outcomes.

        Returns how many rows were handled and how long until a paced row may go.
        """
        count, wait, sending = await self._dispatch_due()
        await asyncio.gather(*sending)
        await self._flush_outcomes()
        return count, wait

    async def _dispatch_due(self) -> tuple[int, float, list[asyncio.Task[None]]]:
        """Claim a batch of due rows and start sending them (chats in parallel, each chat in order).

        Returns once every claimed chat has its first slot: the count, how long until a paced row may
        go, and the sending tasks.
        """
        claimed, wait = await self._claim()
        by_chat: dict[int, list[Queued]] = {}
        for item in claimed:
            by_chat.setdefault(item.chat_id, []).append(item)
        sending: list[asyncio.Task[None]] = []
        for items in by_chat.values():  # each chat's first row queues for a global slot like a pushed reply
            if (paused := await self.pacer.turn(items[0].chat_id, LONGEST_TURN)) > 0:
                self._give_back(items, paused)
                continue
            sending.append(asyncio.create_task(self._send_in_order(items, first_booked=True)))
        return len(claimed), wait, sending

    async def _claim(self) -> tuple[list[Queued], float]:
        """Take due rows for sending, in priority order; the rows of chats that must wait anyway wait in the outbox.

        Plain rows rather than ORM objects: a claim reads up to a thousand rows a second.
        """
        per_chat: Counter[int] = Counter()
        wait = float("inf")

        def must_wait(chat_id: int) -> float:
            nonlocal wait
            delay = self.pacer.chat_delay(chat_id)
            if delay > 0:  # its rows read are postponed until then, out of the way of the next claims
                wait = min(wait, delay)
            return delay

        def admit(row: Due) -> bool:
            per_chat[row.chat_id] += 1
            return per_chat[row.chat_id] <= PER_CHAT_PER_CLAIM  # sent well within the lease, one a second

        async with self.database.uow() as uow:
            taken = await OutboxRows(uow.session).claim(utcnow(), self._batch, admit, must_wait,
                                                        among_others=self._among_others)
            await self._load_broadcasts(uow, {row.payload["broadcast"] for row in taken if "broadcast" in row.payload})
            await uow.commit()
        self._mine.update(row.id for row in taken)
        claimed = [Queued(row.id, row.chat_id, row.contact_id, row.payload,
                          negotiate(row.language, row.telegram_language, self.default_locale)
                          if row.contact_id is not None else row.payload.get("locale") or self.default_locale,
                          row.attempts + 1, bulk=True, taken_at=time.time())
                   for row in taken]
        return claimed, wait

    async def _load_broadcasts(self, uow: UnitOfWork, ids: set[int]) -> None:
        """Remember the texts of broadcasts (they never change once created)."""
        for broadcast_id, (texts, fallback, attachment) in \
                (await Broadcasts(uow.session).texts(ids - self._broadcasts.keys())).items():
            media = (attachment["kind"], attachment["file_id"]) if attachment else None
            self._broadcasts[broadcast_id] = (texts, fallback, media)

    def _render(self, item: Queued) -> Rendered:
        payload = item.payload
        if "broadcast" in payload:
            rendered = self._broadcast_renders.get((payload["broadcast"], item.locale))
            if rendered is None:
                texts, fallback, media = self._broadcasts[payload["broadcast"]]
                # under the header that says who sends it, in the reader's language (the text may be the fallback's)
                rendered = self.renderer.reply(as_received(texts.get(item.locale) or texts[fallback], media),
                                               item.locale)
                self._broadcast_renders[(payload["broadcast"], item.locale)] = rendered
            return rendered
        message = item.message if isinstance(item.message, Reply) else reply_from_json(payload["reply"])
        return self.renderer.reply(message, item.locale)

    async def _send_in_order(self, items: list[Queued], first_booked: bool = False) -> None:
        """Send one chat's rows one after another, never two at once to the same chat, none overtaking another."""
        chat_id = items[0].chat_id
        async with self._chat_locks.holding(chat_id):
            if not items[0].bulk and self._behind(items[0]) is None \
                    and (earlier := await self._open_elsewhere(items[0])) is not None:
                self._yield(items, earlier)
                return
            items = await self._still_mine(items)  # those held long, if another instance's now, are left to it
            for index, item in enumerate(items):
                behind = self._behind(item)
                if behind is not None:  # an earlier message of this chat waits in the outbox for its retry
                    outcome = Attempt(item, OutboxStatus.pending, error=f"behind outbox row {behind}",
                                      retry_in=HELD_BEHIND, counts=False)
                else:
                    # rendered and its file read before the chat's turn: the request then leaves in the slot it booked
                    # (a file read after it, slower under load, let sends bunch up past the limit)
                    prepared = await self._prepare(item)
                    if (index or not first_booked) and (paused := await self.pacer.turn(chat_id, LONGEST_TURN)) > 0:
                        self._give_back(items[index:], paused)
                        return
                    outcome = await self._send(item, prepared)
                    if outcome.status == OutboxStatus.pending:  # back to the outbox until its retry: hold the chat
                        self._held[chat_id] = (item.id, self._now() + (outcome.retry_in or 0) + HOLD_GRACE)
                    else:
                        self._finished.add(item.id)
                # appended only now: a flush during the send swaps the list, and an append bound before
                # the await would land in the list already recorded, and be lost
                self._outcomes.append(outcome)
                self._recorded.set()

    async def _open_elsewhere(self, item: Queued) -> int | None:
        """On PostgreSQL, an earlier row of a pushed reply's chat that another instance sends, or that waits in the
        outbox: the id of the first one, which the reply must not overtake (None: it may go).

        A person's next update reaches another instance (a round-robin proxy) as soon as the answer to the first has
        left, while the first reply may still wait for its chat's turn: this instance's chat locks know nothing of
        it, and the second reply overtook it (tester t4: 5 chats of 30 in order with three instances). On PostgreSQL
        whether or not other instances were seen (`_among_others`); on SQLite the chat locks of its one process keep
        the order. The rows are read by the statement that wrote the reply (`Queued.earlier`, the rows committed
        before it), or else now, alone (an index of the open rows, ix_outbox_open, answers both).
        """
        if not self._among_others:
            return None
        # none when the reply was written (handlers.outbox.enqueue_first_pushed): none now, since a row written since
        # with a smaller id is a concurrent update's of the same chat, whose order no instance knows. Found then, they
        # are read again: one may have been sent and recorded since (no longer in _finished), or be a row this
        # instance took before a restart, released to the outbox since by `recover`
        earlier: Earlier | None = item.earlier if item.earlier == () else None
        if earlier is None:
            try:
                async with self.database.autocommit() as connection:
                    earlier = await open_earlier(connection, item.chat_id, item.id)
            except Exception:  # the database is away: the replies go as if alone rather than wait for it
                log.warning("could not look for earlier messages of a chat; sending its reply", exc_info=True)
                return None
        me = self.database.instance
        # this instance's rows it sent (their outcome not recorded yet) are behind it; any other it still holds is
        # not (one it claimed waits for its chat's turn outside the chat lock)
        return next((row_id for row_id, taken_by, status in earlier
                     if not (status == OutboxStatus.sending and taken_by == me and row_id in self._finished)), None)

    def _yield(self, items: list[Queued], earlier: int) -> None:
        """A pushed reply goes back to the outbox behind an earlier row of its chat that is still open elsewhere: due
        at once, it is claimed (by any instance) as soon as that row is no longer `sending`, since a claim skips a row
        whose chat has an earlier row being sent. Until the give-back is recorded, this instance holds the chat's next
        replies behind it in memory (`_held`), as after a 429; then the outbox does (`_open_elsewhere`)."""
        self._held[items[0].chat_id] = (items[0].id, self._now() + HOLD_GRACE)
        self._yielded[items[0].id] = items[0].chat_id
        self._outcomes.extend(Attempt(item, OutboxStatus.pending, error=f"behind outbox row {earlier}", retry_in=0.0,
                                      counts=False) for item in items)
        self._recorded.set()

    def _give_back(self, items: list[Queued], seconds: float) -> None:
        """One chat's rows go back to the outbox until its pause ends (longer than LONGEST_TURN), not counted as tried.

        Held here, they could be held past their lease, and taken and sent by another instance meanwhile. The first
        holds the chat's later rows back until it comes back, as a row given back after a 429 does.
        """
        self._held[items[0].chat_id] = (items[0].id, self._now() + seconds + HOLD_GRACE)
        self._outcomes.extend(Attempt(item, OutboxStatus.pending, error=f"chat paused for {seconds:.1f}s",
                                      retry_in=seconds, counts=False) for item in items)
        self._recorded.set()

    def _behind(self, item: Queued) -> int | None:
        """The earlier row of this item's chat given back to the outbox for a retry, if this item must wait for it."""
        held = self._held.get(item.chat_id)
        if held is None:
            return None
        row_id, until = held
        if item.id <= row_id or self._now() >= until:  # it came back (or was sent elsewhere meanwhile)
            del self._held[item.chat_id]
            return None
        return row_id

    def _now(self) -> float:
        return self.pacer.clock()

    async def _still_mine(self, items: list[Queued]) -> list[Queued]:
        """One chat's claimed rows, but those held here past half their lease (the process paused: a frozen VM, a
        stopped container) that are no longer this instance's: their lease ran out, and another instance may have
        taken and sent them (a tester: 24 people got a broadcast twice after an instance's pause). Those still its own
        get a new lease in the same statement, so that none can be taken between this look and their send. Looked at
        by the wall clock (a paused VM's monotonic clock may not count the pause), and only then: a row sent within
        half its lease costs no query."""
        if all(item.taken_at is None or time.time() - item.taken_at < HELD_CHECK_AFTER for item in items):
            return items
        try:
            async with self.database.uow() as uow:
                kept = await OutboxRows(uow.session).renew_lease([item.id for item in items], self.database.instance,
                                                                 utcnow())
                await uow.commit()
        except Exception as error:  # the database is away: they go, as they would have without the look
            self._renewing.failed(error)
            return items
        self._renewing.passed()
        gone = [item.id for item in items if item.id not in kept]
        if gone:
            self._mine.difference_update(gone)
            log.warning("messages held past half their sending lease are no longer this instance's; not sent here",
                        extra={"count": len(gone)})
        return [item for item in items if item.id in kept]

    async def _prepare(self, item: Queued) -> Rendered | DeliveryError:
        """The row's message in its reader's language, with the file it uploads read; the error when it cannot be."""
        rendered = self._render(item)
        if "upload" in item.payload:
            try:
                rendered = await self._with_upload(rendered, item.payload["upload"])
            except DeliveryError as error:
                return error
        return rendered

    async def _send(self, item: Queued, prepared: Rendered | DeliveryError) -> Attempt:
        begun = utcnow()
        try:
            if isinstance(prepared, DeliveryError):
                raise prepared
            rendered = prepared
            if "edit_message_id" in item.payload:
                message_id = int(item.payload["edit_message_id"])
                await self.sender.edit(item.chat_id, message_id, rendered)
            else:
                message_id = await self.sender.send(item.chat_id, rendered)
        except (DeliveryError, OSError, TimeoutError) as error:
            return self._failed(item, error, begun)
        self._answered()
        SEND_RESULTS["ok"].inc()
        self.stats.sent += 1
        return Attempt(item, OutboxStatus.sent, message_id=message_id)

    def _answered(self) -> None:
        """Telegram answered: an outage, if one was on, is over."""
        if self._unanswered_since is not None:
            log.warning("Telegram answers again", extra={"outage_s": round(time.monotonic() - self._unanswered_since)})
            self._unanswered_since = None

    def _failed(self, item: Queued, error: DeliveryError | OSError | TimeoutError, begun: datetime) -> Attempt:
        """The outcome of a send that failed: Telegram's answer says what became of the message; a failure to reach
        Telegram is tried again later, and given up after MAX_ATTEMPTS only when it is the message's own (Telegram
        answered since the last failure), after OUTAGE_ATTEMPTS when nothing is answered."""
        if isinstance(error, RecipientGoneError):
            self._answered()
            SEND_RESULTS["blocked"].inc()
            self.stats.unreachable += 1
            log.info("recipient unreachable", extra={"outbox_id": item.id})
            return Attempt(item, OutboxStatus.unreachable, error=str(error), tried_at=begun)
        if isinstance(error, RetryLaterError):
            self._answered()
            SEND_RESULTS["429"].inc()
            RETRY_AFTER.inc(error.seconds)
            self.pacer.retry_after(item.chat_id, error.seconds)
            return Attempt(item, OutboxStatus.pending, error=str(error), retry_in=error.seconds, counts=False)
        if isinstance(error, RejectedError):
            self._answered()
            SEND_RESULTS["failed"].inc()
            self.stats.failed += 1
            if "edit_of" in item.payload and EDITED_GONE.search(str(error)):
                # an earlier message brought up to date (a staff copy closed, a name erased) that its reader deleted,
                # or that can no longer be edited: nothing of theirs is missing, nothing to explain (a review)
                log.warning("an edit's message is gone", extra={"outbox_id": item.id, "reason": str(error)[:200]})
                return Attempt(item, OutboxStatus.failed, error=str(error))
            log.error("message rejected by Telegram", extra={"outbox_id": item.id, "reason": str(error)[:200]})
            self._explain_refusal(item)
            return Attempt(item, OutboxStatus.failed, error=str(error))
        SEND_RESULTS["5xx"].inc()
        alone = self._unanswered_since is None
        if alone:
            self._unanswered_since = time.monotonic()
            log.warning("Telegram refuses the bot token: messages are kept and tried again; restart with the token "
                        "BotFather gives (P2C_BOT_TOKEN)" if isinstance(error, TokenRefusedError) else
                        "Telegram does not answer: messages are kept and tried again",
                        extra={"outbox_id": item.id, "reason": str(error)[:200]})
        if item.attempts >= OUTAGE_ATTEMPTS or (alone and item.attempts >= MAX_ATTEMPTS):
            SEND_RESULTS["failed"].inc()
            self.stats.failed += 1
            log.error("message failed", extra={"outbox_id": item.id, "attempts": item.attempts})
            return Attempt(item, OutboxStatus.failed, error=str(error) or type(error).__name__)
        backoff = min(MAX_BACKOFF, 2.0 ** item.attempts) * random.uniform(0.5, 1.5)
        return Attempt(item, OutboxStatus.pending, error=str(error) or type(error).__name__, retry_in=backoff)

    def _explain_refusal(self, item: Queued) -> None:
        """Tell the person a refused message was for (bot.refusals), outside the chat's turn; drain waits for it."""
        async def explain() -> None:
            try:
                if await explain_refusal(self.database, item):
                    self.wake()
            except Exception:  # the database is away: the refusal is logged and recorded all the same
                log.exception("could not queue the explanation of a refused message", extra={"outbox_id": item.id})

        task = asyncio.get_running_loop().create_task(explain())
        self._pushes.add(task)
        task.add_done_callback(self._pushes.discard)

    async def _with_upload(self, rendered: Rendered, upload: dict[str, object]) -> Rendered:
        """The message with the file the bot made for it, read only now: files can be large, and few rows have one."""
        file_id = int(str(upload["file"]))
        async with self.database.uow() as uow:
            found = (await Files(uow.session).get([file_id])).get(file_id)
        if found is None:
            raise RejectedError(f"generated file {file_id} is gone")
        name, mime_type, content = found
        return replace(rendered, upload=Upload(str(upload["kind"]), name, mime_type, content))

    async def _record_continuously(self, every: float) -> None:
        while True:
            await self._recorded.wait()
            await asyncio.sleep(every)
            try:
                await self._flush_outcomes()
            except Exception as error:  # the outcomes were put back; keep recording (the database may be back soon)
                self._recording.failed(error)
                await asyncio.sleep(1.0)
            else:
                self._recording.passed()

    async def _flush_outcomes(self) -> None:
        """Record the outcomes so far in one transaction (one statement for all rows)."""
        outcomes, self._outcomes = self._outcomes, []
        self._recorded.clear()
        if not outcomes:
            return
        try:
            async with self.database.uow() as uow:
                await OutboxRows(uow.session).record(outcomes, utcnow())
                await uow.commit()
        except BaseException:
            self._outcomes[:0] = outcomes  # not recorded: keep them for the next flush
            self._recorded.set()
            raise
        self._mine.difference_update(outcome.item.id for outcome in outcomes)
        self._finished.difference_update(outcome.item.id for outcome in outcomes)
        if self._yielded:
            self._recorded_yielded(outcomes)

    def _recorded_yielded(self, outcomes: list[Attempt]) -> None:
        """Rows given back behind another instance's row are in the outbox now, where `_open_elsewhere` sees them:
        their chat is no longer held here (holding it on would send its next replies through the outbox for ten
        seconds). Looking at the outbox now claims them at once if the row they wait for is done."""
        for outcome in outcomes:
            chat_id = self._yielded.pop(outcome.item.id, None)
            if chat_id is not None and self._held.get(chat_id, (None, 0.0))[0] == outcome.item.id:
                del self._held[chat_id]
                self.wake()
