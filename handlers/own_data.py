"""Each person's own data: /privacy (what is kept, why, how long), /mydata (a summary and a JSON file), /forget
(erase it after a confirmation). The aggregates themselves are registered in handlers.personal_data."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from handlers import buttons, outbox
from handlers.conversation import Conversation
from handlers.departures import hand_over
from handlers.helpdesk.threads import close_for_forgotten
from handlers.inputs import Incoming
from handlers.messages import N_, Button, Code, Concat, Day, Label, Line, Reply, Text, plural, reply_to_json, text
from handlers.people import audit, role_of
from handlers.personal_data import PERSONAL_DATA, Traces, edit_shown, erased_edit_key, plain, traces_of
from handlers.staff_notices import for_member
from handlers.vocabulary import role_label
from models.repositories.contacts import Contacts
from models.repositories.entities import Entities
from models.repositories.outbox import INTERACTIVE, OutboxRows
from models.repositories.people import People
from models.repositories.subscriptions import Files
from models.retention import FAREWELL_KEY_PREFIX
from models.tables import Contact
from models.timezones import zone_of
from models.values import LANGUAGE_NAMES, Role

JSON_TYPE = "application/json"


def _days(period: timedelta | None) -> Label:
    if period is None:
        return Text(N_("kept"))
    return plural("{count} day", "{count} days", period.days)


def privacy_reply(conv: Conversation) -> Reply:
    """The privacy note: what is kept, why, for how long (as configured), and how to see or erase it."""
    retention = conv.deps.retention
    logs = (plural("{count} day", "{count} days", conv.deps.log_retention_days)
            if conv.deps.log_retention_days else Text(N_("as long as the operator keeps them")))
    periods = Concat((
        Line(Text(N_("Your profile, organisation, role and settings")), Text(N_("until you leave or ask to be "
                                                                                "forgotten"))), "\n",
        # a tester found the questions listed as kept, and no word of how long (no retention job deletes them)
        Line(Text(N_("Your questions to the P2C team, and their answers")),
             Text(N_("until you ask to be forgotten"))), "\n",
        Line(Text(N_("Keys of the messages handled (so none is handled twice)")), _days(retention.updates)), "\n",
        Line(Text(N_("Copies of the messages sent to you")), _days(retention.outbox)), "\n",
        Line(Text(N_("Files made for you (digests, your data export)")), _days(retention.files)), "\n",
        Line(Text(N_("Audit trail of who decided what")), _days(retention.audit)), "\n",
        Line(Text(N_("Technical logs (internal numbers only, never your name or what you write)")), logs)))
    return Reply((
        Text(N_("🔒 Privacy: what this bot keeps about you")),
        Text(N_("What: your name, your Telegram names and id, your language, time zone and settings, your "
                "organisation and role, when you gave your consent, your unfinished forms, and the pledges, "
                "progress reports and questions you send.")),
        Text(N_("Why: to follow up on your organisation's Partner2Connect pledges, as WTDC Resolution 88 asks "
                "ITU's Telecommunication Development Bureau to do, and to answer you. Nothing is sold or used for "
                "advertising.")),
        Text(N_("How long:")), periods,
        Text(N_("Pledges and progress reports belong to your organisation: they stay when you leave or are "
                "forgotten, attributed to “a former focal point”.")),
        Text(N_("Your choices: /mydata sends you everything kept about you; /forget erases your personal data; "
                "/settings lets you withdraw your consent to announcements and digests.")),
    ))


async def privacy_command(conv: Conversation, incoming: Incoming) -> None:
    """/privacy: the privacy note in the person's language."""
    conv.say(privacy_reply(conv))


async def export_of(conv: Conversation) -> dict[str, Any]:
    """Everything kept about the person, aggregate by aggregate (handlers.personal_data.PERSONAL_DATA)."""
    contact = conv.contact
    entity = await Entities(conv.session).get(contact.entity_id) if contact.entity_id else None
    data: dict[str, Any] = {
        "profile": plain({"full_name": contact.full_name, "telegram_first_name": contact.first_name,
                          "telegram_last_name": contact.last_name, "telegram_username": contact.username,
                          "telegram_id": contact.telegram_id, "chat_id": contact.chat_id,
                          "language": contact.language, "telegram_language": contact.telegram_language,
                          "timezone": contact.timezone, "created_at": contact.created_at,
                          "last_seen_at": contact.last_seen_at}),
        "role": contact.role,
        "entity": plain({"id": entity.id, "name": entity.name, "sector": entity.sector,
                         "country": entity.country_iso3, "status": entity.status}) if entity else None,
        "consents": plain({"registration_consent_at": contact.consent_at,
                           "announcements_and_digests": announcements_on(contact),
                           "consent_withdrawn_at": contact.consent_withdrawn_at,
                           "optional_reminders": contact.optional_reminders}),
    }
    for aggregate in PERSONAL_DATA:
        exported = await aggregate.export(conv.session, contact)
        if exported is not None:
            data[aggregate.name] = exported
    return data


async def my_data_command(conv: Conversation, incoming: Incoming) -> None:
    """/mydata: a readable summary in the person's language, and the whole as a JSON document."""
    contact = conv.contact
    assert contact.id is not None
    data = await export_of(conv)
    entity = data["entity"]
    names = " ".join(n for n in (contact.first_name, contact.last_name) if n)
    handle = (" ", Code(f"@{contact.username}")) if contact.username else ()
    # TRANSLATORS: {name} is a person's name (in /mydata, their Telegram name and @username), {id} their Telegram id
    account = text(N_("{name} (id {id})"), name=Concat((names or "—", *handle)),
                   id=Code(str(contact.telegram_id)))  # a Code, as staff see ids: an id is not grouped like a count
    details: list[Label] = []
    for name, value in (
            (Text(N_("Name")), contact.full_name or "—"),
            (Text(N_("Telegram account")), account),
            (Text(N_("Role")), role_label(contact.role) if contact.role and role_of(contact) else Text(N_("none"))),
            (Text(N_("Organisation")), entity["name"] if entity else Text(N_("none"))),
            (Text(N_("Language")), LANGUAGE_NAMES.get(conv.locale, conv.locale)),
            # the zone chosen in /settings, as kept; none chosen: none kept, and the one the bot uses is said (as
            # /settings says it: a tester read "none" here and "Dakar" there)
            (Text(N_("Time zone")), Code(contact.timezone) if contact.timezone else
             text(N_("none chosen (the bot uses {zone}, from the organisation's country or its own)"),
                  zone=Code(zone_of(None, entity["country"] if entity else None, conv.deps.timezone)))),
            (Text(N_("Consent to be registered")), Day(contact.consent_at.date()) if contact.consent_at
             else Text(N_("not given"))),
            (Text(N_("Announcements and digests")),
             Text(N_("on (announcements and digests)")) if announcements_on(contact)
             else Text(N_("off (consent withdrawn)")) if contact.consent_withdrawn_at is not None
             else Text(N_("off (announcements and digests)")))):
        details += ["\n" if details else "", Line(name, value)]
    counts: list[Label] = []
    for aggregate in PERSONAL_DATA:
        if aggregate.line is not None and isinstance(data.get(aggregate.name), list):
            counts += ["\n" if counts else "", "• ",
                       plural(aggregate.line[0], aggregate.line[1], len(data[aggregate.name]))]
    conv.say(Reply((Text(N_("Here is what ITU keeps about you:")), Concat(tuple(details)),
                    *((Concat(tuple(counts)),) if counts else ()),
                    Text(N_("The file below holds all of it in detail (JSON). To erase your personal data, send "
                            "/forget; /privacy says how long each thing is kept.")))))
    content = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()
    file_id = await Files(conv.session).add(f"p2c-my-data-{conv.now.date().isoformat()}.json", JSON_TYPE, content,
                                            conv.now)
    caption = Reply((Text(N_("Your data kept by the Partner2Connect bot (JSON)")),))
    # after the summary, before what follows (a question asked again)
    await conv.queue_apart(lambda: OutboxRows(conv.session).enqueue(
        f"u:{conv.update_key}:mydata", contact.chat_id, contact.id,
        {"reply": reply_to_json(caption), "upload": {"kind": "document", "file": file_id}},
        priority=INTERACTIVE, now=conv.now))
    await audit(conv.session, contact, "person.exported", "contact", contact.id)


FORGET_CONSEQUENCES = {
    Role.focal_point: N_("The pledges and progress reports you submitted stay with your organisation, attributed to "
                         "“a former focal point”. This cannot be undone."),
    Role.coordinator: N_("You will also stop being a coordinator: your scope and your digest subscription end, and no "
                         "more digests will come to you. To become a coordinator again, you would need a new "
                         "invitation from BDT staff. This cannot be undone."),
    Role.staff: N_("You will also stop being BDT staff: questions, notices and digests will no longer come to you, "
                   "and only the operator of the bot can make you staff again. This cannot be undone."),
    Role.admin: N_("You will also stop being an administrator: questions, notices and digests will no longer come to "
                   "you, and only the operator of the bot can make you an administrator again. This cannot be "
                   "undone."),
}
"""What /forget costs beyond the personal data, by role: what stays, what ends and how it could come back."""


def announcements_on(contact: Contact) -> bool:
    """True when announcements and digests may come to the person: they have a role (someone the bot does not know,
    or has forgotten, gets none) and have not withdrawn that consent."""
    return role_of(contact) is not None and contact.consent_withdrawn_at is None


async def forget_command(conv: Conversation, incoming: Incoming) -> None:
    """/forget: say what will be erased and what stays (what the person's role loses), and ask to confirm."""
    role = role_of(conv.contact)
    conv.say(Reply((
        Text(N_("Do you want ITU to erase your personal data? Your name, Telegram names and id, settings, "
                "unfinished forms and the authorship of your questions will be erased, and the bot will no longer "
                "know you.")),
        Text(FORGET_CONSEQUENCES[role] if role is not None else N_("This cannot be undone.")),
    ), ((Button(Text(N_("🗑 Yes, erase my data")), f"me:forget:yes:{buttons.stamp(conv.now)}"),
         Button(Text(N_("No, keep my data")), f"me:forget:no:{buttons.stamp(conv.now)}")),)))


async def forget_button(conv: Conversation, code: str) -> None:
    """me:forget:yes:<moment> erases the person's data (handing their pledges over first) if asked within
    buttons.CONFIRM_WITHIN; me:forget:no:<moment> keeps it. Either answer replaces the question (the farewell does
    after a Yes), so that none of its buttons can be pressed later by mistake."""
    if await buttons.confirmation(conv, code, "me:forget", declined=Text(N_("Nothing was erased.")),
                                  expired=Text(N_("That question has expired, and nothing was erased. Send /forget "
                                                  "to be asked again."))):
        await forget(conv)


WAITING_NOTICES = (("pl", re.compile(r"pledge:([0-9]+):v[0-9]+:")), ("rs", re.compile(r"report:([0-9]+):v[0-9]+:")),
                   ("ent", re.compile(r"staff:entity:([0-9]+):")))
"""The copies of staff notices a decision closes (pledges.notices.staff_copy_key, reports.notices.report_copy_key,
onboarding.entity_copy_key, each followed by the staff member), as /pending names their records."""


async def _show_again_nameless(conv: Conversation, traces: Traces) -> None:
    """Edit the copies of staff notices that named the person (`traces.shown`) and still wait for a decision into
    the notice as it now reads, naming nobody, with its decision buttons (edit_shown would leave them only the erased
    line). Whatever their part in it: its submitter, who resubmitted it last, its report's sender."""
    from handlers.pending import notices_of  # deferred: /pending's journeys import settings, which imports this module
    shown = {message.shown_as: message for message in traces.shown if message.text and message.contact_id}
    records = sorted({(kind, int(found[1])) for key in shown for kind, pattern in WAITING_NOTICES
                      if (found := pattern.match(key)) is not None})
    contacts = Contacts(conv.session)
    for kind, record_id in records:
        for notice, copy_of in await notices_of(conv, kind, record_id):
            for key, message in sorted(shown.items()):
                member = await contacts.get(message.contact_id) \
                    if copy_of is not None and key.startswith(f"{copy_of}:") and message.contact_id else None
                if member is not None:
                    await outbox.enqueue(conv.session, member, for_member(member, notice),
                                         erased_edit_key(traces.contact_id, key), priority=outbox.NOTICE, edit_of=key)


async def forget(conv: Conversation) -> None:
    """Erase the person's personal data in this transaction; the confirmation is the one message left holding
    their chat, deleted once sent (models.retention.FAREWELL_KEY_PREFIX)."""
    contact = conv.contact
    assert contact.id is not None
    chat_id, locale = contact.chat_id, conv.locale
    # taken before the notices below are written: they name nobody, but may hold a name of theirs ("Fundación Carlos")
    traces = traces_of(contact, await People(conv.session).last_message())
    if role_of(contact) is Role.focal_point and contact.entity_id is not None:
        entity = await Entities(conv.session).get(contact.entity_id)
        if entity is not None:
            await hand_over(conv, entity, named=False)
    await close_for_forgotten(conv, contact)  # staff following their open questions are told why these close
    for aggregate in PERSONAL_DATA:
        await aggregate.erase(conv.session, contact, traces)
    await People(conv.session).anonymise(contact, conv.now)
    await _show_again_nameless(conv, traces)
    await edit_shown(conv.session, traces, conv.now)
    contact.language = locale  # the farewell is rendered in their language; a language code names nobody
    await audit(conv.session, contact, "person.forgotten", "contact", contact.id)
    farewell = Reply((Text(N_("Your personal data has been erased. If you write again, the bot will greet you as "
                              "someone new.")),))
    # it replaces the question whose Yes was pressed: its No, still there, would say "Nothing was erased"
    pressed = {"edit_message_id": conv.pressed} if conv.pressed is not None else {}
    await OutboxRows(conv.session).enqueue(f"{FAREWELL_KEY_PREFIX}{contact.id}", chat_id, contact.id,
                                           {"reply": reply_to_json(farewell), **pressed}, priority=INTERACTIVE,
                                           now=conv.now)
    conv.forgotten_chat = chat_id  # the contact no longer names the chat: the adapter resets its menu by this
