"""a chat's outbox rows indexed newest first

ix_outbox_chat_id held the chat alone: PostgreSQL read every row a chat had kept for 90 days and sorted them to find
its latest message (whether a form's question is still the last thing a person reads, handlers.router) or the row a
Telegram message id names. It now holds the row's id after the chat (SQLite's held it already, as the rowid).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.drop_index('ix_outbox_chat_id')
        batch_op.create_index('ix_outbox_chat_id', ['chat_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.drop_index('ix_outbox_chat_id')
        batch_op.create_index('ix_outbox_chat_id', ['chat_id'], unique=False)
