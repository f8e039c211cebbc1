"""Drive journeys without Telegram: people type and press, the outbox is read back rendered."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace

from sqlmodel import col, select

from bot.i18n import Rendered, Renderer
from handlers.admin import CreateInvite, GrantRole, grant_role, invite
from handlers.broadcasts.composer import as_received
from handlers.buttons import stamp
from handlers.conversation import Deps
from handlers.inputs import Incoming, Person
from handlers.language import negotiate
from handlers.messages import reply_from_json
from handlers.router import handle
from models.clock import utcnow
from models.database import Database
from models.tables import Broadcast, Contact, Outbox
from models.values import Role

_update_ids = itertools.count(1)


@dataclass
class ChatDriver:
    """Sends inputs through handlers.router.handle and collects what the bot would send, per chat."""

    database: Database
    deps: Deps
    renderer: Renderer
    mailbox: dict[int, list[Rendered]] = field(default_factory=dict)
    edits: dict[int, list[bool]] = field(default_factory=dict)
    edited: list[bool] = field(default_factory=list)
    """For each message of the last collect, True when it edits a message sent before (outbox `edit_of`)."""
    ids: dict[int, list[int]] = field(default_factory=dict)
    sent_ids: list[int] = field(default_factory=list)
    """For each message of the last collect, the id Telegram knows it by (a button pressed on it names it)."""
    edits_keep_ids: bool = False
    """Whether an edit keeps the id of the message it edits, as in Telegram (by default each row has its own, by
    which some tests find it)."""

    @classmethod
    async def with_staff(cls, database: Database, deps: Deps, renderer: Renderer, staff_id: int) -> ChatDriver:
        """A chat driver whose database has one staff member ("Bea", `staff_id`), who has said hello."""
        driver = cls(database, deps, renderer)
        await grant_role(GrantRole(staff_id, Role.staff), database.uow(), utcnow())
        await driver.send(driver.person(staff_id, "Bea"), "/help")
        return driver

    async def with_focal_points(self, languages: tuple[str, ...], first_id: int = 100,
                                organisation: str = "Ministry of ICT", country_iso3: str = "SEN") -> ChatDriver:
        """Focal points of one organisation (ids first_id, first_id + 1, …), one per language, each joined with an
        invitation and past its welcome; the driver, for chaining."""
        for n, language in enumerate(languages):
            command = CreateInvite(organisation, Role.focal_point, country_iso3=country_iso3)
            token, _, _ = await invite(command, self.database.uow(), utcnow())
            person = self.person(first_id + n, language_code=language)
            await self.send(person, f"/start {token}")
            await self.press(person, "f:consent:c:yes")
            await self.send(person, "Focal Point")
            await self.collect(first_id + n)
        return self

    async def broadcast_message_asked(self, staff_id: int, language: str = "en", audience: str = "everyone",
                                      ) -> tuple[Person, list[Rendered]]:
        """Staff who began a broadcast to `audience` (a segment's code), with no file, written in `language`: the
        message question is asked (its answer)."""
        staff = self.person(staff_id)
        await self.send(staff, "/broadcast")
        await self.press(staff, f"f:audience:c:{audience}")
        await self.press(staff, "f:audience:done")
        await self.press(staff, "f:attachment:skip")
        return staff, await self.press(staff, f"f:language:c:{language}")

    def person(self, telegram_id: int, first_name: str = "Ada", language_code: str | None = "en") -> Person:
        """A Telegram user in a private chat."""
        return Person(telegram_id, telegram_id, first_name, None, None, language_code)

    async def send(self, person: Person, text: str, update_id: int | None = None,
                   reply_to: int | None = None) -> list[Rendered]:
        """The person types `text` (replying to message `reply_to` of their chat); returns the bot's answers."""
        incoming = replace(Incoming.from_text(update_id or next(_update_ids), person, text, utcnow()),
                           reply_to=reply_to)
        await handle(incoming, self.database.uow(), self.deps)
        return await self.collect(person.chat_id)

    async def send_file(self, person: Person, kind: str, file_id: str, name: str | None = None,
                        caption: str | None = None, reply_to: int | None = None,
                        album: str | None = None) -> list[Rendered]:
        """The person sends a photo or a document (with its file name, a caption, as a reply to a message, as one
        file of an album: Telegram's media_group_id)."""
        incoming = Incoming(next(_update_ids), person, utcnow(), text=caption, file_id=file_id, file_kind=kind,
                            file_name=name, reply_to=reply_to, album=album)
        await handle(incoming, self.database.uow(), self.deps)
        return await self.collect(person.chat_id)

    async def share_location(self, person: Person, latitude: float, longitude: float) -> list[Rendered]:
        """The person shares a location (📎 → Location), as the Telegram adapter hands it over."""
        incoming = Incoming(next(_update_ids), person, utcnow(), unreadable="location", location=(latitude, longitude))
        await handle(incoming, self.database.uow(), self.deps)
        return await self.collect(person.chat_id)

    async def press(self, person: Person, code: str, on: int | None = None) -> list[Rendered]:
        """The person presses a button with callback data `code` (of the message Telegram knows as `on`: see
        `sent_ids`)."""
        incoming = Incoming(next(_update_ids), person, utcnow(), code=code, message_id=on)
        await handle(incoming, self.database.uow(), self.deps)
        return await self.collect(person.chat_id)

    async def collect(self, chat_id: int) -> list[Rendered]:
        """Render every pending outbox row in its recipient's language, mark it sent, return this chat's."""
        async with self.database.uow() as uow:
            rows = await uow.session.execute(
                select(Outbox, Contact).join(Contact, col(Contact.id) == col(Outbox.contact_id))
                .where(col(Outbox.status).in_(["pending", "sending"])).order_by(col(Outbox.id)))
            for row, contact in rows.all():
                locale = negotiate(contact.language, contact.telegram_language, self.deps.default_locale)
                if "broadcast" in row.payload:
                    broadcast = await uow.session.get(Broadcast, row.payload["broadcast"])
                    assert broadcast is not None
                    attachment = broadcast.attachment if broadcast.attachment and \
                        not broadcast.attachment.get("separate") else None
                    rendered = self.renderer.reply(as_received(
                        broadcast.texts.get(locale) or broadcast.texts[broadcast.fallback],
                        (attachment["kind"], attachment["file_id"]) if attachment else None), locale)
                else:
                    rendered = self.renderer.reply(reply_from_json(row.payload["reply"]), locale)
                self.mailbox.setdefault(row.chat_id, []).append(rendered)
                self.edits.setdefault(row.chat_id, []).append("edit_of" in row.payload)
                row.status = "sent"
                edited = await uow.session.execute(select(Outbox.telegram_message_id).where(
                    Outbox.key == row.payload["edit_of"])) if "edit_of" in row.payload and self.edits_keep_ids \
                    else None
                # unique in its chat, as Telegram's
                row.telegram_message_id = row.telegram_message_id or (
                    edited.scalar_one_or_none() if edited is not None else None) or row.id
                self.ids.setdefault(row.chat_id, []).append(row.telegram_message_id)
            await uow.commit()
        self.edited, self.sent_ids = self.edits.pop(chat_id, []), self.ids.pop(chat_id, [])
        return self.mailbox.pop(chat_id, [])


HEADERS = {"en": "<b>📣 Partner2Connect announcement (ITU/BDT)</b>",
           "fr": "<b>📣 Annonce de Partner2Connect (UIT/BDT)</b>",
           "ar": "<b>📣 إعلان من Partner2Connect (الاتحاد الدولي للاتصالات/مكتب تنمية الاتصالات)</b>",
           "zh": "<b>📣 Partner2Connect 公告（国际电联/电信发展局）</b>",
           "es": "<b>📣 Anuncio de Partner2Connect (UIT/BDT)</b>",
           "ru": "<b>📣 Объявление Partner2Connect (МСЭ/БРЭ)</b>"}
"""The line above every broadcast in each of its readers' languages (handlers.broadcasts.composer.HEADER)."""


def announced(body: str, language: str = "en") -> str:
    """A broadcast's text as a reader of `language` receives it: under the header that says who sends it."""
    return f"{HEADERS[language]}\n\n{body}"


def button(message: Rendered, label_part: str) -> str:
    """The callback data of the first button whose label contains `label_part`."""
    for row in message.buttons:
        for label, data in row:
            if label_part in label:
                return data
    raise AssertionError(f"no button with {label_part!r} in {[b for r in message.buttons for b in r]}")


def confirm(code: str) -> str:
    """A confirmation's button code (/forget's, /leave's) as a question asked just now shows it (buttons.stamp)."""
    return f"{code}:{stamp(utcnow())}"


def unstamped(found: list[str]) -> list[str]:
    """Button codes without the moment a confirmation carries ("lv:yes:92244747" → "lv:yes")."""
    return [re.sub(r":[0-9]+$", "", code) if code.startswith(("lv:yes:", "lv:no:", "me:forget:")) else code
            for code in found]


def codes(message: Rendered) -> list[str]:
    """All callback data of a message's buttons."""
    return [data for row in message.buttons for _, data in row]
