"""API tokens, key result values from other tools, and pull sources

Revision ID: 0007_api
Revises: 0005_identity_conflicts
Create Date: 2026-12-03


"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0007_api'
down_revision: Union[str, None] = '0005_identity_conflicts'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('secret_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    sa.UniqueConstraint('secret_hash')
    )
    op.create_table('key_result_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_result_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=True),
    sa.Column('every_seconds', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_success_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_value', sa.Float(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('last_error_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['key_result_id'], ['key_result.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_result_id')
    )
    with op.batch_alter_table('key_result_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_result_source_next_attempt_at'), ['next_attempt_at'], unique=False)

    op.create_table('key_result_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_result_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=240), nullable=True),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['key_result_id'], ['key_result.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('key_result_value', schema=None) as batch_op:
        batch_op.create_index('ix_key_result_value_kr_at', ['key_result_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('key_result_value', schema=None) as batch_op:
        batch_op.drop_index('ix_key_result_value_kr_at')

    op.drop_table('key_result_value')
    with op.batch_alter_table('key_result_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_result_source_next_attempt_at'))

    op.drop_table('key_result_source')
    op.drop_table('api_token')
