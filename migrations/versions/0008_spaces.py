"""spaces

A space is a team's or a project's area of the wiki: it holds pages. Every existing page
lands in the default space (id 1, key "main"), whose pages keep their addresses: no slug and
no revision changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    spaces = op.create_table(
        'spaces',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_spaces')),
        sa.UniqueConstraint('key', name=op.f('uq_spaces_key')),
    )
    op.bulk_insert(
        spaces,
        [
            {
                'id': 1,
                'key': 'main',
                'name': 'Main',
                'description': 'The pages of the wiki before it had spaces, and pages of no team in particular.',
                'created_at': datetime.now(UTC),
            }
        ],
    )
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('space_id', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_foreign_key(op.f('fk_pages_space_id_spaces'), 'spaces', ['space_id'], ['id'])
        batch_op.create_index('ix_pages_space_id_sort_key', ['space_id', 'sort_key'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        # The row inserted with an explicit id leaves the sequence behind it.
        op.execute("SELECT setval(pg_get_serial_sequence('spaces', 'id'), (SELECT max(id) FROM spaces))")


def downgrade() -> None:
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_index('ix_pages_space_id_sort_key')
        batch_op.drop_constraint(op.f('fk_pages_space_id_spaces'), type_='foreignkey')
        batch_op.drop_column('space_id')
    op.drop_table('spaces')
