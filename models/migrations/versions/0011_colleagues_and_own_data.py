"""colleagues and each person's own data: a pledge's primary focal point, consent withdrawn, people forgotten

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0011'
down_revision = '0010'  # after the helpdesk's questions
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('primary_contact_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_pledge_primary_contact', 'contact', ['primary_contact_id'], ['id'])
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_withdrawn_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('forgotten_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # the submitter was every pledge's primary focal point until now
    op.execute("UPDATE pledge SET primary_contact_id = created_by")


def downgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('forgotten_at')
        batch_op.drop_column('consent_withdrawn_at')
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.drop_constraint('fk_pledge_primary_contact', type_='foreignkey')
        batch_op.drop_column('primary_contact_id')
