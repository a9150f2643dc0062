"""reminders and action-item assignments in the outbox

``change_events`` gains a kind ("revision", "review", "overdue"), the reminder's subject
(``detail``, ``due``, ``addressee_key``) and a unique ``dedupe_key`` that makes each
reminder once.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place: rebuilding change_events would trip the notifications' foreign keys.
    with op.batch_alter_table('change_events', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='revision', nullable=False))
        batch_op.add_column(sa.Column('detail', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('addressee_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=200), nullable=True))
    op.create_index('ix_change_events_dedupe_key', 'change_events', ['dedupe_key'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_change_events_dedupe_key', table_name='change_events')
    with op.batch_alter_table('change_events', recreate='never') as batch_op:
        batch_op.drop_column('dedupe_key')
        batch_op.drop_column('addressee_key')
        batch_op.drop_column('due')
        batch_op.drop_column('detail')
        batch_op.drop_column('kind')
