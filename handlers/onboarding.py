"""First contact: /start, joining an entity by invitation, or registering a new one."""

from __future__ import annotations

import unicodedata

from handlers import outbox
from handlers.canonical import canonical_name
from handlers.commands import help_reply
from handlers.conversation import Conversation, Journey, begin
from handlers.forms.base import Form, FormState
from handlers.forms.countries import NO_COUNTRY, CountryStep
from handlers.forms.steps import ChoiceStep, TextStep, YesNoStep
from handlers.invites import InviteProblem, check_invite, usable
from handlers.messages import N_, Button, CountryName, Reply, Text, text
from handlers.people import audit, role_of, staff_contacts
from handlers.vocabulary import role_label, sector_label
from models.database import Session
from models.repositories.entities import Entities
from models.repositories.invites import Invites
from models.tables import Entity, Invite
from models.values import Role, Sector

CONSENT_REFUSED = N_("We can only register you with your consent. Press Yes to agree, or Cancel to stop.")

FULL_NAME = TextStep(id="full_name", question=N_("What is your name, as colleagues know you?"), label=N_("Your name"),
                     min_length=2, max_length=120, name=True)
CONSENT = YesNoStep(
    id="consent",
    question=N_("May ITU store your name, organisation and Telegram contact to follow up on your pledges "
                "under Partner2Connect? You can ask us to delete them at any time."),
    label=N_("Consent"), require_yes=CONSENT_REFUSED)

ONBOARDING = Form(
    id="onboarding",
    title=N_("Registration"),
    # consent first: nothing personal is typed before the person agreed that it may be kept
    steps=(
        CONSENT,
        TextStep(id="entity_name", question=N_("What is the name of your organisation?"), label=N_("Organisation"),
                 help=N_("Its full official name, for example “Ministry of Digital Economy of Senegal”."),
                 min_length=2, max_length=200, name=True),
        ChoiceStep(id="sector", question=N_("Which sector does it belong to?"), label=N_("Sector"),
                   choices=tuple(Sector), label_of=sector_label, columns=2),
        CountryStep(id="country", question=N_("Where is it based? Type the country's name."), label=N_("Country"),
                    help=N_("Type a few letters in any language, for example “sene”. International bodies "
                            "press “International”."), allow_none=True),
        FULL_NAME,
    ),
)

JOIN = Form(id="join", title=N_("Joining"), steps=(CONSENT, FULL_NAME), summary=False)


def name_key(name: str) -> str:
    """The form of a name used to find duplicates: case, spacing, invisible characters and width do not matter."""
    return " ".join(unicodedata.normalize("NFKC", canonical_name(name)).casefold().split())[:200]


async def finish_registration(conv: Conversation, state: FormState) -> None:
    """Create the entity (pending validation), make the person its focal point, tell staff."""
    answers = state.answers
    session = conv.session
    entity = await Entities(session).by_name_key(name_key(answers["entity_name"]))
    contact = conv.contact
    contact.full_name, contact.consent_at = answers["full_name"], conv.now
    if entity is not None:
        conv.say(Reply((text(N_("“{entity}” is already registered. Please ask its focal point or BDT for an "
                                "invitation link to join it. We have told BDT you asked."), entity=entity.name),)))
        await audit(session, contact, "entity.join_requested", "entity", entity.id)
        await _tell_staff(conv, f"join:{entity.id}:{contact.id}", Reply((text(
            N_("{person} asks to join “{entity}”. Send them an invitation if they belong to it."),
            person=contact.full_name, entity=entity.name),)))
        return
    country = answers.get("country")
    entity = Entity(name=answers["entity_name"], name_key=name_key(answers["entity_name"]), sector=answers["sector"],
                    country_iso3=None if country in (None, NO_COUNTRY) else country, created_at=conv.now)
    await Entities(session).add(entity)
    contact.entity_id, contact.role = entity.id, Role.focal_point
    conv.menu_changed = True
    await audit(session, contact, "entity.registered", "entity", entity.id)
    thanks = N_("Thank you, {name}. “{entity}” is registered and waits for validation by BDT. "
                "I will tell you as soon as it is validated.")
    conv.say(Reply((text(thanks, name=contact.full_name, entity=entity.name),)))
    where = CountryName(entity.country_iso3) if entity.country_iso3 else Text(N_("International (no single country)"))
    assert entity.id is not None
    await _tell_staff(conv, f"entity:{entity.id}", Reply(
        (text(N_("New organisation waiting for validation: “{entity}” ({sector}, {country}), registered by {person}."),
              entity=entity.name, sector=sector_label(entity.sector), country=where, person=contact.full_name),),
        ((Button(Text(N_("✅ Validate")), f"ent:ok:{entity.id}"),
          Button(Text(N_("❌ Reject")), f"ent:no:{entity.id}")),),
    ))


async def finish_joining(conv: Conversation, state: FormState) -> None:
    """Bind the person to the invitation's entity and role, if the invitation is still good."""
    invite_or_problem = await check_invite_by_id(conv.session, int(state.answers.get("invite_id", 0)), conv)
    if not isinstance(invite_or_problem, Invite):
        conv.say(problem_reply(invite_or_problem))
        return
    invite = invite_or_problem
    entity = await Entities(conv.session).get(invite.entity_id)
    assert entity is not None
    contact = conv.contact
    invite.used_at, invite.used_by = conv.now, contact.id
    contact.full_name, contact.consent_at = state.answers["full_name"], conv.now
    contact.entity_id, contact.role = entity.id, invite.role
    conv.menu_changed = True
    await audit(conv.session, contact, "invite.redeemed", "invite", invite.id, entity_id=entity.id, role=invite.role)
    welcome = text(N_("Welcome, {name}! You are now a {role} of “{entity}”."),
                   name=contact.full_name, role=role_label(invite.role), entity=entity.name)
    conv.say(help_reply(Role(invite.role), welcome))


async def check_invite_by_id(session: Session, invite_id: int, conv: Conversation) -> Invite | InviteProblem:
    """Re-check, at the end of joining, the invitation opened at its start (it may have been used since)."""
    return usable(await Invites(session).get_for_update(invite_id), conv.now)


def problem_reply(problem: InviteProblem) -> Reply:
    """What to say about an invitation that cannot be used."""
    messages = {
        InviteProblem.unknown: N_("This invitation link is not valid. Please check it, or ask BDT for a new one."),
        InviteProblem.used: N_("This invitation link has already been used. Please ask BDT for a new one."),
        InviteProblem.expired: N_("This invitation link has expired. Please ask BDT for a new one."),
    }
    return Reply((Text(messages[problem]),))


REGISTRATION = Journey(ONBOARDING, finish_registration)
JOINING = Journey(JOIN, finish_joining)


def greeting(conv: Conversation) -> Reply:
    """Hello, and in two lines what the bot is for."""
    # no name: a stranger's Telegram names are not kept (people.refresh), nor repeated in an outbox row
    return Reply((Text(N_("Hello! I am the Partner2Connect assistant of ITU.")),
                  Text(N_("With me, organisations register their P2C pledges for meaningful connectivity, report "
                          "progress, and stay in touch with ITU's Telecommunication Development Bureau."))))


async def start_command(conv: Conversation, argument: str) -> None:
    """/start: join by invitation, greet a known person, or begin registration."""
    contact = conv.contact
    assert contact.id is not None
    if argument:
        found = await check_invite(Invites(conv.session), argument, conv.now)
        if not isinstance(found, Invite):
            await audit(conv.session, contact, "invite.refused", reason=found.value)
            conv.say(problem_reply(found))
            return
        conv.say(greeting(conv))
        await begin(conv, JOINING, {"invite_id": found.id})
        return
    role = role_of(contact)
    if role is not None:
        conv.say(help_reply(role, text(N_("Welcome back, {name}!"), name=contact.full_name or contact.first_name)))
        return
    if contact.entity_id is not None:
        waiting = N_("Your registration is waiting for validation by BDT. I will tell you when it is done.")
        conv.say(Reply((Text(waiting),)))
        return
    conv.say(greeting(conv))
    await begin(conv, REGISTRATION)


async def _tell_staff(conv: Conversation, key: str, message: Reply) -> None:
    """Notify every reachable staff member and admin, once per event (the key)."""
    for member in await staff_contacts(conv.session):
        await outbox.enqueue(conv.session, member, message, f"staff:{key}:{member.id}", priority=outbox.NOTICE)
