"""check-ins people skip or snooze: checkin.skip_reason and checkin.snoozed_until

Revision ID: 0008_daily_use
Revises: 0007_api
Create Date: 2026-12-03

`skip_reason` is what a person said when skipping a period ("on leave"); `snoozed_until` is
the instant a snoozed prompt comes back once (as a reminder, counted toward the limit).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0008_daily_use'
down_revision: Union[str, None] = '0007_api'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.add_column(sa.Column('skip_reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('snoozed_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.drop_column('snoozed_until')
        batch_op.drop_column('skip_reason')
