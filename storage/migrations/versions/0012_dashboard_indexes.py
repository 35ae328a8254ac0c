"""dashboard indexes: a key result's wins, and values reported since a date

Revision ID: 0012_dashboard_indexes
Revises: 0011_team_channels
Create Date: 2026-12-07

The key-result page reads a key result's wins (without an index on `win.key_result_id` every
win is read, 6.6 ms a page at 10,000 people), and an admin's insights read everyone's values
since a date (without an index on `kr_update.created_at` every value ever reported is read).
Building the indexes reads each table once: a few seconds for a million values.
"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0012_dashboard_indexes'
down_revision: Union[str, None] = '0011_team_channels'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index(op.f('ix_win_key_result_id'), 'win', ['key_result_id'], unique=False)
    op.create_index(op.f('ix_kr_update_created_at'), 'kr_update', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_kr_update_created_at'), table_name='kr_update')
    op.drop_index(op.f('ix_win_key_result_id'), table_name='win')
