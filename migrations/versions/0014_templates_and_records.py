"""templates and structured records

A space may choose the template its new pages start from (``spaces.default_template``).
A revision carries the page's structured fields (``revisions.fields``, JSON; none for every
existing revision). ``page_fields`` holds the field values of each page's current revision,
for the Lessons view; derived, and empty since no page has fields yet.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns without defaults: SQLite adds them without rebuilding the tables.
    op.add_column('spaces', sa.Column('default_template', sa.String(length=40), nullable=True))
    op.add_column('revisions', sa.Column('fields', sa.JSON(), nullable=True))
    op.create_table(
        'page_fields',
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('folded', sa.String(length=200), nullable=False),
        sa.Column('number', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_page_fields_page_id_pages')),
        sa.PrimaryKeyConstraint('page_id', 'name', name=op.f('pk_page_fields')),
    )
    op.create_index('ix_page_fields_name_folded', 'page_fields', ['name', 'folded'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_page_fields_name_folded', table_name='page_fields')
    op.drop_table('page_fields')
    # Plain ALTER TABLE ... DROP COLUMN (SQLite has it since 3.35): no table is rebuilt.
    op.drop_column('revisions', 'fields')
    op.drop_column('spaces', 'default_template')
