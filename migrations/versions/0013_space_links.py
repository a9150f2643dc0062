"""links across spaces, space home pages

Cached renderings record the space they were rendered in (``[[Title]]`` resolves in the
page's space, so a page moved to another space is rendered again). Every existing one was
rendered as the default space renders, before links knew about spaces: it gets space 1.

A space may have a home page (``spaces.home_page_id``, a page of the space); none has yet.

The landing page lists the pages changed last: ``pages`` gets an index on (updated_at, id).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-17
"""

from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


@contextmanager
def _rebuilding_spaces():
    """SQLite rebuilds ``spaces`` (copy, drop, rename), which pages and grants refer to:
    where foreign keys are enforced they are checked when the transaction commits, once the
    new table has the old one's name, or (outside a transaction, where that pragma does
    nothing) not while the table is rebuilt. ``wiki upgrade`` turns them off anyway."""
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        yield
        return
    enforced = bind.exec_driver_sql('PRAGMA foreign_keys').scalar()
    bind.exec_driver_sql('PRAGMA defer_foreign_keys = ON')
    if enforced:
        bind.exec_driver_sql('PRAGMA foreign_keys = OFF')
    try:
        yield
    finally:
        if enforced:
            bind.exec_driver_sql('PRAGMA foreign_keys = ON')


def upgrade() -> None:
    # A plain ADD COLUMN with a constant default: SQLite adds it without rebuilding the table.
    op.add_column(
        'rendered_revisions',
        sa.Column('space_id', sa.Integer(), server_default='1', nullable=False),
    )
    op.create_index('ix_pages_updated_at_id', 'pages', ['updated_at', 'id'], unique=False)
    with _rebuilding_spaces(), op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('home_page_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_spaces_home_page_id_pages'), 'pages', ['home_page_id'], ['id'])


def downgrade() -> None:
    with _rebuilding_spaces(), op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_spaces_home_page_id_pages'), type_='foreignkey')
        batch_op.drop_column('home_page_id')
    op.drop_index('ix_pages_updated_at_id', table_name='pages')
    with op.batch_alter_table('rendered_revisions', schema=None) as batch_op:
        batch_op.drop_column('space_id')
