"""revision kind index

Page views are cached per viewer and checked against the newest revision that created,
renamed, deleted or undeleted a page (any of which changes which wiki links are missing).
An index on (kind, id) answers "the newest revision of this kind" in one step.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.create_index('ix_revisions_kind_id', ['kind', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_index('ix_revisions_kind_id')
