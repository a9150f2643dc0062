"""people

Users get a display name, an e-mail address (unique ignoring case, through ``email_key``)
and a time zone; existing accounts have none of them (NULL: the username is shown, the
site's default zone is used). Invites are one-time sign-up links: only a hash of each
link's token is stored.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN and CREATE INDEX: SQLite does both without rebuilding ``users``.
    op.add_column('users', sa.Column('display_name', sa.String(length=100), nullable=True))
    op.add_column('users', sa.Column('email', sa.String(length=254), nullable=True))
    op.add_column('users', sa.Column('email_key', sa.String(length=254), nullable=True))
    op.add_column('users', sa.Column('time_zone', sa.String(length=64), nullable=True))
    op.create_index('ix_users_email_key', 'users', ['email_key'], unique=True)
    op.create_table(
        'invites',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', sa.Enum('reader', 'editor', 'admin', name='role', native_enum=False, length=16), nullable=False),
        sa.Column('groups', sa.JSON(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('used_by_id', sa.Integer(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_invites_created_by_id_users')),
        sa.ForeignKeyConstraint(['used_by_id'], ['users.id'], name=op.f('fk_invites_used_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invites')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_invites_token_hash')),
    )
    op.create_index('ix_invites_created_at', 'invites', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_invites_created_at', table_name='invites')
    op.drop_table('invites')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_email_key')
        batch_op.drop_column('time_zone')
        batch_op.drop_column('email_key')
        batch_op.drop_column('email')
        batch_op.drop_column('display_name')
