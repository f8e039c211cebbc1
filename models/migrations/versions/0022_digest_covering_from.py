"""a digest that replaces one still held counts from where the held one began

A digest held for its reader's working hours, still unsent when the next one falls due (an outage, a clock moved on),
is dropped for the next one (models.repositories.digests.drop_superseded). The next one counted the changes since the
dropped one was written, so what only the dropped one counted reached the reader in no digest. Each subscription now
keeps where its last digest's count began.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('digest_subscription') as batch_op:
        batch_op.add_column(sa.Column('covering_from', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('digest_subscription') as batch_op:
        batch_op.drop_column('covering_from')
