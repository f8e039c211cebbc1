"""reminders: a person's time zone choice and reminder switch, the reminders given per pledge, holds

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'  # re-chained after the reports branch's '0004' when it was merged in
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('optional_reminders', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        # reminder planning looks again at the pledges reported on since its last run
        batch_op.create_index(batch_op.f('ix_progress_report_created_at'), ['created_at'], unique=False)

    op.create_table('pledge_reminder',
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('kinds', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('next_on', sa.Date(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledge.id'], ),
    sa.PrimaryKeyConstraint('pledge_id')
    )

    op.create_table('reminder_hold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledge.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('contact_id', 'pledge_id')
    )
    with op.batch_alter_table('reminder_hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_hold_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_hold_pledge_id'), ['pledge_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reminder_hold', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_hold_pledge_id'))
        batch_op.drop_index(batch_op.f('ix_reminder_hold_contact_id'))
    op.drop_table('reminder_hold')

    op.drop_table('pledge_reminder')

    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_report_created_at'))

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('optional_reminders')
