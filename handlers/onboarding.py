"""First contact: /start, joining an entity by invitation, or registering a new one."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from handlers import drafts, outbox
from handlers.canonical import canonical_name
from handlers.commands import help_reply
from handlers.conversation import Conversation, Journey, ask_again, begin
from handlers.departures import (
    discard_organisation_forms,
    hand_over,
    in_progress,
    left_label,
    withdraw_unissuable,
    withdrawn_by_role,
)
from handlers.digests.service import scope_changed, scope_for, scope_name
from handlers.forms.base import Answers, Form, FormContext, FormState, InvalidAnswerError, StepResult
from handlers.forms.countries import NO_COUNTRY, CountryStep
from handlers.forms.steps import ChoiceStep, TextStep, YesNoStep
from handlers.invites import (
    InviteProblem,
    changes_place,
    check_invite,
    may_still_issue,
    role_after,
    token_hash,
    usable,
    would_demote,
)
from handlers.messages import N_, Button, Code, CountryName, Label, Reply, Text, text
from handlers.people import audit, name_of, role_of, staff_contacts
from handlers.staff_notices import close_staff_copies, person_for_staff
from handlers.vocabulary import role_label, sector_label, typed_yes_no
from models.database import Session
from models.geography import fold_name
from models.repositories.audit import AuditTrail
from models.repositories.contacts import Contacts
from models.repositories.entities import Entities
from models.repositories.invites import Invites
from models.tables import Contact, Entity, Invite
from models.values import EntityStatus, Role, Sector

CONSENT_REFUSED = N_("We can only register you with your consent. Press Yes to agree, or Cancel to stop.")


def _yes_or_no_as_name(value: Any, answers: Mapping[str, Any]) -> Label | None:
    """A name that reads as a yes or a no ("oui", "да", "好的"): most often an answer to the question before, typed
    after it was answered; taken once confirmed."""
    if typed_yes_no(str(value)) is None:
        return None
    return text(N_("Is “{answer}” the name? It reads like a yes or a no. If it is the name, tap ✅. If not, type "
                   "the name."), answer=str(value))


def _person_name_doubt(value: Any, answers: Mapping[str, Any]) -> Label | None:
    """A person's name without a letter ("12345", a phone number typed in the wrong place), or one that reads as a
    yes or a no: taken once confirmed."""
    if not any(character.isalpha() for character in str(value)):
        return text(N_("“{answer}” has no letters. Is it the name your colleagues know you by? If it is, tap ✅. If "
                       "not, type your name."), answer=str(value))
    return _yes_or_no_as_name(value, answers)


LINK_IN_NAME = re.compile(
    r"://|\bwww\.|\bt\.me/|@|\.[^\W\d_]{2,}/|\.(?:com|org|net|info|biz|io|ly|me|int|gov|edu|ru|cn|fr|es)\b",
    re.IGNORECASE)
"""What makes a name a link or an address (which Telegram's apps would make tappable wherever it is shown): a
scheme, "www.", "t.me/", an @, a domain followed by a path or ending as common ones do ("evil.com"). "A.Diallo"
and "J. R. Okafor" are names."""


@dataclass(frozen=True, kw_only=True)
class PersonNameStep(TextStep):
    """A person's name, shown to staff and colleagues: a link or an address is no name (a tester joined as
    "https://evil.example/x", and staff then read "Submitted by:" a link they could tap)."""

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """A name as TextStep takes one, without a link or an address in it."""
        if LINK_IN_NAME.search(value):
            raise InvalidAnswerError(Text(N_("A name cannot contain a link or an @ address. Please type your name as "
                                             "colleagues know you.")))
        return super().on_text(value, answers, scratch, ctx)


FULL_NAME = PersonNameStep(id="full_name", question=N_("What is your name, as colleagues know you?"),
                           label=N_("Your name"), min_length=2, max_length=120, name=True, doubt=_person_name_doubt)
CONSENT = YesNoStep(
    id="consent",
    question=N_("May ITU store your name, organisation and Telegram contact to follow up on your pledges "
                "under Partner2Connect? You can ask us to delete them at any time."),
    label=N_("Consent"), require_yes=CONSENT_REFUSED)

ENTITY_NAME_LENGTH = range(2, 201)
"""Characters an organisation's name may have, as registration asks (and `p2c-bot invite create` checks)."""

ONBOARDING = Form(
    id="onboarding",
    title=N_("Registration"),
    # consent first: nothing personal is typed before the person agreed that it may be kept
    steps=(
        CONSENT,
        TextStep(id="entity_name", question=N_("What is the name of your organisation?"), label=N_("Organisation"),
                 help=N_("Its full official name, for example “Ministry of Digital Economy of Senegal”."),
                 min_length=min(ENTITY_NAME_LENGTH), max_length=max(ENTITY_NAME_LENGTH), name=True,
                 doubt=_yes_or_no_as_name),
        ChoiceStep(id="sector", question=N_("Which sector does it belong to?"), label=N_("Sector"),
                   choices=tuple(Sector), label_of=sector_label, columns=2),
        CountryStep(id="country", question=N_("Where is it based? Type the country's name."), label=N_("Country"),
                    help=N_("Type a few letters in any language, for example “sene”. International bodies "
                            "press “International”."), allow_none=True),
        FULL_NAME,
    ),
)



def _change_params(answers: Mapping[str, Any]) -> dict[str, Any]:
    return {"role": role_label(str(answers["$role"])), "new_role": role_label(str(answers["$new_role"])),
            "current": answers["$current"], "entity": answers["$entity"]}


# someone who already has a role confirms any change an invitation makes to it: it never happens silently; No keeps
# their place and ends the joining (a tester's No was refused, and asked again)
MOVE = YesNoStep(
    id="move", label=N_("Change of organisation"), params=_change_params,
    when=lambda a: a.get("$change") == "move",
    question=N_("You are registered with “{current}” as {role}. This invitation is for “{entity}” as {new_role}: "
                "if you accept, you leave “{current}”. Do you want to move?"))
NEW_ROLE = YesNoStep(
    id="new_role", label=N_("Change of role"), params=_change_params,
    when=lambda a: a.get("$change") == "role",
    question=N_("You are registered with “{entity}” as {role}. This invitation makes you {new_role} of “{entity}” "
                "instead. Do you want this change?"))



def _declined(answers: Mapping[str, Any]) -> bool:
    """Whether the person said No to the change of organisation or role the invitation makes."""
    return "no" in (answers.get("move"), answers.get("new_role"))


JOIN = Form(id="join", title=N_("Joining"), summary=False,
            steps=(MOVE, NEW_ROLE, replace(CONSENT, when=lambda a: not _declined(a)),
                   replace(FULL_NAME, when=lambda a: not _declined(a))))


NAME_KEY_FOLDS = str.maketrans({
    **dict.fromkeys("\u2019\u2018\u201b\u02bc\u02bb\u02b9\u2032\u00b4`", "'"),  # ’ ‘ ‛ ʼ ʻ ʹ ′ ´ `
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63", "-"),  # hyphens, dashes, minus
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033", '"'),  # “ ” „ ‟ « » ″
    "\u00ad": None,  # a soft hyphen is invisible
})
"""Characters that keyboards type for the same mark (iOS and macOS type ’ for ', Word turns - into –): one each.
Models/migrations/versions/0013 recomputed the stored keys with these folds: change them only with a migration."""


def name_key(name: str) -> str:
    """The form of a name used to find duplicates: case, spacing, invisible characters, width, and the variants of
    apostrophes, dashes and quotation marks do not matter."""
    folded = canonical_name(name).translate(NAME_KEY_FOLDS)
    return " ".join(unicodedata.normalize("NFKC", folded).casefold().split())[:200]


def folded_key(name: str) -> str:
    """A name's key with accents and punctuation aside too (models.geography.fold_name), compared with
    Entities.folded_names: "Asociacion Red Rural" is the "Asociación Red Rural" registered before it."""
    return fold_name(name_key(name))


async def finish_registration(conv: Conversation, state: FormState) -> None:
    """Create the entity (pending validation), make the person its focal point, tell staff."""
    answers = state.answers
    session = conv.session
    country = answers.get("country")
    country = None if country in (None, NO_COUNTRY) else country
    entity = await Entities(session).same_organisation(name_key(answers["entity_name"]), country)
    folded = folded_key(answers["entity_name"])
    if entity is None and folded:  # "Asociacion Red Rural" is the "Asociación Red Rural" registered before it
        entity = await Entities(session).same_folded(folded, country)
    contact = conv.contact
    contact.full_name, contact.consent_at = answers["full_name"], conv.now
    if entity is not None and entity.status == EntityStatus.rejected and contact.entity_id == entity.id:
        # its own focal point, who registered it again after /start offered "register another organisation"
        # (who may have joined it by invitation rather than registered it: "your organisation", a review)
        conv.say(Reply((text(N_("“{entity}” is your organisation, and BDT could not validate it. If you think this "
                                "is a mistake, write to BDT with /ask. To register another organisation, send /start "
                                "and give its full official name."), entity=entity.name),)))
        return
    if entity is not None and entity.status == EntityStatus.rejected:
        conv.say(Reply((text(N_("“{entity}” was registered before, and BDT could not validate it, so nobody can join "
                                "it. If you think this is a mistake, its focal point can write to BDT with /ask. To "
                                "register another organisation, send /start and give its full official name, with its "
                                "country if another organisation has the same name."), entity=entity.name),)))
        return
    if entity is not None:
        conv.say(Reply((text(N_("“{entity}” is already registered. Please ask its focal point or BDT for an "
                                "invitation link to join it. We have told BDT you asked."), entity=entity.name),)))
        await audit(session, contact, "entity.join_requested", "entity", entity.id)
        await _tell_staff(conv, f"join:{entity.id}:{contact.id}", Reply((text(
            N_("{person} asks to join “{entity}” (no. {number}). Send them an invitation if they belong to it: "
               "/invite {number}"), person=person_for_staff(contact), entity=entity.name,
            number=Code(str(entity.id))),)))
        return
    entity = Entity(name=answers["entity_name"], name_key=name_key(answers["entity_name"]), sector=answers["sector"],
                    country_iso3=country, created_at=conv.now)
    await Entities(session).add(entity)
    seen = await scope_for(session, contact)  # a coordinator registering one of their own (takes_a_place)
    contact.entity_id, contact.role = entity.id, Role.focal_point
    await scope_changed(session, contact, seen)  # their held digest, made for what they saw, is not theirs now
    conv.menu_changed = True
    await audit(session, contact, "entity.registered", "entity", entity.id)
    thanks = N_("Thank you, {name}. “{entity}” is registered and waits for validation by BDT. "
                "I will tell you as soon as it is validated.")
    conv.say(Reply((text(thanks, name=contact.full_name, entity=entity.name),)))
    assert entity.id is not None
    await _tell_staff(conv, f"entity:{entity.id}", entity_notice(entity, person_for_staff(contact)))


def entity_notice(entity: Entity, person: Label | None, *, decision: bool = True) -> Reply:
    """The staff notification of an organisation waiting for validation (its number, and `person` who registered
    it as staff see them; None once nobody of it is left to name: they left, moved or asked to be forgotten), with
    Validate / Reject unless `decision` is False (once decided)."""
    where = CountryName(entity.country_iso3) if entity.country_iso3 else Text(N_("International (no single country)"))
    facts = {"entity": entity.name, "number": Code(str(entity.id)), "sector": sector_label(entity.sector),
             "country": where}
    message = text(N_("New organisation waiting for validation: “{entity}” (no. {number}; {sector}, {country}), "
                      "registered by {person}."), person=person, **facts) if person is not None else \
        text(N_("New organisation waiting for validation: “{entity}” (no. {number}; {sector}, {country}); whoever "
                "registered it is no longer its focal point."), **facts)
    buttons = ((Button(Text(N_("✅ Validate")), f"ent:ok:{entity.id}"),
                Button(Text(N_("❌ Reject")), f"ent:no:{entity.id}")),) if decision else ()
    return Reply((message,), buttons)


def entity_copy_key(entity_id: int) -> str:
    """The outbox key of the staff notification of an organisation, before ":<staff member id>"."""
    return f"staff:entity:{entity_id}"


async def finish_joining(conv: Conversation, state: FormState) -> None:
    """Bind the person to the invitation's entity and role, if the invitation is still good; never lower their role,
    and change an existing place only as they confirmed (staff are told)."""
    invite_or_problem = await check_invite_by_id(conv.session, int(state.answers.get("invite_id", 0)), conv)
    if not isinstance(invite_or_problem, Invite):
        conv.say(problem_reply(invite_or_problem, role_of(conv.contact)))
        return
    invite = invite_or_problem
    entity = await Entities(conv.session).get(invite.entity_id)
    assert entity is not None
    if entity.status == EntityStatus.rejected:  # rejected while the person was joining
        await audit(conv.session, conv.contact, "invite.refused", "invite", invite.id, reason="rejected")
        conv.say(problem_reply(InviteProblem.rejected, role_of(conv.contact)))
        return
    contact = conv.contact
    current, invited = role_of(contact), Role(invite.role)
    if would_demote(current, invited):  # given a higher role while they were joining
        await refuse_demotion(conv, invite, entity)
        return
    if already_there(contact, invite):  # joined it meanwhile (another link, another device)
        await refuse_held_already(conv, invite, entity)
        return
    if _declined(state.answers):
        await audit(conv.session, conv.contact, "invite.declined", "invite", invite.id, reason=state.answers.get(
            "$change"))
        conv.say(Reply((text(N_("Nothing was changed: you stay with “{current}” as {role}. The invitation was not "
                                "used, and its link still works if you change your mind."),
                             **_change_params(state.answers)),)))
        return
    if changes_place(current, contact.entity_id, invite) and "yes" not in (state.answers.get("move"),
                                                                         state.answers.get("new_role")):
        conv.say(Reply((Text(N_("Your role or organisation changed while you were joining, so nothing was changed. "
                                "Please open the invitation link again.")),)))
        return
    # read before the person's place changes: leaving the organisation they had (hand_over) ends the request too
    asked = await join_request(conv.session, contact)
    before, old_entity_id = current, contact.entity_id
    old = await Entities(conv.session).get(old_entity_id) if old_entity_id is not None else None
    role = role_after(current, invited)
    invite.used_at, invite.used_by = conv.now, contact.id
    contact.full_name, contact.consent_at = state.answers["full_name"], conv.now
    seen = await scope_for(conv.session, contact)
    contact.entity_id, contact.role = entity.id, role
    conv.menu_changed = True
    await scope_changed(conv.session, contact, seen)  # what waits, made for what they saw, is not theirs now
    handed: dict[str, int | None] = {}
    left: Label | None = None
    if before is Role.focal_point and old is not None and old.id != entity.id:  # they leave it, as on /leave
        departure = await hand_over(conv, old, named=True)
        await discard_organisation_forms(conv)  # its pledges are not theirs to send any more
        successor = departure.successor
        handed, left = {"successor": successor.id if successor else None}, left_label(old, departure)
    elif before is not None and role != before:  # another role in it: pledges stay, links it cannot make stop
        await withdraw_unissuable(conv.session, contact, contact, conv.now, "role.changed", role=role,
                                  previous=before)
    await audit(conv.session, contact, "invite.redeemed", "invite", invite.id, entity_id=entity.id, role=role,
                previous_role=before, previous_entity_id=old_entity_id, **handed)
    if asked is not None:
        await _close_join_request(conv, asked, entity, invite)
    # the organisation they were registering is not needed any more: finishing it would take them out of this one
    dropped = (Text(REGISTRATION_DROPPED),) if await drop_registration(conv.session, contact) else ()
    welcome = text(N_("Welcome, {name}! You are now a {role} of “{entity}”."),
                   name=contact.full_name, role=role_label(role), entity=entity.name)
    # a coordinator's scope is BDT's choice, not the organisation of the invitation: said at once, as /digest says it
    scope = await scope_for(conv.session, contact) if role is Role.coordinator else None
    covered = (Text(N_("Your digests and /export cover: {scope}"), {"scope": await scope_name(conv.session, scope)}),
               ) if scope is not None else ()
    conv.say(help_reply(role, welcome, *covered))
    after = (*((left,) if left is not None else ()), *dropped)
    if after:  # after the welcome, which answers what they asked for
        conv.say(Reply(after))
    await _tell_inviter(conv, invite, entity)
    if before is not None and (old_entity_id, before) != (entity.id, role):
        await _tell_staff(conv, f"invite:{invite.id}:changed", Reply((text(
            N_("{person} accepted an invitation: was {role} of “{old}”, is now {new_role} of “{entity}”."),
            person=person_for_staff(contact), role=role_label(before), old=old.name if old else "",
            new_role=role_label(role), entity=entity.name),)))


async def _tell_inviter(conv: Conversation, invite: Invite, entity: Entity) -> None:
    """Tell the person who made the invitation that it was used, and by whom, if they are still a member of the
    organisation or staff (a colleague who left, or was forgotten, is told nothing of its people)."""
    inviter = await Contacts(conv.session).get(invite.created_by) if invite.created_by is not None else None
    if inviter is None or inviter.id == conv.contact.id:
        return
    role = role_of(inviter)
    if role not in (Role.staff, Role.admin) and (role is None or inviter.entity_id != entity.id):
        return
    joined = N_("{person} joined “{entity}” as {role} with the invitation you made.")
    staff = role in (Role.staff, Role.admin)
    person = person_for_staff(conv.contact) if staff else name_of(conv.contact)  # no id
    lines: list[Label] = [text(joined, person=person, entity=entity.name, role=role_label(invite.role))]
    scope = await scope_for(conv.session, conv.contact) if staff and role_of(conv.contact) is Role.coordinator \
        else None
    if scope is not None:  # the invitation's organisation is not their scope: BDT sets it, or they see everything
        lines.append(text(N_("Their digests and /export cover: {scope}. To change it, write {command} and a scope, "
                             "for example region africa or entity {number}."),
                          scope=await scope_name(conv.session, scope),
                          command=Code(f"/scope {conv.contact.telegram_id}"), number=Code(str(entity.id))))
    await outbox.enqueue(conv.session, inviter, Reply(tuple(lines)), f"invite:{invite.id}:joined:{inviter.id}",
                         priority=outbox.NOTICE)


async def refuse_demotion(conv: Conversation, invite: Invite, entity: Entity) -> None:
    """Leave an invitation unused that would lower the person's role, and say so (audited)."""
    await audit(conv.session, conv.contact, "invite.refused", "invite", invite.id, reason="would_demote",
                role=conv.contact.role, invited=invite.role)
    refused = N_("This invitation is for joining “{entity}” as {invited}, a lower role than yours ({role}). An "
                 "invitation never lowers a role, so it was not used and nothing changed. Please contact BDT if this "
                 "is a mistake.")
    if role_of(conv.contact) in (Role.staff, Role.admin):  # they are BDT: the link was meant for someone else
        refused = N_("This invitation is for joining “{entity}” as {invited}. An invitation never lowers a role, so "
                     "you keep yours ({role}): it was not used, and you can pass the link on to the person it is for.")
    conv.say(Reply((text(refused, entity=entity.name, invited=role_label(invite.role),
                         role=role_label(conv.contact.role or "")),)))


def already_there(contact: Contact, invite: Invite) -> bool:
    """True when the person already holds the place the invitation offers (its organisation, and its role or a
    higher one there): opening it changes nothing, and it is left for the colleague it was meant for."""
    current = role_of(contact)
    return current is not None and contact.entity_id == invite.entity_id \
        and not changes_place(current, contact.entity_id, invite)


async def refuse_held_already(conv: Conversation, invite: Invite, entity: Entity) -> None:
    """Leave unused an invitation to the place the person holds already, and say so (audited)."""
    await audit(conv.session, conv.contact, "invite.refused", "invite", invite.id, reason="already_member")
    conv.say(Reply((text(N_("You are already a {role} of “{entity}”, so this invitation was not used: it still works "
                            "for the colleague it was meant for."),
                         role=role_label(conv.contact.role or ""), entity=entity.name),)))


async def change_answers(session: Session, contact: Contact, invite: Invite, entity: Entity) -> dict[str, object]:
    """What the joining form shows a person whose role or organisation the invitation would change."""
    current = role_of(contact)
    if current is None or not changes_place(current, contact.entity_id, invite):
        return {}
    old = await Entities(session).get(contact.entity_id) if contact.entity_id is not None else None
    return {"$change": "move" if contact.entity_id != invite.entity_id else "role", "$role": current.value,
            "$new_role": role_after(current, Role(invite.role)).value, "$current": old.name if old else "",
            "$entity": entity.name}


JOINING_GRACE = timedelta(days=2)
"""How long after its expiry an invitation still ends the joining it began while valid: answers are not lost to a
deadline passed in the middle, and a conversation left open does not keep a link alive for long."""


async def check_invite_by_id(session: Session, invite_id: int, conv: Conversation) -> Invite | InviteProblem:
    """Re-check, at the end of joining, the invitation opened at its start: it may have been used or withdrawn since;
    one that expired meanwhile is still honoured for JOINING_GRACE."""
    invite = await Invites(session).get_for_update(invite_id)
    opened = conv.finished.created_at if conv.finished is not None else conv.now  # the draft began with the link
    late = invite is None or conv.now >= invite.expires_at + JOINING_GRACE
    found = usable(invite, conv.now if late else min(opened, conv.now))
    if found is InviteProblem.withdrawn:
        return await why_withdrawn(session, invite)
    return await issued_still(session, found) if isinstance(found, Invite) else found


async def issued_still(session: Session, invite: Invite) -> Invite | InviteProblem:
    """The invitation, unless the person who made it may no longer make it (invites.may_still_issue)."""
    maker = await Contacts(session).get(invite.created_by) if invite.created_by is not None else None
    return invite if may_still_issue(invite, maker) else InviteProblem.maker_may_not


async def why_withdrawn(session: Session, invite: Invite | None) -> InviteProblem:
    """Why a withdrawn invitation no longer works: its maker's role was revoked or changed (maker_may_not, as one
    checked when used says), or they left the organisation (withdrawn)."""
    return InviteProblem.maker_may_not if invite is not None and await withdrawn_by_role(session, invite) \
        else InviteProblem.withdrawn


REGISTER_YOURS = N_("To register your organisation, send /start; /help lists what I can do.")
"""How a person with no place yet is told to begin (the greeting says it too)."""


def problem_reply(problem: InviteProblem, role: Role | None) -> Reply:
    """What to say about an invitation that cannot be used, to a person with this role (None: no place yet)."""
    # a colleague can make a new link with /invite: the person who sent it is the first to ask
    messages = {
        InviteProblem.unknown: N_("This invitation link is not valid. Please check it, or ask the person who sent it "
                                  "to you (or BDT) for a new one."),
        InviteProblem.used: N_("This invitation link has already been used. Please ask the person who sent it to you "
                               "(or BDT) for a new one."),
        InviteProblem.expired: N_("This invitation link has expired. Please ask the person who sent it to you "
                                  "(or BDT) for a new one."),
        InviteProblem.withdrawn: N_("This invitation link is no longer valid: the person who made it left the "
                                    "organisation. Please ask a focal point of the organisation, or BDT, for a new "
                                    "one."),
        InviteProblem.maker_may_not: N_("This invitation link is no longer valid: the person who made it can no "
                                        "longer invite people. Please ask a focal point of the organisation, or BDT, "
                                        "for a new one."),
        InviteProblem.rejected: N_("This invitation is for an organisation that BDT could not validate, so it "
                                   "cannot be used. If you think this is a mistake, ask the person who sent it to you "
                                   "to write to BDT."),
    }
    # someone with no place cannot write to BDT (/ask) and may belong to another organisation: say how to register
    way_on = (Text(REGISTER_YOURS),) if problem is InviteProblem.rejected and role is None else ()
    return Reply((Text(messages[problem]), *way_on))


def takes_a_place(contact: Contact) -> bool:
    """Who may register an organisation or join one: anyone but BDT staff and administrators, whose role a place
    in an organisation would replace (finishing either makes them a focal point)."""
    role = role_of(contact)
    return role is None or not role.is_staff


REGISTRATION = Journey(ONBOARDING, finish_registration, may=takes_a_place)
JOINING = Journey(JOIN, finish_joining, may=takes_a_place)


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
        if isinstance(found, Invite):
            found = await issued_still(conv.session, found)
        elif found is InviteProblem.withdrawn:
            found = await why_withdrawn(conv.session, await Invites(conv.session).by_token_hash(token_hash(argument)))
        elif found is InviteProblem.used:  # opened again by whoever used it: not "ask for a new one" (a tester)
            used = await Invites(conv.session).by_token_hash(token_hash(argument))
            joined = await Entities(conv.session).get(used.entity_id) \
                if used is not None and used.used_by == contact.id and contact.entity_id == used.entity_id else None
            if joined is not None:
                conv.say(Reply((text(N_("You already joined {organisation} with this link. /help lists what you can "
                                        "do."), organisation=joined.name),)))
                return
        if not isinstance(found, Invite):
            await audit(conv.session, contact, "invite.refused", reason=found.value)
            conv.say(problem_reply(found, role_of(contact)))
            return
        entity = await Entities(conv.session).get(found.entity_id)
        assert entity is not None
        if entity.status == EntityStatus.rejected:
            await audit(conv.session, contact, "invite.refused", "invite", found.id, reason="rejected")
            conv.say(problem_reply(InviteProblem.rejected, role_of(contact)))
            return
        if would_demote(role_of(contact), Role(found.role)):
            await refuse_demotion(conv, found, entity)
            return
        if already_there(contact, found):
            await refuse_held_already(conv, found, entity)
            return
        if role_of(contact) is None:  # someone with a place is asked about changing it, not greeted as new
            conv.say(greeting(conv))
        change = await change_answers(conv.session, contact, found, entity)
        # a focal point moving away leaves their forms about its pledges behind (finish_joining): said first
        discarded = await in_progress(conv) if change.get("$change") == "move" and \
            role_of(contact) is Role.focal_point else ()
        # a newcomer is told what they join before they are asked to consent (a move or a new role says it itself)
        # its country too, as the inviter read it: two organisations may share a name (a tester's had none)
        joins = () if change else (
            text(N_("You are invited to join “{entity}” ({country}) as {role}."), entity=entity.name,
                 country=CountryName(entity.country_iso3), role=role_label(found.role)) if entity.country_iso3 else
            text(N_("You are invited to join “{entity}” as {role}."), entity=entity.name,
                 role=role_label(found.role)),)
        await begin(conv, JOINING, {"invite_id": found.id, **change}, *joins, once=discarded)
        return
    joining = await waiting_to_join(conv.session, contact)
    if joining is not None:
        conv.say(join_reminder(joining))
        return
    role = role_of(contact)
    entity = await Entities(conv.session).get(contact.entity_id) if contact.entity_id is not None else None
    rejected = role is Role.focal_point and entity is not None and entity.status == EntityStatus.rejected
    if rejected and entity is not None:
        await begin(conv, REGISTRATION, None, text(N_(
            "BDT could not validate “{entity}”. If you think this is a mistake, write to BDT with /ask. Otherwise, "
            "register another organisation:"), entity=entity.name))
        return
    if role is not None:
        # a role given by `admin grant` before the person ever wrote: their first visit is no return
        welcome = N_("Welcome, {name}!") if conv.first_visit else N_("Welcome back, {name}!")
        conv.say(help_reply(role, text(welcome, name=contact.full_name or contact.first_name)))
        return
    if contact.entity_id is not None:
        waiting = N_("Your registration is waiting for validation by BDT. I will tell you when it is done.")
        conv.say(Reply((Text(waiting),)))
        return
    conv.say(greeting(conv))
    await begin(conv, REGISTRATION)


JOIN_REQUEST_CODES = frozenset({"jr:reg", "jr:wait"})


def join_reminder(entity: Entity) -> Reply:
    """The reminder of a join request, with the two ways on: register another organisation, or keep waiting."""
    return Reply((text(N_("You asked to join “{entity}”, and BDT has been told. When its focal point or BDT sends you "
                          "an invitation link, open it to join."), entity=entity.name),),
                 ((Button(Text(N_("Register another organisation")), "jr:reg"),),
                  (Button(Text(N_("Keep waiting")), "jr:wait"),)))


async def join_request_button(conv: Conversation, code: str) -> None:
    """jr:reg registers another organisation instead of waiting to join one (a name is matched in the person's
    country, and an international body's in every country, so the match may still be wrong); jr:wait keeps the
    request."""
    if code not in JOIN_REQUEST_CODES:
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
        return
    if code == "jr:wait":
        conv.say(Reply((Text(N_("Nothing changed.")),)))
        return
    contact = conv.contact
    assert contact.id is not None
    if await waiting_to_join(conv.session, contact) is None:  # joined, registered or forgotten since
        await start_command(conv, "")
        return
    begun = await drafts.find_draft(conv.session, contact.id, ONBOARDING.id)
    if begun is not None:  # the button pressed again: the answers given are kept
        await ask_again(conv, REGISTRATION, begun)
        return
    await begin(conv, REGISTRATION, None, Text(N_(
        "When I ask for its name, give your organisation's full official name, with its country if another "
        "organisation has the same name.")))


async def waiting_to_join(session: Session, contact: Contact) -> Entity | None:
    """The organisation the person asked to join, while they have no place of their own (or only one BDT rejected)
    and the request is still the last thing they did about their place."""
    role = role_of(contact)
    if role is not None:
        if role is not Role.focal_point or contact.entity_id is None:
            return None
        own = await Entities(session).get(contact.entity_id)
        if own is None or own.status != EntityStatus.rejected:
            return None
    return await join_request(session, contact)


async def waiting_reply(session: Session, contact: Contact) -> Reply | None:
    """What /pledge and /report say to someone waiting to join an organisation (told to send /start, they heard
    again that they wait for an invitation: a tester); None when they are not waiting."""
    if role_of(contact) is not None:
        return None
    asked = await waiting_to_join(session, contact)
    if asked is None:
        return None
    return Reply((text(N_("You asked to join “{entity}”. Once you open the invitation link that its focal point or "
                          "BDT sends you, you can register its pledges and report on them."), entity=asked.name),))


REGISTRATION_DROPPED = N_("The registration of another organisation that you had begun is closed: it is no longer "
                          "needed.")
"""Said when a registration begun is dropped (drop_registration): on joining by invitation, and with the news of an
organisation validated after all (handlers.entities)."""


async def drop_registration(session: Session, contact: Contact) -> bool:
    """Discard the registration of an organisation that the person began (/start, or "Register another
    organisation") now that they have a place after all: BDT validated their rejected organisation, or they joined
    one by invitation. Finishing it would take them out of that place. True when there was one."""
    assert contact.id is not None
    if await drafts.find_draft(session, contact.id, ONBOARDING.id) is None:
        return False
    await drafts.discard(session, contact.id, ONBOARDING.id)
    return True


PLACE_CHANGES = frozenset({"entity.join_requested", "entity.registered", "invite.redeemed", "entity.left"})
"""The audited actions by which a person asks for, takes or leaves a place in an organisation. /forget needs no
entry: it anonymises the contact (no consent, no Telegram id), and a person who writes again is a new contact."""


async def join_request(session: Session, contact: Contact) -> Entity | None:
    """The organisation the person asked to join (told it was registered already), while that is still the last
    thing they did about their place and it was not rejected since."""
    if contact.id is None or contact.consent_at is None:  # only a registration, given consent, asks to join
        return None
    # the operator's grant or revoke of a role since ends it (a review: a staff member revoked could ask BDT again,
    # through a join request made before they were staff)
    last = await AuditTrail(session).last_of_person(contact.id, PLACE_CHANGES)
    if last is None or last[0] != "entity.join_requested" or last[1] is None:
        return None
    entity = await Entities(session).get(last[1])
    return entity if entity is not None and entity.status != EntityStatus.rejected else None


async def _close_join_request(conv: Conversation, asked: Entity, joined: Entity, invite: Invite) -> None:
    """Edit staff's "asks to join" notice of a person who has just joined by invitation, so that nobody sends them
    another (a tester's staff member, reading it later, was still asked to /invite them)."""
    contact = conv.contact
    notice = Reply((text(N_("{person} asked to join “{entity}” (no. {number})."), person=person_for_staff(contact),
                         entity=asked.name, number=Code(str(asked.id))),))
    footer = N_("✅ {person} joined it by invitation on {when}.") if joined.id == asked.id else N_(
        "✅ {person} joined another organisation by invitation on {when}.")
    await close_staff_copies(conv.session, f"staff:join:{asked.id}:{contact.id}", notice, footer,
                             name_of(contact), conv.now, conv.deps.timezone, stage=f"joined:{invite.id}")


async def _tell_staff(conv: Conversation, key: str, message: Reply) -> None:
    """Notify every reachable staff member and admin, once per event (the key)."""
    for member in await staff_contacts(conv.session):
        await outbox.enqueue(conv.session, member, message, f"staff:{key}:{member.id}", priority=outbox.NOTICE)
