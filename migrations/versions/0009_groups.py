"""groups

Groups of accounts, made by admins, with members some of whom manage the group. The
primary key of ``group_members`` (group, user) lists a group's members; an index on (user,
group) answers "which groups is this user in" from the index alone, as permission checks
ask on every request.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'groups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('description', sa.Text(), server_default='', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_groups')),
        sa.UniqueConstraint('key', name=op.f('uq_groups_key')),
    )
    op.create_table(
        'group_members',
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('is_manager', sa.Boolean(), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('added_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['group_id'], ['groups.id'], name=op.f('fk_group_members_group_id_groups')
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_group_members_user_id_users')
        ),
        sa.ForeignKeyConstraint(
            ['added_by'], ['users.id'], name=op.f('fk_group_members_added_by_users')
        ),
        sa.PrimaryKeyConstraint('group_id', 'user_id', name=op.f('pk_group_members')),
    )
    op.create_index(
        'ix_group_members_user_id_group_id', 'group_members', ['user_id', 'group_id'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_group_members_user_id_group_id', table_name='group_members')
    op.drop_table('group_members')
    op.drop_table('groups')
