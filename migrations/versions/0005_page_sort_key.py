"""page sort key

The alphabetical list of pages sorts by the slug without accents (``éclair`` under E, not
after Z). The key is derived from the slug (wiki.slugs.sort_key) and filled in here for
existing pages; the model keeps it in step on every later change of a slug.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa

from wiki.slugs import sort_key


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sort_key', sa.String(length=510), server_default='', nullable=False))
    pages = sa.table('pages', sa.column('id', sa.Integer), sa.column('slug', sa.String), sa.column('sort_key', sa.String))
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(pages.c.id, pages.c.slug).where(pages.c.id > last_id).order_by(pages.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            pages.update().where(pages.c.id == sa.bindparam('page_id')).values(sort_key=sa.bindparam('key')),
            [{'page_id': row.id, 'key': sort_key(row.slug)} for row in rows],
        )
        last_id = rows[-1].id
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.create_index('ix_pages_sort_key_slug', ['sort_key', 'slug'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_index('ix_pages_sort_key_slug')
        batch_op.drop_column('sort_key')
