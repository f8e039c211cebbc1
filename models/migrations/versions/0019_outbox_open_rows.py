"""a partial index of the open outbox rows (pending or sending) by chat: ix_outbox_open

Sent rows are kept 90 days, so the outbox grows to millions of rows of which a few are open. The order of a chat's
messages depends only on its open rows (the earlier rows a claim or a pushed reply must not overtake): read through
the chat's index, every sent row of the chat was read too (a claim's read took 0.65 s on SQLite with a million sent
rows and a broadcast under way; docs/benchmarks.md). Nothing else changes: old code's queries still work, and those
whose condition implies the index's use it.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

_OPEN = sa.text("status IN ('pending', 'sending')")


def upgrade() -> None:
    op.create_index('ix_outbox_open', 'outbox', ['chat_id', 'id'], unique=False,
                    sqlite_where=_OPEN, postgresql_where=_OPEN)


def downgrade() -> None:
    op.drop_index('ix_outbox_open', table_name='outbox')
