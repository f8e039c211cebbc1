"""Digests read a pledge's countries as the pledge form's country step stores them."""

from __future__ import annotations

from handlers.forms.countries import GLOBAL, SHORTCUTS
from models.scope import GLOBAL_TOKEN, GROUP_TOKENS, ITU_REGIONS, REGION_TOKEN


def test_the_scope_reads_the_shortcuts_the_country_step_stores() -> None:
    """Digests expand a pledge's shortcuts (models.scope) as the pledge form writes them (handlers.forms.countries)."""
    model = {*GROUP_TOKENS, GLOBAL_TOKEN, *(REGION_TOKEN + region for region in ITU_REGIONS)}
    assert model == {*SHORTCUTS, GLOBAL} and GLOBAL == GLOBAL_TOKEN
