"""Names the digests, charts and spreadsheets show (message ids, translated at render time)."""

from __future__ import annotations

from handlers.messages import N_, NP_, Label, Text
from handlers.vocabulary import PLEDGE_TYPE_LABELS, SECTOR_LABELS

FOCUS_AREAS: dict[str, str] = {
    "access": N_("Access"),
    "adoption": N_("Adoption"),
    "value_creation": N_("Value creation"),
    "accelerate": N_("Accelerate"),
}
"""Short names of the four focus areas (chart bars and breakdown lines)."""

REGIONS: dict[str, str] = {
    "africa": N_("Africa"),
    "americas": N_("Americas"),
    "arab_states": N_("Arab States"),
    "asia_pacific": N_("Asia-Pacific"),
    "cis": N_("CIS"),
    "europe": N_("Europe"),
}
"""ITU-D regions."""

TARGETING: dict[str, str] = {
    "ldc": N_("LDCs"),
    "lldc": N_("LLDCs"),
    "sids": N_("SIDS"),
}

BREAKDOWN_TITLES: dict[str, str] = {
    "focus_area": N_("<b>By focus area</b>"),
    "pledge_type": N_("<b>By pledge type</b>"),
    "sector": N_("<b>By sector</b>"),
    "targeting": N_("<b>Targeting LDCs, LLDCs and SIDS</b>"),
    "region": N_("<b>By ITU region</b>"),
}

CHANGES: dict[str, tuple[str, str]] = {
    "submitted": NP_("{count} pledge submitted", "{count} pledges submitted"),
    "validated": NP_("{count} pledge validated", "{count} pledges validated"),
    "completed": NP_("{count} pledge completed", "{count} pledges completed"),
    "withdrawn": NP_("{count} pledge withdrawn", "{count} pledges withdrawn"),
    # a report replaced by its sender is not counted, its replacement is: the Reports sheet lists the same ones
    "reports": NP_("{count} progress report received and in force", "{count} progress reports received and in force"),
    "entities": NP_("{count} new entity", "{count} new entities"),
}

PLEDGE_HEADERS: tuple[str, ...] = (
    N_("Reference"), N_("Title"), N_("Entity"), N_("Sector"), N_("Status"),
    # TRANSLATORS: a column heading: yes for the pledges the digest's figures count (validated or completed), no
    # for the others (awaiting validation, changes requested, rejected, withdrawn)
    N_("Counted in the digest"),
    N_("Focus area"), N_("Pillars"), N_("Pledge type"), N_("Value (USD)"), N_("Countries"),
    # TRANSLATORS: a column heading: the pledge's countries by their ISO 3166-1 alpha-3 codes ("EGY, JOR")
    N_("Country codes (ISO)"), N_("ITU regions"),
    N_("LDCs"), N_("LLDCs"), N_("SIDS"), N_("Start date"), N_("End date"),
    N_("Submitted"), N_("Validated"), N_("Last report: period"), N_("Last report: status"),
    N_("Last report: % complete"), N_("Last report: disbursed (USD)"), N_("Last report: received"),
    # TRANSLATORS: a column heading: the date since when a pledge's progress report is overdue (blank: none is)
    N_("Report overdue since"),
)
REPORT_HEADERS: tuple[str, ...] = (
    N_("Reference"), N_("Title"), N_("Reporting period"),
    # TRANSLATORS: a column heading: the reporting period as a short code that sorts ("2027-Q1", "2026-H2", "2026")
    N_("Period code"), N_("Status"), N_("% complete"), N_("Disbursed (USD)"),
    N_("Beneficiaries reached"), N_("Received"),
)
SHEET_NAMES = (N_("Pledges"), N_("Reports"))
# TRANSLATORS: the name of a spreadsheet's tab (at most 31 characters): the pledges added up by pillar, region, country
SUMMARY_NAME = N_("Summary")
SUMMARY_HEADERS: tuple[str, ...] = (
    # TRANSLATORS: column headings of the summary sheet: what a line adds up by (pillar, ITU region, country), the
    # group's name, its code, how many pledges, their value
    N_("Breakdown"), N_("Pillar, region or country"), N_("Code"), N_("Pledges"), N_("Value (USD)"),
)
SUMMARY_GROUPS: dict[str, str] = {
    # TRANSLATORS: the first line of the summary sheet: the total of the pledges the digest counts
    "total": N_("Total counted in the digest"),
    "pillar": N_("Pillar"),
    "region": N_("ITU region"),
    "country": N_("Country"),
}
SUMMARY_NOTE = N_("Only the pledges counted in the digest (validated or completed), as in the first line. A pledge "
                  "with several pillars, ITU regions or countries counts whole in each of them: the lines of a "
                  "breakdown can add up to more than the total, which counts each pledge once.")


def group_label(breakdown: str, key: str) -> Label:
    """The name of one group of a breakdown (a code shown as written when unknown)."""
    table = {"focus_area": FOCUS_AREAS, "pledge_type": PLEDGE_TYPE_LABELS, "sector": SECTOR_LABELS,
             "targeting": TARGETING, "region": REGIONS}[breakdown]
    return Text(table[key]) if key in table else key
