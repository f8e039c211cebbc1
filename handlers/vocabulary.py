"""How the domain's codes are named to people: message ids for sectors, roles and statuses."""

from __future__ import annotations

from handlers.messages import N_, Label, Text
from models.values import Role, Sector

SECTOR_LABELS: dict[str, str] = {
    Sector.government: N_("Government"),
    Sector.private_sector: N_("Private sector"),
    Sector.intl_regional_org: N_("International or regional organisation"),
    Sector.un_agency: N_("UN agency"),
    Sector.academia: N_("Academia"),
    Sector.civil_society: N_("Civil society"),
    Sector.ifi: N_("International financial institution"),
    Sector.donor_agency: N_("Donor agency"),
    Sector.other: N_("Other"),
}

ROLE_LABELS: dict[str, str] = {
    Role.focal_point: N_("focal point"),
    Role.coordinator: N_("coordinator"),
    Role.staff: N_("BDT staff"),
    Role.admin: N_("administrator"),
}


def sector_label(code: str) -> Label:
    """The name of a sector."""
    return Text(SECTOR_LABELS.get(code, SECTOR_LABELS[Sector.other]))


def role_label(code: str) -> Label:
    """The name of a role."""
    return Text(ROLE_LABELS.get(code, ROLE_LABELS[Role.focal_point]))
