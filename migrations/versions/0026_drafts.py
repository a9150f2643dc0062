"""drafts

``drafts``: what each person typed in the editor of a page and has not saved yet, one per
person and page, with the revision the editing started from.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-14
"""

from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('base_number', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('summary', sa.String(length=500), nullable=False),
        sa.Column('tags', sa.Text(), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=True),
        sa.Column('editor_key', sa.String(length=40), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_drafts_author_id_users')),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_drafts_page_id_pages')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_drafts')),
        sa.UniqueConstraint('author_id', 'page_id', name='uq_drafts_author_id_page_id'),
    )
    op.create_index('ix_drafts_page_id_updated_at', 'drafts', ['page_id', 'updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_drafts_page_id_updated_at', table_name='drafts')
    op.drop_table('drafts')
