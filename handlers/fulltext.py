"""Long texts shown whole on request: what summaries, notices and lists show only the beginning of.

A pledge's description, a report's steps, challenges and partnership needs, and BDT's comments can be
longer than a message holds beside everything else. Where they are shortened ("…"), a "📖" button
(`ft:<field>:<id>`) sends the whole text in messages that each fit Telegram's limit. Parts in the chat
rather than a document: they are read at once on any phone, searched with the chat, quoted in a reply,
and need no file upload; a 4,000-character answer is two parts at most.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers import buttons
from handlers.conversation import Conversation
from handlers.entities import refuse
from handlers.forms.engine import whole_text
from handlers.lengths import EXCERPT, is_long, parts
from handlers.messages import N_, Button, Code, Concat, Label, Reply, Text, text
from handlers.readers import may_read
from handlers.reports.cards import period_label
from models.repositories.pledges import Pledges
from models.repositories.reports import Reports
from models.tables import Pledge, ProgressReport


@dataclass(frozen=True)
class Field:
    """A long text field of a pledge ("p") or a report ("r"), and its name."""

    owner: str
    label: str
    attribute: str

    def read(self, record: Pledge | ProgressReport) -> str | None:
        """The field's text in this record."""
        value = getattr(record, self.attribute, None)
        return value if isinstance(value, str) else None


FIELDS: dict[str, Field] = {
    "pd": Field("p", N_("Description"), "description"),
    "pc": Field("p", N_("BDT's comment"), "staff_comment"),
    "rs": Field("r", N_("Steps taken"), "steps_taken"),
    "rc": Field("r", N_("Challenges"), "challenges"),
    "rn": Field("r", N_("Partnership needs"), "partnership_needs"),
    "rq": Field("r", N_("BDT's question"), "staff_comment"),
}


def whole_button(field: str, record_id: int) -> Button:
    """"📖 Description: read in full" for one field of one record."""
    return Button(Concat(("📖 ", text(N_("{field}: read in full"), field=Text(FIELDS[field].label)))),
                  f"ft:{field}:{record_id}")


def long_fields(record: Pledge | ProgressReport, fields: tuple[str, ...], limit: int = EXCERPT) -> list[Button]:
    """The 📖 buttons of the fields of `record` that a message shows shortened to `limit`."""
    if record.id is None:
        return []
    return [whole_button(key, record.id) for key in fields if is_long(FIELDS[key].read(record) or "", limit)]


CAPTION = "ft:ec:<id>:<ver>"
"""The caption of a report's evidence (<id> the report, <ver> the evidence's number, from 1): up to 1,024
characters, which the file's own caption cannot hold beside the heading and the file's name."""


def caption_button(report_id: int, number: int) -> Button:
    """"📖 Caption: read in full" for the caption of the report's evidence `number` (from 1)."""
    return Button(Concat(("📖 ", text(N_("{field}: read in full"), field=Text(N_("Caption"))))),
                  f"ft:ec:{report_id}:{number}")




async def show_whole(conv: Conversation, code: str) -> None:
    """ft:<field>:<id>: send a long field whole, in parts; ft:ec:<id>:<n>: the caption of a report's evidence n;
    staff, or the record's own organisation only."""
    parsed = buttons.parse(code)
    if parsed is not None and parsed.pattern == CAPTION and parsed.id is not None:
        await _whole_caption(conv, parsed.id, parsed.version or 0)
        return
    field = FIELDS.get(parsed.verb) if parsed is not None and parsed.prefix == "ft" else None
    if parsed is None or field is None or parsed.id is None:
        await buttons.refuse_malformed(conv, code)
        return
    record: Pledge | ProgressReport | None
    if field.owner == "p":
        record = pledge = await Pledges(conv.session).get(parsed.id)
    else:
        record = await Reports(conv.session).get(parsed.id)
        pledge = await Pledges(conv.session).get(record.pledge_id) if record is not None else None
    if record is None or pledge is None or not await may_read(conv, pledge):
        await refuse(conv, "fulltext", "pledge" if field.owner == "p" else "report", parsed.id)
        return
    value = field.read(record) or ""
    if not value:
        conv.say(Reply((Concat((Text(N_("That text is no longer there.")), " ", Code(pledge.ref or "—"))),)))
        return
    pieces: tuple[Label, ...] = tuple(parts(value))
    heading = Concat((Text(field.label), " · ", Code(pledge.ref or "—")))
    for message in whole_text(heading, pieces):
        conv.say(message)



async def _whole_caption(conv: Conversation, report_id: int, number: int) -> None:
    """The caption of the report's evidence `number`, whole, in parts under the heading its file was sent with."""
    report = await Reports(conv.session).get(report_id)
    pledge = await Pledges(conv.session).get(report.pledge_id) if report is not None else None
    if report is None or pledge is None or not await may_read(conv, pledge):
        await refuse(conv, "fulltext", "report", report_id)
        return
    item = report.evidence[number - 1] if 0 < number <= len(report.evidence) else {}
    caption = str(item.get("caption") or "")
    if not caption:
        conv.say(Reply((Concat((Text(N_("That text is no longer there.")), " ", Code(pledge.ref or "—"))),)))
        return
    heading = text(N_("Evidence {n} of {total}, report on {ref} for {period}"), n=number, total=len(report.evidence),
                   ref=Code(pledge.ref or ""), period=period_label(report.period))
    for message in whole_text(heading, tuple(parts(caption))):
        conv.say(message)
