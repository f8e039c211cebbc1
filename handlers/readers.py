"""Who may read a pledge, its reports, their long texts and evidence (the service layer's one rule for it).

Staff read every pledge; a focal point or coordinator reads their own organisation's; a coordinator also reads,
without changing anything, every published pledge of their scope (DOMAIN.md: coordinators "see all pledges of
their scope"), the ones their digests and exports list. Another organisation's pledge is nobody else's to read.
"""

from __future__ import annotations

from handlers.conversation import Conversation
from handlers.entities import is_staff
from handlers.people import role_of
from models.repositories.digests import LISTED, PUBLISHED, pledge_in_scope
from models.repositories.subscriptions import Scopes
from models.tables import Pledge
from models.values import MEMBER_ROLES, Role


def is_own(conv: Conversation, pledge: Pledge) -> bool:
    """True when the pledge is of the reader's organisation and they still hold a member's role there."""
    return conv.contact.entity_id is not None and conv.contact.entity_id == pledge.entity_id \
        and role_of(conv.contact) in MEMBER_ROLES


async def in_coordinators_scope(conv: Conversation, pledge: Pledge, *, listed: bool = False) -> bool:
    """True when the reader is a coordinator and the pledge is published and within their scope; `listed`: any
    pledge of their scope their spreadsheet lists (submitted at least once, published or not)."""
    if role_of(conv.contact) is not Role.coordinator or conv.contact.id is None or pledge.id is None \
            or pledge.status not in (LISTED if listed else PUBLISHED):
        return False
    return await pledge_in_scope(conv.session, pledge.id, await Scopes(conv.session).of(conv.contact.id))


async def may_read(conv: Conversation, pledge: Pledge | None) -> bool:
    """Staff, a member of the pledge's own organisation, or a coordinator whose scope holds it published."""
    if pledge is None:
        return False
    return is_staff(conv) or is_own(conv, pledge) or await in_coordinators_scope(conv, pledge)
