"""a change of reporting cadence applies from the period in progress: pledge.previous_cadence, pledge.cadence_since

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Pledges whose cadence was changed before this revision keep walking their periods in the new cadence from
    # their start, as they did: the dates of those changes are in the audit log, not worth guessing from.
    with op.batch_alter_table('pledge') as batch_op:
        batch_op.add_column(sa.Column('previous_cadence', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column('cadence_since', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pledge') as batch_op:
        batch_op.drop_column('cadence_since')
        batch_op.drop_column('previous_cadence')
