"""strangers without names: a person who never registered keeps no Telegram names

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""
from alembic import op


revision = '0009'
down_revision = '0008'  # after the outbox's taken_by
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Until they consent or are given a role, the bot keeps of a person only what answering needs (their chat
    # and Telegram language): the names stored so far of people who only said hello go (handlers.people.refresh).
    op.execute("UPDATE contact SET first_name = '', last_name = NULL, username = NULL "
               "WHERE consent_at IS NULL AND role IS NULL")


def downgrade() -> None:
    pass  # the names are gone; they come back as registered people write again
