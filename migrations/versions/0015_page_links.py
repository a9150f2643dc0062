"""links between pages

``page_links`` holds the ``[[wiki links]]`` of every page's current revision: the page
and the slug each link leads to, indexed by that slug (what links here, orphaned and
wanted pages). It is derived data, filled here from the cached renderings' ``wikilinks``;
a current revision whose rendering is missing, was made by an older renderer (which read
``[[Page#Heading]]`` differently) or in another space than its page's is rendered again
for its links (the rendering itself is left to be cached when the page is next shown).
A text the renderer refuses links nowhere, as it is then shown as plain text.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa

from wiki.content.render import RENDERER_VERSION, RenderError, render_markdown


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

BATCH = 200
MAX_TARGET_CHARS = 255  # the slug column's size: no page can have a longer slug
DEFAULT_SPACE_ID, DEFAULT_SPACE_KEY = 1, 'main'


def _targets(version, rendered_in, space_id, wikilinks, body, space_key) -> set[str]:
    if version == RENDERER_VERSION and rendered_in == space_id:
        slugs = (wikilinks or '').split('\n')
    else:
        try:
            slugs = render_markdown(body, space_key).wikilinks
        except RenderError:
            slugs = frozenset()
    return {slug for slug in slugs if slug and len(slug) <= MAX_TARGET_CHARS}


def upgrade() -> None:
    links = op.create_table(
        'page_links',
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('target_slug', sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_page_links_page_id_pages')),
        sa.PrimaryKeyConstraint('page_id', 'target_slug', name=op.f('pk_page_links')),
    )
    op.create_index('ix_page_links_target_slug', 'page_links', ['target_slug'], unique=False)

    pages = sa.table(
        'pages',
        sa.column('id', sa.Integer),
        sa.column('space_id', sa.Integer),
        sa.column('current_revision_id', sa.Integer),
    )
    revisions = sa.table('revisions', sa.column('id', sa.Integer), sa.column('body', sa.Text))
    rendered = sa.table(
        'rendered_revisions',
        sa.column('revision_id', sa.Integer),
        sa.column('renderer_version', sa.Integer),
        sa.column('space_id', sa.Integer),
        sa.column('wikilinks', sa.Text),
    )
    spaces = sa.table('spaces', sa.column('id', sa.Integer), sa.column('key', sa.String))
    connection = op.get_bind()
    keys = dict(connection.execute(sa.select(spaces.c.id, spaces.c.key)).all())
    keys[DEFAULT_SPACE_ID] = DEFAULT_SPACE_KEY
    statement = (
        sa.select(
            pages.c.id,
            pages.c.space_id,
            rendered.c.renderer_version,
            rendered.c.space_id,
            rendered.c.wikilinks,
            revisions.c.body,
        )
        .join(revisions, revisions.c.id == pages.c.current_revision_id)
        .outerjoin(rendered, rendered.c.revision_id == revisions.c.id)
        .order_by(pages.c.id)
        .limit(BATCH)
    )
    last_id = 0
    while True:
        rows = connection.execute(statement.where(pages.c.id > last_id)).all()
        if not rows:
            break
        found = []
        for page_id, space_id, version, rendered_in, wikilinks, body in rows:
            targets = _targets(version, rendered_in, space_id, wikilinks, body, keys[space_id])
            found += [{'page_id': page_id, 'target_slug': slug} for slug in sorted(targets)]
        if found:
            connection.execute(links.insert(), found)
        last_id = rows[-1].id


def downgrade() -> None:
    op.drop_index('ix_page_links_target_slug', table_name='page_links')
    op.drop_table('page_links')
