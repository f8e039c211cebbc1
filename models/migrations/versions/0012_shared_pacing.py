"""Telegram's limits shared by the instances on PostgreSQL: send_budget, chat_pace, delivery_instance

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'send_budget',
        sa.Column('slot', sa.Integer(), nullable=False, autoincrement=False),
        sa.Column('slice', sa.BigInteger(), nullable=False),
        sa.Column('used', sa.Integer(), nullable=False),
        sa.Column('granted', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('slot'),
    )
    op.create_table(
        'chat_pace',
        sa.Column('chat_id', sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column('tat', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('chat_id'),
    )
    op.create_index(op.f('ix_chat_pace_tat'), 'chat_pace', ['tat'], unique=False)
    op.create_table(
        'delivery_instance',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('seen_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade() -> None:
    op.drop_table('delivery_instance')
    op.drop_index(op.f('ix_chat_pace_tat'), table_name='chat_pace')
    op.drop_table('chat_pace')
    op.drop_table('send_budget')
