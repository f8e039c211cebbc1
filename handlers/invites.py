"""Invitations: single-use, expiring tokens that bind a person to an entity and a role."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from handlers.canonical import NAME_INVISIBLE
from models.database import Session
from models.repositories.invites import Invites
from models.tables import Contact, Entity, Invite
from models.values import Role

TOKEN_BYTES = 24
"""192 bits of randomness; the URL-safe text (32 characters) fits Telegram's 64-character start parameter."""
DEFAULT_LIFETIME = timedelta(days=14)
INVITABLE = frozenset({Role.focal_point, Role.coordinator})
RANK: dict[Role, int] = {Role.focal_point: 0, Role.coordinator: 1, Role.staff: 2, Role.admin: 3}
"""admin > staff > coordinator > focal_point. DOMAIN.md orders admin ⊃ staff ⊃ coordinator by what each may see;
a focal point sees only its own entity's pledges where a coordinator sees every pledge of their scope, so it
stands below the coordinator. An invitation never lowers a role (`would_demote`)."""


def would_demote(current: Role | None, invited: Role) -> bool:
    """True when redeeming an invitation to `invited` would lower the person's `current` role."""
    return current is not None and RANK[invited] < RANK[current]


def role_after(current: Role | None, invited: Role) -> Role:
    """The role a person holds after redeeming an invitation: the invited one, never lower than theirs."""
    return current if current is not None and RANK[current] > RANK[invited] else invited


def changes_place(current: Role | None, entity_id: int | None, invite: Invite) -> bool:
    """True when a person with a role would change entity or role by this invitation (they confirm it first)."""
    return current is not None and (entity_id != invite.entity_id or role_after(current, Role(invite.role)) != current)


class InviteProblem(StrEnum):
    """Why an invitation cannot be used."""

    unknown = "unknown"
    used = "used"
    expired = "expired"
    rejected = "rejected"
    """The organisation it is for was not validated by BDT."""
    withdrawn = "withdrawn"
    """The focal point who made it left the organisation (Invites.withdraw_made_by)."""
    maker_may_not = "maker_may_not"
    """The person who made it may no longer make it: their role was taken away or changed (may_still_issue)."""


def token_hash(token: str) -> str:
    """Only the hash of a token is stored, so a database leak does not leak working invitations."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedInvite:
    """A new invitation: the secret token (shown once) and its row."""

    token: str
    invite: Invite


async def create_invite(session: Session, entity: Entity, role: Role, now: datetime,
                        created_by: int | None = None, lifetime: timedelta = DEFAULT_LIFETIME) -> IssuedInvite:
    """Issue an invitation to join `entity` with `role`."""
    if role not in INVITABLE:
        raise ValueError(f"invitations are for {', '.join(sorted(INVITABLE))}; grant {role} with `admin grant`")
    assert entity.id is not None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invite = Invite(token_hash=token_hash(token), entity_id=entity.id, role=role, created_by=created_by,
                    created_at=now, expires_at=now + lifetime)
    await Invites(session).add(invite)
    return IssuedInvite(token, invite)


class InviteBook(Protocol):
    """Where invitations are looked up (models.repositories.invites.Invites; a dict in tests)."""

    async def by_token_hash(self, token_hash: str) -> Invite | None:
        """The invitation whose token has this hash, if any."""
        ...


async def check_invite(invites: InviteBook, token: str, now: datetime) -> Invite | InviteProblem:
    """The invitation a token opens, or why it cannot be used."""
    if not token or len(token) > 64:
        return InviteProblem.unknown
    return usable(await invites.by_token_hash(token_hash(token)), now)


def usable(invite: Invite | None, now: datetime) -> Invite | InviteProblem:
    """The invitation if it can still be used, else why not."""
    if invite is None:
        return InviteProblem.unknown
    if invite.used_at is not None:  # used by nobody: withdrawn unused
        return InviteProblem.used if invite.used_by is not None else InviteProblem.withdrawn
    if invite.expires_at <= now:
        return InviteProblem.expired
    return invite


def may_still_issue(invite: Invite, maker: Contact | None) -> bool:
    """Whether the person who made an invitation may still make it, as /invite lets them (handlers.colleagues): staff
    any, a focal point one to their own organisation as focal point. The operator's (made from the command line, by
    nobody) always; one whose maker is gone, never. A role taken away (`p2c-bot admin revoke`) or lowered takes the
    links made with it along: they are checked when used, so a link kept by its maker opens nothing."""
    if invite.created_by is None:
        return True
    if maker is None or maker.role is None or maker.role not in Role.__members__:
        return False
    role = Role(maker.role)
    return role.is_staff or (role is Role.focal_point and maker.entity_id == invite.entity_id
                             and invite.role == Role.focal_point)


def deep_link(bot_username: str, token: str) -> str:
    """The link that opens the bot with the invitation."""
    return f"https://t.me/{bot_username}?start={token}"


PASTED_LINK = re.compile(r"(?:https?://)?(?:www\.)?(?:t|telegram)\.me/(?P<bot>[A-Za-z0-9_]{3,64})\?start=(?P<token>[A-Za-z0-9_-]{1,64})",
                         re.IGNORECASE)


def pasted_token(text: str, bot_username: str | None, *, in_words: bool = False) -> str | None:
    """The token of this bot's invitation link when a message is that link alone, pasted rather than opened (an
    invitation forwarded by e-mail, say): Telegram sends "/start TOKEN" only for a link that is opened. The marks
    that keep the link left to right in an Arabic message (bot.i18n) come with it when it is copied: not part of it.
    With `in_words`, also the one link of this bot's in a message that says more ("my colleague sent me this: …", a
    tester's; not several, which would be a guess)."""
    plain = "".join(c for c in text if c not in NAME_INVISIBLE).strip()
    found = PASTED_LINK.fullmatch(plain)
    if found is None and in_words:
        links = [link for link in PASTED_LINK.finditer(plain) if _ours(link, bot_username)]
        found = links[0] if len({link["token"] for link in links}) == 1 else None
    if found is None or not _ours(found, bot_username):
        return None
    return found["token"]


def _ours(link: re.Match[str], bot_username: str | None) -> bool:
    return bot_username is None or link["bot"].lower() == bot_username.lower()
