"""titles people can trust

Pages get the look-alike key of their title (wiki.textsafety.lookalike_key, the Unicode
confusable skeleton), indexed, so that a new title that looks like an existing one
("Аdmin" with a Cyrillic A beside "Admin") is found in one lookup; filled in here for
existing pages, kept in step by the model afterwards.

Slugs now spell out meaningful symbols ("C++" -> c-plus-plus). Existing pages keep their
slugs and URLs; where a page's title now spells to a different, unused slug, that slug is
added as an old name of the page, so links written as [[C++]] still reach it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

from wiki.slugs import slugify
from wiki.textsafety import lookalike_key


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lookalike_key', sa.String(length=600), server_default='', nullable=False))
    pages = sa.table(
        'pages',
        sa.column('id', sa.Integer),
        sa.column('slug', sa.String),
        sa.column('title', sa.String),
        sa.column('lookalike_key', sa.String),
    )
    aliases = sa.table('page_aliases', sa.column('slug', sa.String), sa.column('page_id', sa.Integer))
    connection = op.get_bind()
    taken = set(connection.execute(sa.select(pages.c.slug)).scalars())
    taken.update(connection.execute(sa.select(aliases.c.slug)).scalars())
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(pages.c.id, pages.c.slug, pages.c.title)
            .where(pages.c.id > last_id)
            .order_by(pages.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            pages.update().where(pages.c.id == sa.bindparam('page_id')).values(lookalike_key=sa.bindparam('key')),
            [{'page_id': row.id, 'key': lookalike_key(row.title)} for row in rows],
        )
        new_names = []
        for row in rows:
            spelled = slugify(row.title)
            if spelled and spelled not in taken and len(spelled) <= 255:
                taken.add(spelled)
                new_names.append({'slug': spelled, 'page_id': row.id})
        if new_names:
            connection.execute(aliases.insert(), new_names)
        last_id = rows[-1].id
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.create_index('ix_pages_lookalike_key', ['lookalike_key'], unique=False)


def downgrade() -> None:
    # The old names added above stay: they only redirect to the pages they name.
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_index('ix_pages_lookalike_key')
        batch_op.drop_column('lookalike_key')
