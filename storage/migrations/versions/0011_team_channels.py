"""team channels in one table: a team's Slack channel and Teams channel become team_channel rows

Revision ID: 0011_team_channels
Revises: 0010_dashboard
Create Date: 2026-12-07

`team.slack_channel_id` and `team.teams_channel_ref` move into `team_channel` (team, platform,
address, reference), one row per team and platform, as people's chat identities did in 0009.
A Teams channel's address is the conversation id in its stored reference. The downgrade moves
them back.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0011_team_channels'
down_revision: Union[str, None] = '0010_dashboard'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_TEAM = sa.table(
    'team', sa.column('id', sa.Integer()), sa.column('slack_channel_id', sa.String()),
    sa.column('teams_channel_ref', sa.JSON()),
)
_CHANNEL = sa.table(
    'team_channel', sa.column('team_id', sa.Integer()), sa.column('platform', sa.String()),
    sa.column('address', sa.String()), sa.column('reference', sa.JSON(none_as_null=True)),
)


def _conversation_id(reference) -> str | None:
    found = ((reference or {}).get('conversation') or {}).get('id') if isinstance(reference, dict) else None
    return str(found) if found else None


def upgrade() -> None:
    op.create_table('team_channel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('reference', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('team_id', 'platform')
    )

    bind = op.get_bind()
    teams = bind.execute(sa.select(_TEAM.c.id, _TEAM.c.slack_channel_id, _TEAM.c.teams_channel_ref).where(
        sa.or_(_TEAM.c.slack_channel_id.is_not(None), _TEAM.c.teams_channel_ref.is_not(None)))).all()
    rows = []
    for team_id, slack_channel_id, teams_ref in teams:
        if slack_channel_id:
            rows.append({'team_id': team_id, 'platform': 'slack', 'address': slack_channel_id, 'reference': None})
        if teams_ref:
            rows.append({'team_id': team_id, 'platform': 'teams', 'address': _conversation_id(teams_ref),
                         'reference': teams_ref})
    if rows:
        op.bulk_insert(_CHANNEL, rows)

    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_column('teams_channel_ref')
        batch_op.drop_column('slack_channel_id')


def downgrade() -> None:
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slack_channel_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('teams_channel_ref', sa.JSON(), nullable=True))

    bind = op.get_bind()
    channels = bind.execute(sa.select(
        _CHANNEL.c.team_id, _CHANNEL.c.platform, _CHANNEL.c.address, _CHANNEL.c.reference,
    ).where(_CHANNEL.c.platform.in_(('slack', 'teams')))).all()
    for team_id, platform, address, reference in channels:
        if platform == 'slack':
            values = {'slack_channel_id': address}
        elif reference is not None:
            values = {'teams_channel_ref': reference}
        else:
            continue  # a configured Teams id without an install was never stored on the team
        bind.execute(sa.update(_TEAM).where(_TEAM.c.id == team_id).values(**values))

    op.drop_table('team_channel')
