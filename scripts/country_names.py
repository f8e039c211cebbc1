"""Write models/data/country_names.csv: each country's CLDR name in the six languages and Traditional Chinese.

`python scripts/country_names.py` after upgrading Babel (a unit test says when the file and Babel's
CLDR data part ways). The bot reads names from this file rather than from Babel's locale data: the
country search needs every language's names at once, and loading seven whole CLDR locales for them
costs about 11 MB of memory in every process.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from babel import Locale

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from models.geography import NAME_LOCALES, load_country_table

TARGET = Path(__file__).resolve().parent.parent / "models" / "data" / "country_names.csv"


def cldr_rows() -> list[list[str]]:
    """One row per country of the table: ISO3, then its name in each of NAME_LOCALES (empty if CLDR has none)."""
    locales = [Locale.parse(code) for code in NAME_LOCALES]
    return [[facts.iso3, *(loc.territories.get(facts.iso2, "") for loc in locales)]
            for facts in load_country_table().values()]


def main() -> None:
    """Write the file."""
    with TARGET.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["iso3", *NAME_LOCALES])
        writer.writerows(cldr_rows())
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
