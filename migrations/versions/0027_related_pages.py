"""related pages

``related_lists``: that a page's list of related pages was worked out, from which revision
and when; ``related_pages``: the pages of each list, by rank. Both are derived from the
search index by its indexer (empty after this migration: the indexer fills them).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'related_lists',
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('revision_id', sa.Integer(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_related_lists_page_id_pages')),
        sa.PrimaryKeyConstraint('page_id', name=op.f('pk_related_lists')),
    )
    op.create_table(
        'related_pages',
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('related_page_id', sa.Integer(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ['page_id'], ['related_lists.page_id'], name=op.f('fk_related_pages_page_id_related_lists')
        ),
        sa.ForeignKeyConstraint(
            ['related_page_id'], ['pages.id'], name=op.f('fk_related_pages_related_page_id_pages')
        ),
        sa.PrimaryKeyConstraint('page_id', 'rank', name=op.f('pk_related_pages')),
    )


def downgrade() -> None:
    op.drop_table('related_pages')
    op.drop_table('related_lists')
