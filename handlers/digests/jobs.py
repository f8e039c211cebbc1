"""The scheduled side: every digest that has fallen due is written to the outbox once (key per person and period)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from handlers.digests.schedule import Due, first_since, following, latest_due, superseded
from handlers.digests.service import Made, Translate, enqueue_digest, scope_for
from handlers.language import negotiate
from models.database import UnitOfWork
from models.repositories.contacts import Contacts
from models.repositories.digests import drop_superseded, has_superseded, lock_pending_digests, release_held
from models.repositories.outbox import superseded_at, working_hours
from models.repositories.people import SCHEDULED_DIGEST_KEY_PREFIX
from models.repositories.subscriptions import Subscriptions
from models.tables import DigestSubscription
from models.timezones import zone_of
from models.working_hours import next_allowed

log = logging.getLogger(__name__)

DEFAULT_WEEKDAY, DEFAULT_HOUR = 0, 9
"""Staff who never chose receive a weekly digest on Monday at 09:00 in their zone."""


async def send_due_digests(uow: Callable[[], UnitOfWork], now: datetime, translate: Translate,
                           default_locale: str = "en", default_zone: str = "UTC") -> int:
    """Enqueue every digest due by `now` and not yet sent for its period; how many (one transaction each)."""
    async with uow() as unit:
        # the reader's zone as /settings shows it and reminders use it: chosen, else their organisation's country's
        candidates = [(contact.id, subscription.cadence, subscription.weekday, subscription.hour,
                       subscription.last_period, zone_of(contact.timezone, country, default_zone),
                       subscription.updated_at, country)
                      for contact, subscription, country in await Subscriptions(unit.session).candidates(
                          "weekly", DEFAULT_WEEKDAY, DEFAULT_HOUR)]
    made, sent = Made(), 0
    for contact_id, cadence, weekday, hour, last_period, zone, chosen_at, country in candidates:
        due = latest_due(cadence, weekday, hour, now, zone)
        # a moment that passed before the person chose (or became staff) is not owed: the next one is theirs
        if due is None or now < due.at or due.at < chosen_at or last_period == due.period or contact_id is None:
            continue
        async with uow() as unit:
            sent += await _send_one(unit, contact_id, cadence, due, now, (zone, country), translate,
                                    default_locale, made)
            await unit.commit()
    if sent:
        log.info("digests enqueued", extra={"count": sent})
    return sent


async def _send_one(unit: UnitOfWork, contact_id: int, cadence: str, due: Due, now: datetime,
                    where: tuple[str, str | None], translate: Translate, default_locale: str, made: Made) -> int:
    """Write the person's digest of `due`'s period, bound to their working hours (`where`: their zone, and their
    organisation's country, whose week counts where the zone names none); how many (0 or 1).

    One that could go only when the next period's falls due is not written: the period is marked done, and the next
    digest, which counts the changes since the last one sent, goes alone."""
    session = unit.session
    subscriptions = Subscriptions(session)
    contact = await Contacts(session).get(contact_id)
    if contact is None:
        return 0
    scope = await scope_for(session, contact)
    if scope is None:
        return 0
    # a staff member on the default gets the row, which remembers what was sent; locked, and read as stored
    subscription = await subscriptions.locked(DigestSubscription(
        contact_id=contact_id, cadence="weekly", weekday=DEFAULT_WEEKDAY, hour=DEFAULT_HOUR, updated_at=now))
    if subscription.cadence != cadence:  # chosen since the candidates were read
        return 0
    zone = where[0]
    at = next_allowed(now, *where)
    if superseded(subscription.cadence, subscription.weekday, subscription.hour, due, at, zone):
        subscription.last_period, subscription.updated_at = due.period, now
        await subscriptions.save(subscription)
        return 0
    locale = negotiate(contact.language, contact.telegram_language, default_locale)
    prefix = f"{SCHEDULED_DIGEST_KEY_PREFIX}{contact_id}:"  # dg:<person>:<period>:<t|c|x>: text, chart, sheet
    key = f"{prefix}{due.period}"
    since = subscription.last_sent_at or first_since(subscription.cadence, now, zone)
    # One still held for the reader's hours is stale now: this one goes instead, and counts from where it began
    # (its rows locked first, so that delivery cannot take them meanwhile). Without that start (a subscription
    # written before it was kept), the held one goes as well, so that no change is missed.
    await lock_pending_digests(session, contact.chat_id, prefix)
    began, replacing = subscription.covering_from, False
    if began is not None and await has_superseded(session, contact.chat_id, prefix, key):
        since, replacing = began, True
    # what is not dropped below goes all the same (a digest begun goes whole; one from before 0022 goes as well):
    # now, and before this one, no longer waiting for it (outbox.SUPERSEDED_AT)
    await release_held(session, contact.chat_id, prefix, key, now)
    after = following(subscription.cadence, subscription.weekday, subscription.hour, due, zone)
    added = await enqueue_digest(session, contact, scope, locale, key, since=since, now=now,
                                 zone=zone, translate=translate, made=made, not_before=at if at > now else None,
                                 hours={**working_hours(*where), **(superseded_at(after.at) if after else {})})
    if added and replacing:
        await drop_superseded(session, contact.chat_id, prefix, key)
    subscription.last_period, subscription.updated_at = due.period, now
    if added:  # not added: another run wrote it, and these with it
        subscription.last_sent_at, subscription.covering_from = now, since
    await subscriptions.save(subscription)
    return int(added)
