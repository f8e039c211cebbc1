"""each person's command menu remembered across restarts

A person's first update after every start set their chat's command menu again (a Bot API call each: 1.3 ms of the
bot's CPU, and the server's time, beside the first answer of everyone after a deploy). Telegram keeps a chat's menu:
the contact now says which one was set (bot.telegram.ChatMenus), and only a different one is set.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contact') as batch_op:
        batch_op.add_column(sa.Column('menu', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('contact') as batch_op:
        batch_op.drop_column('menu')
