"""t1 #12: staff's very first /start, their contact made by `admin grant` before they ever wrote, read "Welcome back,
Officer!". A first visit is greeted as one; the next /start welcomes them back."""

from __future__ import annotations

from chat_driver import ChatDriver

from bot.i18n import Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.values import Role


async def test_a_granted_role_first_start_is_a_welcome_not_a_return(database: Database, deps: Deps,
                                                                    renderer: Renderer) -> None:
    chat = ChatDriver(database, deps, renderer)
    await grant_role(GrantRole(2001, Role.staff), database.uow(), utcnow())
    officer = chat.person(2001, "Officer", language_code="fr")
    first = await chat.send(officer, "/start")
    assert first[0].text.startswith("Bienvenue, Officer\u00a0!"), first[0].text
    again = await chat.send(officer, "/start")
    assert again[0].text.startswith("Ravi de vous revoir, Officer\u00a0!"), again[0].text
