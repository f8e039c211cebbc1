"""Checking an invitation link, against an in-memory book of invitations (a fake of models' Invites)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.invites import InviteProblem, check_invite, role_after, token_hash, would_demote
from models.tables import Invite
from models.values import Role

NOW = datetime(2027, 5, 1, 12, 0, tzinfo=UTC)


class FakeInvites:
    """Invitations by the hash of their token, as models.repositories.invites.Invites finds them."""

    def __init__(self, **by_token: Invite) -> None:
        self.by_hash = {token_hash(token): invite for token, invite in by_token.items()}
        self.asked: list[str] = []

    async def by_token_hash(self, token_hash: str) -> Invite | None:
        self.asked.append(token_hash)
        return self.by_hash.get(token_hash)


def invitation(*, used: bool = False, withdrawn: bool = False, expires_in: timedelta = timedelta(days=1)) -> Invite:
    return Invite(id=1, token_hash="", entity_id=7, role=Role.focal_point, created_at=NOW - timedelta(days=1),
                  expires_at=NOW + expires_in, used_at=NOW - timedelta(hours=1) if used or withdrawn else None,
                  used_by=3 if used else None)  # withdrawn: closed unused, by nobody (Invites.withdraw_made_by)


@pytest.mark.parametrize(("token", "invite", "expected"), [
    ("good", invitation(), None),
    ("used", invitation(used=True), InviteProblem.used),
    ("late", invitation(expires_in=timedelta(0)), InviteProblem.expired),
    ("unknown", None, InviteProblem.unknown),
    ("left", invitation(withdrawn=True), InviteProblem.withdrawn),
], ids=["usable", "used", "expired at this very moment", "unknown", "its maker left"])
async def test_an_invitation_is_usable_only_once_and_before_it_expires(token: str, invite: Invite | None,
                                                                       expected: InviteProblem | None) -> None:
    book = FakeInvites(**({token: invite} if invite is not None else {}))
    found = await check_invite(book, token, NOW)
    assert found == (expected if expected is not None else invite)
    assert book.asked == [token_hash(token)], "looked up by the hash, never by the token itself"


@pytest.mark.parametrize("token", ["", "x" * 65], ids=["empty", "longer than a start parameter"])
async def test_a_token_no_link_can_carry_is_not_looked_up(token: str) -> None:
    book = FakeInvites()
    assert await check_invite(book, token, NOW) is InviteProblem.unknown
    assert book.asked == []


@pytest.mark.parametrize(("current", "invited", "demotes", "after"), [
    (None, Role.focal_point, False, Role.focal_point),
    (None, Role.coordinator, False, Role.coordinator),
    (Role.focal_point, Role.focal_point, False, Role.focal_point),
    (Role.focal_point, Role.coordinator, False, Role.coordinator),
    (Role.coordinator, Role.focal_point, True, Role.coordinator),
    (Role.coordinator, Role.coordinator, False, Role.coordinator),
    (Role.staff, Role.coordinator, True, Role.staff),
    (Role.staff, Role.focal_point, True, Role.staff),
    (Role.admin, Role.coordinator, True, Role.admin),
])
def test_an_invitation_never_lowers_a_role(current: Role | None, invited: Role, demotes: bool, after: Role) -> None:
    assert would_demote(current, invited) is demotes
    assert role_after(current, invited) is after
