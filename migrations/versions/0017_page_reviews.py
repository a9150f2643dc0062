"""page owners and reviews

Every page gets an owner (``page_reviews``): the author of its first revision, as a page
made from now on is owned by its creator. No page has a review interval yet. Verifications
are kept in ``review_log``.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'page_reviews',
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('owner_user_id', sa.Integer(), nullable=True),
        sa.Column('owner_group_id', sa.Integer(), nullable=True),
        sa.Column('review_every_days', sa.Integer(), nullable=True),
        sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('verified_by_id', sa.Integer(), nullable=True),
        sa.Column('review_due', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['owner_group_id'], ['groups.id'], name=op.f('fk_page_reviews_owner_group_id_groups')),
        sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name=op.f('fk_page_reviews_owner_user_id_users')),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_page_reviews_page_id_pages')),
        sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_page_reviews_verified_by_id_users')),
        sa.PrimaryKeyConstraint('page_id', name=op.f('pk_page_reviews')),
    )
    op.create_index('ix_page_reviews_owner_group_id', 'page_reviews', ['owner_group_id'], unique=False)
    op.create_index('ix_page_reviews_owner_user_id', 'page_reviews', ['owner_user_id'], unique=False)
    op.create_index('ix_page_reviews_review_due', 'page_reviews', ['review_due'], unique=False)
    op.create_table(
        'review_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('reviewer_id', sa.Integer(), nullable=False),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revision_number', sa.Integer(), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_review_log_page_id_pages')),
        sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_review_log_reviewer_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_log')),
    )
    op.create_index('ix_review_log_page_id_id', 'review_log', ['page_id', 'id'], unique=False)
    # The creator owns each page: the author of its first revision.
    op.execute(
        "INSERT INTO page_reviews (page_id, owner_user_id)"
        " SELECT revisions.page_id, revisions.author_id FROM revisions WHERE revisions.number = 1"
    )


def downgrade() -> None:
    op.drop_index('ix_review_log_page_id_id', table_name='review_log')
    op.drop_table('review_log')
    op.drop_index('ix_page_reviews_review_due', table_name='page_reviews')
    op.drop_index('ix_page_reviews_owner_user_id', table_name='page_reviews')
    op.drop_index('ix_page_reviews_owner_group_id', table_name='page_reviews')
    op.drop_table('page_reviews')
