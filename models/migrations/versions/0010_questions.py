"""questions to BDT: threads and their messages (the helpdesk in chat, issue 15)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0009'  # the integrator re-chains at merge
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('question_thread',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asker_id', sa.Integer(), nullable=True),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('waiting_since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['asker_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['entity_id'], ['entity.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['contact.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('question_thread', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_thread_asker_id'), ['asker_id'], unique=False)
        batch_op.create_index('ix_question_thread_status_waiting', ['status', 'waiting_since'], unique=False)
    op.create_table('question_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('from_staff', sa.Boolean(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['thread_id'], ['question_thread.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('question_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_message_thread_id'), ['thread_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_message_author_id'), ['author_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('question_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_message_author_id'))
        batch_op.drop_index(batch_op.f('ix_question_message_thread_id'))
    op.drop_table('question_message')
    with op.batch_alter_table('question_thread', schema=None) as batch_op:
        batch_op.drop_index('ix_question_thread_status_waiting')
        batch_op.drop_index(batch_op.f('ix_question_thread_asker_id'))
    op.drop_table('question_thread')
