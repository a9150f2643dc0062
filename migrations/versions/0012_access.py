"""access: grants per space, restrictions per page, the page tree

Spaces grant read, edit or admin to groups, single accounts, every signed-in account or
visitors (``space_grants``); a page narrows reading or editing of itself and its subtree
(``page_restrictions``). Pages get a parent (the tree of their space) and two derived
columns naming the nearest restricted page above them, so that "which pages may this
person read" stays one condition on the page row.

The default space keeps today's access: every signed-in account reads and, as far as its
role allows, edits; visitors read when the site lets anyone read. No page is restricted,
no page has a parent, and no revision changes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    grants = op.create_table(
        'space_grants',
        sa.Column('space_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=32), nullable=False),
        sa.Column('level', sa.Enum('read', 'edit', 'admin', name='accesslevel', native_enum=False, length=16), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_space_grants_space_id_spaces')),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_space_grants_group_id_groups')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_space_grants_user_id_users')),
        sa.PrimaryKeyConstraint('space_id', 'subject', name=op.f('pk_space_grants')),
    )
    op.create_table(
        'page_restrictions',
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('read', 'edit', name='restrictionkind', native_enum=False, length=8), nullable=False),
        sa.Column('subject', sa.String(length=32), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_page_restrictions_page_id_pages')),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_page_restrictions_group_id_groups')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_page_restrictions_user_id_users')),
        sa.PrimaryKeyConstraint('page_id', 'kind', 'subject', name=op.f('pk_page_restrictions')),
    )
    op.bulk_insert(
        grants,
        [
            {'space_id': 1, 'subject': 'signed_in', 'level': 'edit', 'group_id': None, 'user_id': None},
            {'space_id': 1, 'subject': 'anonymous', 'level': 'read', 'group_id': None, 'user_id': None},
        ],
    )
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('read_scope_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('edit_scope_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_pages_parent_id_pages'), 'pages', ['parent_id'], ['id'])
        batch_op.create_index('ix_pages_parent_id', ['parent_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_index('ix_pages_parent_id')
        batch_op.drop_constraint(op.f('fk_pages_parent_id_pages'), type_='foreignkey')
        batch_op.drop_column('edit_scope_id')
        batch_op.drop_column('read_scope_id')
        batch_op.drop_column('parent_id')
    op.drop_table('page_restrictions')
    op.drop_table('space_grants')
