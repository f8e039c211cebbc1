"""every validated pledge is looked at once more: one gone inactive lately is announced to its focal points

A plan now looks at a pledge on the day it goes inactive (24 months without a report) and tells its focal points
(handlers.inactive_notices); it records that day as the pledge's next look whenever it records one. Rows recorded
before kept a next look months ahead, or never (9999-12-31): such a pledge crossing the mark meanwhile would have
been found only later, past the two weeks within which a crossing is still announced, or never. Each is looked at
on the next plan, which announces the crossings of the last two weeks, records the older ones without a word, and
stores a next look no later than the day each pledge would go inactive. The ledger's kinds stay: no period's
reminder is given twice.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE pledge_reminder SET next_on = '2000-01-01' "
               "WHERE pledge_id IN (SELECT id FROM pledge WHERE status = 'validated')")


def downgrade() -> None:
    pass  # a look too many is harmless; the next plan records the days to look again
