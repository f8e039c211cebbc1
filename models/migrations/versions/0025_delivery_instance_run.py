"""which run of an instance last said it delivers

Two live instances given one P2C_INSTANCE_ID share its rows of the outbox (each takes back the other's as its own
and sends them again) and count as one for Telegram's limits. Each process now writes a token of its own run beside
the name at its heartbeat, and warns when it finds another live run's there (bot.shared_pacing).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('delivery_instance') as batch_op:
        batch_op.add_column(sa.Column('run', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('delivery_instance') as batch_op:
        batch_op.drop_column('run')
