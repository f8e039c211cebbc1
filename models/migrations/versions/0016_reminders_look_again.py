"""pledges whose reminders had stopped are looked at again: each period that falls due now has its own reminders

Before, once the earliest period owed had had its four reminders, planning recorded that the pledge needed no
look until it changed (next_on 9999-12-31), and no later period was reminded of. Those pledges are looked at on
the next plan; the ledger's kinds stay, so no period's reminder is given twice.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ">=": asyncpg writes date.max (models.reporting.NEVER) as PostgreSQL's 'infinity', which equals no date
    op.execute("UPDATE pledge_reminder SET next_on = '2000-01-01' WHERE next_on >= '9999-12-31'")


def downgrade() -> None:
    pass  # a look too many is harmless; the next plan records the days to look again
