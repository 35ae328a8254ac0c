"""index blockers and wins by check-in

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('blocker', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blocker_checkin_id'), ['checkin_id'], unique=False)

    with op.batch_alter_table('win', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_win_checkin_id'), ['checkin_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('win', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_win_checkin_id'))

    with op.batch_alter_table('blocker', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blocker_checkin_id'))

