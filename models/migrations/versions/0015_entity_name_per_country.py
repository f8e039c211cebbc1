"""one organisation of a name per country: the unique index on entity.name_key becomes one on (name_key, country_iso3)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('entity') as batch_op:
        batch_op.drop_index(batch_op.f('ix_entity_name_key'))
        batch_op.create_index(batch_op.f('ix_entity_name_key'), ['name_key'], unique=False)
        batch_op.create_index('uq_entity_name_key_country', ['name_key', 'country_iso3'], unique=True)


def downgrade() -> None:
    # fails, as it should, when two countries now hold organisations of one name
    with op.batch_alter_table('entity') as batch_op:
        batch_op.drop_index('uq_entity_name_key_country')
        batch_op.drop_index(batch_op.f('ix_entity_name_key'))
        batch_op.create_index(batch_op.f('ix_entity_name_key'), ['name_key'], unique=True)
