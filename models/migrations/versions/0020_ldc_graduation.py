"""LDC membership by date: country.ldc_until, the day a country's graduation from the LDC category takes effect

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""
from datetime import date

import sqlalchemy as sa
from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

GRADUATIONS = {"BGD": date(2026, 11, 24), "LAO": date(2026, 11, 24), "NPL": date(2026, 11, 24)}
"""UN General Assembly resolution 76/8 (24 Nov 2021): Bangladesh, Lao PDR and Nepal graduate five years on; the
same dates as models/data/countries.csv, written here so that this revision does the same whatever the file says
later."""

country = sa.table("country", sa.column("iso3", sa.String), sa.column("ldc", sa.Boolean),
                   sa.column("ldc_until", sa.Date))


def upgrade() -> None:
    with op.batch_alter_table('country') as batch_op:
        batch_op.add_column(sa.Column('ldc_until', sa.Date(), nullable=True))
    # the table was seeded once (revision 0002), then is staff's to correct: a country staff already took out of the
    # LDCs keeps their word, and gets no date
    for iso3, day in GRADUATIONS.items():
        op.execute(country.update().where(country.c.iso3 == iso3, country.c.ldc.is_(True)).values(ldc_until=day))


def downgrade() -> None:
    with op.batch_alter_table('country') as batch_op:
        batch_op.drop_column('ldc_until')
