"""personal feed tokens

``feed_tokens`` holds the SHA-256 of each person's feed token (at most one per account):
the token in a feed address reads that feed as its owner.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-12
"""

from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'feed_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_feed_tokens_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_feed_tokens_token_hash')),
        sa.UniqueConstraint('user_id', name=op.f('uq_feed_tokens_user_id')),
    )


def downgrade() -> None:
    op.drop_table('feed_tokens')
