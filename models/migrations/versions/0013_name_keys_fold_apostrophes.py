"""organisations' name keys fold apostrophes, dashes and quotation marks (’ and ', – and -, « and ")

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# A frozen copy of handlers.onboarding.name_key as this revision made it (a migration imports no journey, and
# must compute tomorrow what it computes today).
_INVISIBLE = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u180e"
)
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_FOLDS = str.maketrans({
    **dict.fromkeys("\u2019\u2018\u201b\u02bc\u02bb\u02b9\u2032\u00b4`", "'"),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63", "-"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033", '"'),
    "\u00ad": None,
})


def _canonical_name(name):
    name = _NEWLINES.sub("\n", name)
    name = "".join(c for c in name if not ((unicodedata.category(c) == "Cc" and c not in "\n\t")
                                          or unicodedata.category(c) == "Cs"))
    name = "".join(c for c in unicodedata.normalize("NFC", name) if c not in _INVISIBLE)
    return " ".join(name.split())


def name_key(name, folds=_FOLDS):
    folded = _canonical_name(name).translate(folds)
    return " ".join(unicodedata.normalize("NFKC", folded).casefold().split())[:200]


def new_keys(rows, folds=_FOLDS):
    """{entity id: its new key} for the (id, name, key) rows whose key changes. Organisations registered before
    as one name written two ways would now share a key: the one already holding it keeps it, else the first
    registered takes it; the others keep their own keys (still unique; staff tell them apart by their numbers)."""
    held = {key for _, _, key in rows}
    wanted = {}
    for entity_id, name, key in sorted(rows):
        wanted.setdefault(name_key(name, folds), []).append((entity_id, key))
    changed = {}
    for key, holders in wanted.items():
        if key not in held:
            changed[holders[0][0]] = key
    return changed


def _rekey(folds) -> None:
    bind = op.get_bind()
    entity = sa.table('entity', sa.column('id', sa.Integer), sa.column('name', sa.String),
                      sa.column('name_key', sa.String))
    rows = bind.execute(sa.select(entity.c.id, entity.c.name, entity.c.name_key)).all()
    changed = new_keys([tuple(row) for row in rows], folds)
    update = sa.update(entity).where(entity.c.id == sa.bindparam('entity_id')).values(name_key=sa.bindparam('key'))
    # in two passes, so that no key is ever held twice at one moment (the column is unique)
    if changed:
        bind.execute(update, [{'entity_id': i, 'key': f'\x01{i}'} for i in changed])
        bind.execute(update, [{'entity_id': i, 'key': key} for i, key in changed.items()])


def upgrade() -> None:
    _rekey(_FOLDS)


def downgrade() -> None:
    _rekey({})  # the keys as the code before this revision computes them
