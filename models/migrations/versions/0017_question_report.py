"""a question answering BDT's clarification of a report knows the report: question_thread.report_id

Its copies carry the report's Acknowledge; once the report is acknowledged they say so and lose the button, and a
question holding nothing but that answer is closed. Questions asked before this revision know no report: their
copies keep the button (which answers that the report is already acknowledged).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('question_thread', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_question_thread_report', 'progress_report', ['report_id'], ['id'])
        batch_op.create_index('ix_question_thread_report_id', ['report_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('question_thread', schema=None) as batch_op:
        batch_op.drop_index('ix_question_thread_report_id')
        batch_op.drop_constraint('fk_question_thread_report', type_='foreignkey')
        batch_op.drop_column('report_id')
