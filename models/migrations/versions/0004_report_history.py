"""progress reports keep their history: one current report per pledge and period, staff review

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_CURRENT = sa.text("is_current")


def _as_in_0001() -> sa.Table:
    """progress_report as 0001 made it, minus its (pledge_id, period) uniqueness: what SQLite copies into."""
    return sa.Table(
        'progress_report', sa.MetaData(),
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('pledge_id', sa.Integer(), sa.ForeignKey('pledge.id'), nullable=False),
        sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('percent_complete', sa.Integer(), nullable=False),
        sa.Column('value_disbursed_usd', sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column('target_achieved', sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column('beneficiaries_reached', sa.BigInteger(), nullable=True),
        sa.Column('women_share_percent', sa.Integer(), nullable=True),
        sa.Column('steps_taken', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column('challenges', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column('partnership_needs', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column('evidence', sa.JSON(), nullable=False),
        sa.Column('submitted_by', sa.Integer(), sa.ForeignKey('contact.id'), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Index('ix_progress_report_pledge_id', 'pledge_id'),
    )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    # SQLite cannot drop an unnamed constraint: the table is rebuilt from a copy without it
    with op.batch_alter_table('progress_report', recreate='always' if sqlite else 'auto',
                              copy_from=_as_in_0001() if sqlite else None) as batch_op:
        if not sqlite:
            batch_op.drop_constraint('progress_report_pledge_id_period_key', type_='unique')
        batch_op.add_column(sa.Column('is_current', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('replaced_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('review_status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False,
                                      server_default='submitted'))
        batch_op.add_column(sa.Column('staff_comment', sqlmodel.sql.sqltypes.AutoString(length=1500), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key('fk_progress_report_replaced_by', 'progress_report', ['replaced_by'], ['id'])
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.alter_column('is_current', server_default=None)
        batch_op.alter_column('review_status', server_default=None)
        batch_op.alter_column('version', server_default=None)
    op.create_index('uq_progress_report_current', 'progress_report', ['pledge_id', 'period'], unique=True,
                    sqlite_where=_CURRENT, postgresql_where=_CURRENT)


def downgrade() -> None:
    op.drop_index('uq_progress_report_current', table_name='progress_report')
    # the history of replaced reports cannot live under the old uniqueness
    op.execute(sa.text("UPDATE progress_report SET replaced_by = NULL"))
    op.execute(sa.text("DELETE FROM progress_report WHERE NOT is_current"))
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.drop_constraint('fk_progress_report_replaced_by', type_='foreignkey')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('version')
        batch_op.drop_column('staff_comment')
        batch_op.drop_column('review_status')
        batch_op.drop_column('replaced_by')
        batch_op.drop_column('is_current')
        batch_op.create_unique_constraint('progress_report_pledge_id_period_key', ['pledge_id', 'period'])
