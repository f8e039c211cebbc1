"""processed updates by key: an update id with what the update carries

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from alembic import op


revision = '0006'
down_revision = '0005'  # after the reminders' 0005
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The ids recorded so far cannot be turned into keys; they only guarded against redelivery, which
    # Telegram does within a day, so they are let go.
    op.execute("DELETE FROM processed_update")
    with op.batch_alter_table('processed_update', schema=None) as batch_op:
        batch_op.alter_column('update_id', new_column_name='update_key')


def downgrade() -> None:
    op.execute("DELETE FROM processed_update")
    with op.batch_alter_table('processed_update', schema=None) as batch_op:
        batch_op.alter_column('update_key', new_column_name='update_id')
