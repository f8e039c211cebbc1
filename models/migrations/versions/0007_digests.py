"""digests: coordinator scopes, digest subscriptions, generated files

Revision ID: 0007
Revises: 0003 on the digests branch; the lead sets '0006' (the latest on main) at the final merge
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'  # after the update keys' 0006
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('coordinator_scope',
    sa.Column('contact_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('set_by', sa.Integer(), nullable=True),
    sa.Column('set_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['set_by'], ['contact.id'], ),
    sa.PrimaryKeyConstraint('contact_id')
    )
    op.create_table('digest_subscription',
    sa.Column('contact_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('cadence', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('last_period', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('last_sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.PrimaryKeyConstraint('contact_id')
    )
    op.create_table('generated_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('mime_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('generated_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_generated_file_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('generated_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_generated_file_created_at'))
    op.drop_table('generated_file')
    op.drop_table('digest_subscription')
    op.drop_table('coordinator_scope')
