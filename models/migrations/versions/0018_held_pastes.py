"""a long text pasted is held on the person's contact until its continuation comes: contact.held, contact.held_at

Telegram's apps send a text over 4,096 characters as several messages. Held in the database rather than in one
process's memory, the first part can be confirmed to Telegram at once, and its continuation joined by whichever
instance receives it (handlers.pastes). Both columns are nullable: the old code's inserts keep working.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held', sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column('held_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_index(op.f('ix_contact_held_at'), 'contact', ['held_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_contact_held_at'), table_name='contact')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('held_at')
        batch_op.drop_column('held')
