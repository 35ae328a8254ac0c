"""delivery win_id: the win an announcement announces, so a sent one marks the win posted

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

Before this, an announced win stayed `approved` forever. The upgrade also settles the wins
queued before it: a win whose announcement (outbox key `win:{id}:{platform}`) was sent
becomes `posted`, and announcements still waiting learn their win, so they post it when sent.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The announcement's outbox keys (cadences.wins); colons escaped for sa.text.
_KEYS = r"('win\:' || {win}.id || '\:slack', 'win\:' || {win}.id || '\:teams')"


def upgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('win_id', sa.Integer(), nullable=True))

    op.execute(sa.text(
        "UPDATE win SET status = 'posted' WHERE status = 'approved' AND EXISTS (SELECT 1 FROM delivery AS d"
        f" WHERE d.idempotency_key IN {_KEYS.format(win='win')} AND d.status = 'sent')"
    ))
    op.execute(sa.text(
        "UPDATE delivery SET win_id = (SELECT w.id FROM win AS w WHERE w.status = 'approved'"
        f" AND delivery.idempotency_key IN {_KEYS.format(win='w')})"
        " WHERE template = 'win_announcement' AND status IN ('pending', 'sending')"
    ))


def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_column('win_id')
