"""identity conflicts: a chat account that claimed a person bound to another one, for the admin

Revision ID: 0005_identity_conflicts
Revises: 0004
Create Date: 2026-12-03

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0005_identity_conflicts'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('identity_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('claimed_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('first_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('times', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'person_id', 'claimed_id', 'reason')
    )
    with op.batch_alter_table('identity_conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_conflict_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('identity_conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_conflict_person_id'))

    op.drop_table('identity_conflict')
