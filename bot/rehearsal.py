"""A rehearsal of the busiest journeys at start, in a transaction that is rolled back: nothing is written or sent.

SQLAlchemy compiles a statement the first time a process runs it, and then keeps it compiled. Without a
rehearsal, the first people after every start paid for it: their first /report took 32 ms of CPU instead of 4, the
first press 10 ms instead of 2.5, and since updates are handled one after another on a core, everyone who wrote at
that moment waited behind them (ten focal points reporting at once waited 125 ms for their first answer, about 70
after a rehearsal). So before it takes updates, the bot has a focal point of its own making greet it, list its pledges,
register a pledge and, once the rehearsal has validated it, report on it, through `handlers.router.handle` as a
person's updates are, on units of work that share one transaction and commit nothing (`Database.rehearse`). Its
organisation and person are given ids below zero, which no sequence draws; but on PostgreSQL the ids the journeys draw
(the pledge's, the report's, the outbox rows') are not given back by the rollback: pledge references, made from ids,
skip one number per start of an instance (SQLite reuses them).

A rehearsal that fails, or takes longer than REHEARSAL_LIMIT, is logged and the bot starts all the same: it only
saves the first people some waiting.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from handlers.conversation import Deps
from handlers.inputs import Incoming, Person
from handlers.router import handle
from models.clock import utcnow
from models.database import Database, UnitOfWork
from models.repositories.pledges import Pledges
from models.repositories.reports import Reports
from models.tables import Contact, Entity
from models.values import EntityStatus, PledgeStatus, Role, Sector

log = logging.getLogger(__name__)

REHEARSAL_ID = 9_000_000_000_000_000
"""The rehearsal's Telegram id is this plus a random number (two instances starting together do not wait for each
other's rows, which they would with the same process id, 1 in every container): far above the ids Telegram gives
people, and never committed anyway."""
REHEARSAL_LIMIT = 30.0
"""Seconds after which the start goes on without waiting for the rehearsal any longer (it takes 0.1 to 0.3 s)."""

COMMON: tuple[str, ...] = ("/start", "/help", "/mypledges")

REPORT: tuple[str, ...] = (
    "/report", "f:status:c:in_progress", "25", "400000", "80", "1500", "f:women_share:c:50",
    "Forty schools of the first district are connected and their teachers trained.",
    "Equipment arrived three months late.", "f:partnership_needs:skip",
    "https://example.org/rehearsal/evidence.pdf", "f:evidence:done", "f:$sum:submit",
)
"""A report on the rehearsal's pledge (US$1.5 million, a target of 300 schools), every question answered as a person
would."""


def pledge_answers(today: date) -> tuple[str, ...]:
    """A whole pledge, begun two years ago (so that a report is owed once it is validated), its other dates ahead
    (a date in the past would be refused)."""
    return (
        "/pledge", "Connect 300 rural schools", "We will connect 300 rural schools to broadband and train teachers.",
        "f:focus_area:c:access", "f:pillars:c:infrastructure", "f:pillars:done", "f:pledge_type:c:financial",
        "1.5 million", "Kenya", "f:countries:done", "f:beneficiary_groups:c:schools", "f:beneficiary_groups:done",
        "300", "f:target_unit:c:schools", f"{today.year + 2}-12-31", f"{today.year - 2}-01-01",
        f"{today.year + 3}-06-30", "f:sdgs:skip", "f:wsis_action_lines:skip", "f:$sum:submit",
    )


@dataclass(frozen=True)
class Rehearsed:
    """What a rehearsal did, read before its transaction was rolled back."""

    updates: int
    pledged: bool
    """The pledge form reached its end: the rehearsal's organisation had a pledge."""
    reported: bool
    """The report form reached its end: the rehearsal's pledge had a report."""
    seconds: float


async def rehearse(database: Database, deps: Deps) -> Rehearsed:
    """Run the rehearsal (see the module's docstring); what it did."""
    started = time.perf_counter()
    rehearsed = await database.rehearse(lambda units: _journeys(units, deps))
    return Rehearsed(rehearsed[0], rehearsed[1], rehearsed[2], time.perf_counter() - started)


async def rehearse_or_log(database: Database, deps: Deps) -> Rehearsed | None:
    """`rehearse`; a failure, or a form whose end was not reached, is logged and let go (the bot starts all the
    same). None when it failed."""
    try:
        async with asyncio.timeout(REHEARSAL_LIMIT):
            done = await rehearse(database, deps)
    except Exception:
        log.warning("the start-up rehearsal of the journeys failed: the first people after this start may wait a "
                    "little longer", exc_info=True)
        return None
    if not (done.pledged and done.reported):
        log.warning("the start-up rehearsal did not reach the end of the %s form: its statements are compiled on "
                    "first use", "pledge" if not done.pledged else "report")
    return done


async def _journeys(units: Callable[[], UnitOfWork], deps: Deps) -> tuple[int, bool, bool]:
    """The rehearsal's person and their updates: the common commands, a pledge (validated here, as staff would),
    a report on it; and whether each form reached its end."""
    setup, now, drawn = units(), utcnow(), secrets.randbelow(2**30)
    telegram_id, entity_id = REHEARSAL_ID + drawn, -1 - drawn
    setup.session.add(Entity(id=entity_id, name=f"Rehearsal {drawn}", name_key=f"rehearsal {drawn}",
                             sector=Sector.government, country_iso3="KEN", status=EntityStatus.validated,
                             created_at=now, validated_at=now))
    await setup.flush()
    setup.session.add(Contact(id=entity_id, telegram_id=telegram_id, chat_id=telegram_id, first_name="Rehearsal",
                              language="en", telegram_language="en", role=Role.focal_point, entity_id=entity_id,
                              consent_at=now, last_seen_at=now))
    await setup.commit()
    person = Person(telegram_id, telegram_id, "Rehearsal", language_code="en")
    said = 0

    async def say(answers: tuple[str, ...]) -> None:
        nonlocal said
        for answer in answers:
            said += 1
            received, origin = utcnow(), f"rehearsal:{telegram_id}:{said}"
            if answer.startswith("f:"):  # a press on the question's message (never sent: no outbox key is found)
                incoming = Incoming(-said, person, received, code=answer, origin=origin, message_id=said)
            else:
                incoming = Incoming.from_text(-said, person, answer, received, origin)
            await handle(incoming, units(), deps)

    await say((*COMMON, *pledge_answers(now.date())))
    check = units()
    pledges = await Pledges(check.session).of_entity(entity_id, limit=1)
    if not pledges or pledges[0].id is None:
        return said, False, False
    pledge, pledge_id = pledges[0], pledges[0].id
    pledge.status, pledge.validated_at = PledgeStatus.validated, utcnow()
    await Pledges(check.session).save(pledge)
    await check.commit()
    await say(REPORT)
    reported = pledge_id in await Reports(units().session).latest_of([pledge_id])
    return said, True, reported
