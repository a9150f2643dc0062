"""search synonyms

The synonym list admins edit for search: one row while an edited list is in use (none means
the built-in list), with a random token renewed on every save so that each process can tell
cheaply whether its cached copy is current.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'search_synonyms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_synonyms')),
    )


def downgrade() -> None:
    op.drop_table('search_synonyms')
