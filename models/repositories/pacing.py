"""Telegram's limits shared by the instances on PostgreSQL: global budget leases, per-chat pace, who delivers.

All times are PostgreSQL's (`clock_timestamp()`), so that instances on machines whose clocks differ still agree on
which tenth of a second it is. These statements are PostgreSQL's alone: SQLite's one process paces in memory.

- **Global**: each tenth of a second (a slice) may hand out `cap` messages; an instance leases some of them for
  the current slice (`lease`), as many as it has senders waiting, and gets what is left (maybe nothing: it then
  waits for the next slice). Slices live in a ring of `RING` rows, a row being taken over by a later slice.
- **Per chat**: the generic cell rate algorithm (GCRA): one theoretical arrival time per chat; a message reserves
  the next cell and is told how long to wait for it (`reserve_chat`), whichever instance sends it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from models.session import Session

SLICES_PER_SECOND = 10
RING = 600
"""Rows of the global budget's ring: a minute of slices, far more than any clock difference between instances."""

NOW = "CAST(extract(epoch FROM clock_timestamp()) AS float8)"
"""PostgreSQL's time now, in epoch seconds (the same on every instance, whatever their own clocks say)."""

_LEASE = text(f"""
WITH s AS (SELECT floor({NOW} * CAST(:per_second AS float8))::bigint AS slice,
                  LEAST(CAST(:want AS integer), CAST(:cap AS integer)) AS first)
INSERT INTO send_budget AS b (slot, slice, used, granted)
SELECT s.slice % CAST(:ring AS bigint), s.slice, s.first, s.first FROM s
ON CONFLICT (slot) DO UPDATE SET
  granted = CASE WHEN b.slice = excluded.slice
                 THEN GREATEST(0, LEAST(CAST(:want AS integer), CAST(:cap AS integer) - b.used))
                 WHEN b.slice < excluded.slice THEN excluded.used ELSE 0 END,
  used = CASE WHEN b.slice = excluded.slice
              THEN b.used + GREATEST(0, LEAST(CAST(:want AS integer), CAST(:cap AS integer) - b.used))
              WHEN b.slice < excluded.slice THEN excluded.used ELSE b.used END,
  slice = GREATEST(b.slice, excluded.slice)
RETURNING b.granted, (b.slice + 1) / CAST(:per_second AS float8) - {NOW}
""")
_RESERVE_CHAT = text(f"""
INSERT INTO chat_pace AS p (chat_id, tat) VALUES (:chat_id, {NOW} + CAST(:interval AS float8))
ON CONFLICT (chat_id) DO UPDATE SET tat = GREATEST(p.tat, {NOW}) + CAST(:interval AS float8)
RETURNING GREATEST(0, p.tat - CAST(:interval AS float8) - CAST(:tolerance AS float8) - {NOW})
""")
_PAUSE_CHAT = text(f"""
INSERT INTO chat_pace AS p (chat_id, tat) VALUES (:chat_id, {NOW} + CAST(:until AS float8))
ON CONFLICT (chat_id) DO UPDATE SET tat = GREATEST(p.tat, {NOW} + CAST(:until AS float8))
""")
_HEARTBEAT = text(f"""
WITH before AS (SELECT run, seen_at FROM delivery_instance WHERE name = :name)
INSERT INTO delivery_instance AS d (name, seen_at, run) VALUES (:name, {NOW}, :run)
ON CONFLICT (name) DO UPDATE SET seen_at = excluded.seen_at, run = excluded.run
RETURNING EXISTS (SELECT 1 FROM before WHERE before.run <> :run AND before.seen_at > {NOW} - CAST(:within AS float8))
""")
_ALIVE = text(f"SELECT count(*) FROM delivery_instance WHERE seen_at > {NOW} - CAST(:within AS float8)")
_GONE = text("DELETE FROM delivery_instance WHERE name = :name")
_FORGET_INSTANCES = text(f"DELETE FROM delivery_instance WHERE seen_at < {NOW} - 3600")
_FORGET_CHATS = text(f"DELETE FROM chat_pace WHERE tat < {NOW} - 60")


@dataclass(frozen=True, slots=True)
class Lease:
    """Messages this instance may send in the current slice, and the seconds until that slice ends."""

    granted: int
    ends_in: float


@dataclass(frozen=True, slots=True)
class Beat:
    """What a heartbeat saw: the instances delivering, and whether another live process uses this one's name."""

    instances: int
    twin: bool = False


class SharedPace:
    """The shared limits' rows (PostgreSQL only)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def lease(self, want: int, cap: int) -> Lease:
        """Up to `want` of the current slice's `cap` messages (what is left of them)."""
        row = (await self.session.execute(_LEASE, {"per_second": SLICES_PER_SECOND, "ring": RING, "want": want,
                                                   "cap": cap})).one()
        return Lease(int(row[0]), max(0.0, float(row[1])))

    async def reserve_chat(self, chat_id: int, interval: float, tolerance: float) -> float:
        """Reserve the chat's next cell (one message every `interval` seconds, a burst of `tolerance / interval + 1`);
        the seconds to wait before sending it."""
        wait = (await self.session.execute(_RESERVE_CHAT, {"chat_id": chat_id, "interval": interval,
                                                           "tolerance": tolerance})).scalar_one()
        return float(wait)

    async def pause_chat(self, chat_id: int, seconds: float, tolerance: float) -> None:
        """Telegram said "retry after" for this chat: no cell for anyone before `seconds` from now (a reservation may
        come `tolerance` before its arrival time, the burst: the arrival time is pushed that much further)."""
        await self.session.execute(_PAUSE_CHAT, {"chat_id": chat_id, "until": seconds + tolerance})

    async def heartbeat(self, name: str, within: float, run: str = "") -> Beat:
        """Say this instance (`run`: this process) delivers; how many do (seen within `within` seconds, this one
        included), and whether another process said so under the same name within that time."""
        twin = bool((await self.session.execute(_HEARTBEAT, {"name": name, "run": run, "within": within}
                                                )).scalar_one())
        return Beat(int((await self.session.execute(_ALIVE, {"within": within})).scalar_one()), twin)

    async def gone(self, name: str) -> None:
        """This instance stops delivering."""
        await self.session.execute(_GONE, {"name": name})

    async def forget_old(self) -> None:
        """Chats idle for a minute and instances silent for an hour (a chat's row holds nothing after its cells)."""
        await self.session.execute(_FORGET_CHATS)
        await self.session.execute(_FORGET_INSTANCES)
