"""a change feed for the search index

``search_page_changes`` names the pages whose search document changed without a new
revision (their files, or the text read from a file), so the indexes of every host see
those changes too.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'search_page_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_search_page_changes_page_id_pages')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_page_changes')),
    )
    op.create_index('ix_search_page_changes_created_at', 'search_page_changes', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_search_page_changes_created_at', table_name='search_page_changes')
    op.drop_table('search_page_changes')
