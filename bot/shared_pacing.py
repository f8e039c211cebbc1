"""One Telegram budget for every instance on PostgreSQL (models.repositories.pacing holds the rows).

Telegram's limits hold for the bot token, whatever the number of instances. Each instance says every
HEARTBEAT seconds that it delivers; while it is alone it paces in memory (bot.pacing, exact for one process,
no round trip). When it is not alone, every message also

- **reserves its chat's next cell** in `chat_pace` (GCRA on PostgreSQL's clock), whichever instance sends it:
  one statement per message, so a person whose updates reach different instances (a round-robin proxy) still
  gets at most a burst of three, then one a second;
- **leases a global slot**: each tenth of a second has `limit / 10` slots; an instance asks for as many as it has
  senders waiting and gets what is left of the current tenth (or waits for the next one). An instance with a
  broadcast to send takes what the others leave, so the instances together reach the whole limit.

Why leases from a table rather than a leader that sends everything or fixed shares: a leader makes every reply
of every instance wait for another process (and its death stops all sending); fixed shares (the limit divided by
the instances) leave most of the limit unused when one instance has a broadcast and the others only replies.
Leases cost one statement per tenth of a second per busy instance.

Switching: a new instance waits START_WAIT seconds after it first finds others before it sends, so that they
have seen it and switched to shared pacing; an instance stays shared for GRACE seconds after it last saw another,
so that the cells the others reserved are respected until they have passed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable

from bot.logs import Spell
from models.database import Database
from models.repositories.pacing import SLICES_PER_SECOND, SharedPace

log = logging.getLogger(__name__)

HEARTBEAT = 1.0
"""Seconds between an instance's reports that it delivers."""
ALIVE_WITHIN = 3.0
"""An instance not heard of for this long is taken to be gone."""
START_WAIT = 2.5
"""A new instance among others sends nothing for this long (the others look every HEARTBEAT)."""
GRACE = 10.0
"""Shared pacing lasts this long after another instance was last seen."""
FORGET_EVERY = 60.0
TWIN_WARNING_EVERY = 300.0
"""Seconds between the warnings that another live process uses this instance's name."""
AT_ONCE = 4
"""Chat reservations in flight at a time: each takes a pooled connection for a moment, and many replies and a
broadcast's chats at once must not empty the pool the updates need."""
CELL_MARGIN = 1.05
"""A chat's cells are 5 % longer than Telegram's pace: a cell is reserved before its message waits for a global
slot and leaves, and Telegram counts from the message's arrival. (When global slots are scarce, during a
broadcast, that wait can be longer than the margin; a chat's own messages then still leave in order, one sender
at a time, and Telegram answers a 429 at worst, which pauses the chat for every instance.)"""


class SharedBudget:
    """This instance's view of the shared limits: whether they apply now, and the slots it leased."""

    def __init__(self, database: Database, name: str, global_per_second: float, per_chat_per_second: float,
                 per_chat_burst: int, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.database = database
        self.name = name
        self.cap = max(1, int(global_per_second // SLICES_PER_SECOND))
        """Slots of a tenth of a second: rounded down, never over the limit (a limit under 10 a second gets 1)."""
        self.interval = CELL_MARGIN / per_chat_per_second
        self.tolerance = max(0, per_chat_burst - 1) * self.interval
        self.clock = clock
        self.sleep = sleep
        self.instances = 1
        self.shared_until = float("-inf")
        self.ready_at = float("-inf")
        self._granted = 0
        self._expires = float("-inf")
        self._pauses: set[asyncio.Task[None]] = set()
        self._at_once = asyncio.Semaphore(AT_ONCE)
        self._beats = 0
        self.process = secrets.token_hex(8)
        """This process, beside its name in the heartbeat's row: another live one under the name is warned of."""
        self._twin_warned = float("-inf")
        self.counted = asyncio.Event()
        """Set once the first heartbeat counted the instances: start delivering only then (bot.app)."""
        # once per outage, not at every message sent (a tester: 216 tracebacks in 6 s across four instances)
        self._reserving = Spell(log, "could not reserve a chat's turn; pacing chats in memory",
                                "chats' turns are reserved again", traceback=True)
        self._leasing = Spell(log, "could not lease global slots; sending at this instance's share",
                              "global slots are leased again", traceback=True)
        self._pausing = Spell(log, "could not share a chat's pause", "chats' pauses are shared again", traceback=True)

    @property
    def active(self) -> bool:
        """Whether the limits are shared now (another instance delivers, or did a moment ago)."""
        return self.clock() < self.shared_until

    def saw(self, instances: int) -> None:
        """A heartbeat counted `instances` delivering (this one included)."""
        now = self.clock()
        first, self._beats = self._beats == 0, self._beats + 1
        if instances > 1:
            if not self.active:
                # new among others: wait until they know; running before them: they are the ones who wait
                self.ready_at = now + START_WAIT if first else now
                log.info("other instances deliver too: Telegram's limits are shared", extra={"instances": instances})
            self.shared_until = now + GRACE
        self.instances = instances

    async def run(self, stop: asyncio.Event) -> None:
        """Report every HEARTBEAT that this instance delivers, until `stop`; then say it stopped."""
        forgotten, twins = self.clock(), 0
        reporting = Spell(log, "could not report this instance's delivery",
                          "this instance's delivery is reported again")
        while not stop.is_set():
            try:
                async with self.database.uow() as uow:
                    beat = await SharedPace(uow.session).heartbeat(self.name, ALIVE_WITHIN, self.process)
                    if self.clock() - forgotten >= FORGET_EVERY:
                        forgotten = self.clock()
                        await SharedPace(uow.session).forget_old()
                    await uow.commit()
                self.saw(beat.instances)
                # twice in a row: once is this name's run before a restart, its last heartbeat a moment ago
                twins = twins + 1 if beat.twin else 0
                if twins >= 2:
                    self.twin_seen()
            except Exception as error:  # the database is away: nothing is claimed either; keep the last view
                reporting.failed(error)
            else:
                reporting.passed()
            self.counted.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), HEARTBEAT)
        with contextlib.suppress(Exception):
            async with self.database.uow() as uow:
                await SharedPace(uow.session).gone(self.name)
                await uow.commit()

    def twin_seen(self) -> None:
        """Another process is live under this instance's name: said at once, then every TWIN_WARNING_EVERY while
        it lasts (a tester ran two instances with one P2C_INSTANCE_ID, and nothing said so)."""
        now = self.clock()
        if now - self._twin_warned >= TWIN_WARNING_EVERY:
            self._twin_warned = now
            log.warning("another running instance has this instance's name (P2C_INSTANCE_ID): each takes the messages "
                        "the other is sending as its own and may send them twice, and Telegram's limits are shared "
                        "wrongly; give every instance a name of its own")  # the line names it (instance_id)

    async def until_ready(self) -> None:
        """A new instance among others waits until they know of it."""
        while (wait := self.ready_at - self.clock()) > 0:
            await self.sleep(wait)

    async def chat_wait(self, chat_id: int) -> float:
        """Reserve this chat's next cell; the seconds to wait for it (0 when the database cannot say: the
        in-memory pace of this instance still holds)."""
        try:
            async with self._at_once, self.database.uow() as uow:
                wait = await SharedPace(uow.session).reserve_chat(chat_id, self.interval, self.tolerance)
                await uow.commit()
        except Exception as error:
            self._reserving.failed(error)
            return 0.0
        self._reserving.passed()
        return wait

    async def global_slot(self, waiting: int) -> None:
        """Take one of the global slots this instance leased, leasing more (up to `waiting`) when none is left."""
        while True:
            if self._granted > 0 and self.clock() < self._expires:
                self._granted -= 1
                return
            try:
                async with self.database.uow() as uow:
                    lease = await SharedPace(uow.session).lease(min(max(1, waiting), self.cap), self.cap)
                    await uow.commit()
            except Exception as error:  # pace at this instance's share in memory until the database answers again
                self._leasing.failed(error)
                await self.sleep(max(1, self.instances) / (self.cap * SLICES_PER_SECOND))
                return
            self._leasing.passed()
            if lease.granted > 0:
                self._granted, self._expires = lease.granted, self.clock() + lease.ends_in
            else:
                await self.sleep(max(lease.ends_in, 0.005))

    def pause_chat(self, chat_id: int, seconds: float) -> None:
        """Telegram said "retry after" for a chat: every instance holds it (in the background)."""
        async def pause() -> None:
            try:
                async with self._at_once, self.database.uow() as uow:
                    await SharedPace(uow.session).pause_chat(chat_id, seconds, self.tolerance)
                    await uow.commit()
            except Exception as error:
                self._pausing.failed(error)
                return
            self._pausing.passed()

        task = asyncio.get_running_loop().create_task(pause())
        self._pauses.add(task)
        task.add_done_callback(self._pauses.discard)
