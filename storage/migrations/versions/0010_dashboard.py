"""dashboard sign-in: one-time links and server-side sessions

Revision ID: 0010_dashboard
Revises: 0009_identities
Create Date: 2026-12-03
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0010_dashboard'
down_revision: Union[str, None] = '0009_identities'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _secret_table(name: str, *extra: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        *extra,
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index(op.f(f'ix_{name}_person_id'), name, ['person_id'], unique=False)


def upgrade() -> None:
    _secret_table('dashboard_link', sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    _secret_table('dashboard_session', sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    for name in ('dashboard_session', 'dashboard_link'):
        op.drop_index(op.f(f'ix_{name}_person_id'), table_name=name)
        op.drop_table(name)
