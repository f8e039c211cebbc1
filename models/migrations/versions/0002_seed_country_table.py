"""seed the country table from the project's dated table (models/data/countries.csv)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa

from models.clock import utcnow
from models.geography import COUNTRY_TABLE_AS_OF, load_country_table

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

country = sa.table(
    "country",
    sa.column("iso3", sa.String), sa.column("iso2", sa.String), sa.column("m49", sa.Integer),
    sa.column("ldc", sa.Boolean), sa.column("lldc", sa.Boolean), sa.column("sids", sa.Boolean),
    sa.column("region_code", sa.Integer), sa.column("subregion_code", sa.Integer),
    sa.column("itu_region", sa.String), sa.column("as_of", sa.Date), sa.column("updated_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    now = utcnow()
    op.bulk_insert(country, [
        {"iso3": c.iso3, "iso2": c.iso2, "m49": c.m49, "ldc": c.ldc, "lldc": c.lldc, "sids": c.sids,
         "region_code": c.region_code, "subregion_code": c.subregion_code,
         "itu_region": c.itu_region.value if c.itu_region else None, "as_of": COUNTRY_TABLE_AS_OF,
         "updated_at": now}
        for c in load_country_table().values()
    ])


def downgrade() -> None:
    op.execute(country.delete())
