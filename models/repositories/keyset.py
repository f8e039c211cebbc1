"""Pages of a list read oldest first: the rows after the last one already shown, by its place in the order.

A page that starts after a record (not at a row number) neither skips nor repeats rows when rows before it leave
the list between two pages (a pledge decided, a question closed): the next page begins right after what was shown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, true


def later_than(moment: Any, ident: Any, anchor: tuple[datetime | None, int] | None) -> ColumnElement[bool]:
    """Rows after `anchor` (the moment and id of the last row shown) in the order (moment NULLS FIRST, id);
    every row when there is no anchor."""
    if anchor is None:
        return true()
    at, anchor_id = anchor
    if at is None:
        return or_(moment.is_not(None), and_(moment.is_(None), ident > anchor_id))
    return or_(moment > at, and_(moment == at, ident > anchor_id))
