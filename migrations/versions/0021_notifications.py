"""watches, the change outbox and notifications

``change_events`` is written in the same transaction as each new revision; the worker turns
each event into ``notifications`` for the people who watch the page, its subtree, its
space or one of its tags (``watches``), or whom it mentions. ``users.watch_own_edits``:
people watch what they create and edit unless they turn it off.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('watches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.Enum('page', 'subtree', 'space', 'tag', name='watchtarget', native_enum=False, length=16), nullable=False),
    sa.Column('target_key', sa.String(length=120), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=True),
    sa.Column('space_id', sa.Integer(), nullable=True),
    sa.Column('tag', sa.String(length=100), server_default='', nullable=False),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_watches_page_id_pages')),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_watches_space_id_spaces')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_watches_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watches')),
    sa.UniqueConstraint('user_id', 'target_key', name='uq_watches_user_id_target_key')
    )
    with op.batch_alter_table('watches', schema=None) as batch_op:
        batch_op.create_index('ix_watches_target_key', ['target_key'], unique=False)

    op.create_table('change_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('excerpt', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_change_events_actor_id_users')),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_change_events_page_id_pages')),
    sa.ForeignKeyConstraint(['revision_id'], ['revisions.id'], name=op.f('fk_change_events_revision_id_revisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_events'))
    )
    with op.batch_alter_table('change_events', schema=None) as batch_op:
        batch_op.create_index('ix_change_events_handled_at_id', ['handled_at', 'id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('reason_detail', sa.String(length=255), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['change_events.id'], name=op.f('fk_notifications_event_id_change_events')),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_notifications_page_id_pages')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('user_id', 'event_id', name='uq_notifications_user_id_event_id')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_id_read_at', ['user_id', 'read_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('watch_own_edits', sa.Boolean(), server_default=sa.true(), nullable=False))



def downgrade() -> None:
    # Dropped in place (SQLite 3.35+): rebuilding users would trip the foreign keys of
    # every table that names an account.
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('watch_own_edits')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_id_read_at')

    op.drop_table('notifications')
    with op.batch_alter_table('change_events', schema=None) as batch_op:
        batch_op.drop_index('ix_change_events_handled_at_id')

    op.drop_table('change_events')
    with op.batch_alter_table('watches', schema=None) as batch_op:
        batch_op.drop_index('ix_watches_target_key')

    op.drop_table('watches')
