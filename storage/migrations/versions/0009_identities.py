"""chat identities in one table: a person's Slack and Teams accounts become chat_identity rows

Revision ID: 0009_identities
Revises: 0008_daily_use
Create Date: 2026-12-03

`person.slack_user_id`, `person.teams_user_id` and `person.teams_conversation_ref` move into
`chat_identity` (platform, external id, tenant, conversation reference), one row per person
and platform; the Teams tenant is read from the stored reference. The downgrade moves them back.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0009_identities'
down_revision: Union[str, None] = '0008_daily_use'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_PERSON = sa.table(
    'person', sa.column('id', sa.Integer()), sa.column('slack_user_id', sa.String()),
    sa.column('teams_user_id', sa.String()), sa.column('teams_conversation_ref', sa.JSON()),
)
_IDENTITY = sa.table(
    'chat_identity', sa.column('person_id', sa.Integer()), sa.column('platform', sa.String()),
    sa.column('external_id', sa.String()), sa.column('tenant', sa.String()),
    sa.column('conversation_ref', sa.JSON(none_as_null=True)),
)


def _tenant(reference) -> str | None:
    tenant = ((reference or {}).get('conversation') or {}).get('tenantId') if isinstance(reference, dict) else None
    return str(tenant)[:64] if tenant else None


def upgrade() -> None:
    op.create_table('chat_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('tenant', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('conversation_ref', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'platform'),
    sa.UniqueConstraint('platform', 'external_id')
    )
    with op.batch_alter_table('chat_identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_identity_person_id'), ['person_id'], unique=False)

    bind = op.get_bind()
    people = bind.execute(sa.select(
        _PERSON.c.id, _PERSON.c.slack_user_id, _PERSON.c.teams_user_id, _PERSON.c.teams_conversation_ref,
    ).where(sa.or_(_PERSON.c.slack_user_id.is_not(None), _PERSON.c.teams_user_id.is_not(None),
                   _PERSON.c.teams_conversation_ref.is_not(None)))).all()
    rows = []
    for person_id, slack_user_id, teams_user_id, teams_ref in people:
        if slack_user_id:
            rows.append({'person_id': person_id, 'platform': 'slack', 'external_id': slack_user_id,
                         'tenant': None, 'conversation_ref': None})
        if teams_user_id or teams_ref:
            rows.append({'person_id': person_id, 'platform': 'teams', 'external_id': teams_user_id or None,
                         'tenant': _tenant(teams_ref), 'conversation_ref': teams_ref})
    if rows:
        op.bulk_insert(_IDENTITY, rows)

    with op.batch_alter_table('person', schema=None) as batch_op:
        # Their unique constraints go with them (PostgreSQL drops them with the column; SQLite's
        # batch mode rebuilds the table without them).
        batch_op.drop_column('teams_conversation_ref')
        batch_op.drop_column('teams_user_id')
        batch_op.drop_column('slack_user_id')


def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slack_user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('teams_user_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('teams_conversation_ref', sa.JSON(), nullable=True))
        batch_op.create_unique_constraint('person_slack_user_id_key', ['slack_user_id'])
        batch_op.create_unique_constraint('person_teams_user_id_key', ['teams_user_id'])

    bind = op.get_bind()
    identities = bind.execute(sa.select(
        _IDENTITY.c.person_id, _IDENTITY.c.platform, _IDENTITY.c.external_id, _IDENTITY.c.conversation_ref,
    ).where(_IDENTITY.c.platform.in_(('slack', 'teams')))).all()
    for person_id, platform, external_id, reference in identities:
        if platform == 'slack':
            values = {'slack_user_id': external_id}
        else:
            values = {'teams_user_id': external_id, 'teams_conversation_ref': reference}
        bind.execute(sa.update(_PERSON).where(_PERSON.c.id == person_id).values(**values))

    with op.batch_alter_table('chat_identity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_identity_person_id'))
    op.drop_table('chat_identity')
