"""action items

``action_items`` holds the task-list lines that name an owner or a due date, of every
page's current revision ("My action items", a space's open items). Derived data, kept by
saves and rebuilt by ``wiki reindex``; filled here from the current texts that have a
check box (only those are rendered again).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa

from wiki.content.records.action_items import item_rows, tasks_of


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'action_items',
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('done', sa.Boolean(), nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=True),
        sa.Column('owner_key', sa.String(length=64), nullable=True),
        sa.Column('due', sa.Date(), nullable=True),
        sa.Column('due_text', sa.String(length=10), nullable=True),
        sa.Column('text', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_action_items_page_id_pages')),
        sa.PrimaryKeyConstraint('page_id', 'position', name=op.f('pk_action_items')),
    )
    op.create_index(
        'ix_action_items_owner_key_done_due', 'action_items', ['owner_key', 'done', 'due'], unique=False
    )
    items = sa.table(
        'action_items',
        *(sa.column(name) for name in ('page_id', 'position', 'done', 'owner', 'owner_key', 'due', 'due_text', 'text')),
    )
    bind = op.get_bind()
    current = bind.execute(
        sa.text(
            "SELECT pages.id, revisions.body FROM pages JOIN revisions"
            " ON revisions.id = pages.current_revision_id"
            " WHERE revisions.body LIKE '%[ ]%' OR revisions.body LIKE '%[x]%'"
            " OR revisions.body LIKE '%[X]%'"
        )
    )
    for page_id, body in current.fetchall():
        rows = item_rows(page_id, tasks_of(body))
        if rows:
            bind.execute(items.insert(), rows)


def downgrade() -> None:
    op.drop_index('ix_action_items_owner_key_done_due', table_name='action_items')
    op.drop_table('action_items')
