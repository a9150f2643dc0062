"""e-mail: the mail outbox, each person's choice of how often, what was mailed

``mail_messages`` holds every message from when it is composed until it is sent (retried
with back-off while the mail server is away). ``users.email_frequency``: off, immediately,
or a daily or weekly digest; ``users.digest_through``: until when the last digest told.
``notifications.mailed_at``: a notification is mailed once.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mail_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('page_ids', sa.Text(), server_default='', nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=500), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mail_messages_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_messages')),
    sa.UniqueConstraint('message_id', name=op.f('uq_mail_messages_message_id'))
    )
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.create_index('ix_mail_messages_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_frequency', sa.String(length=16), server_default='daily', nullable=False))
        batch_op.add_column(sa.Column('digest_through', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    # Dropped in place (SQLite 3.35+): rebuilding users would trip the foreign keys of
    # every table that names an account.
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('digest_through')
        batch_op.drop_column('email_frequency')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('mailed_at')

    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_messages_status_next_attempt_at')

    op.drop_table('mail_messages')
