"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('latest_number', sa.Integer(), nullable=False),
    sa.Column('current_revision_id', sa.Integer(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pages')),
    sa.UniqueConstraint('slug', name=op.f('uq_pages_slug'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('username_key', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('reader', 'editor', 'admin', name='role', native_enum=False, length=16), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('session_token', name=op.f('uq_users_session_token')),
    sa.UniqueConstraint('username_key', name=op.f('uq_users_username_key'))
    )
    op.create_table('page_aliases',
    sa.Column('slug', sa.String(length=255), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_page_aliases_page_id_pages')),
    sa.PrimaryKeyConstraint('slug', name=op.f('pk_page_aliases'))
    )
    op.create_table('revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.Enum('create', 'edit', 'rename', 'delete', 'undelete', 'restore', name='revisionkind', native_enum=False, length=16), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('size_delta', sa.Integer(), nullable=False),
    sa.Column('restored_from', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_revisions_author_id_users')),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_revisions_page_id_pages')),
    sa.ForeignKeyConstraint(['parent_id'], ['revisions.id'], name=op.f('fk_revisions_parent_id_revisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revisions')),
    sa.UniqueConstraint('page_id', 'number', name='uq_revisions_page_id_number')
    )
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.create_index('ix_revisions_author_id_created_at', ['author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_revisions_created_at', ['created_at'], unique=False)

    op.create_table('rendered_revisions',
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('renderer_version', sa.Integer(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('toc_html', sa.Text(), nullable=False),
    sa.Column('wikilinks', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['revision_id'], ['revisions.id'], name=op.f('fk_rendered_revisions_revision_id_revisions')),
    sa.PrimaryKeyConstraint('revision_id', name=op.f('pk_rendered_revisions'))
    )
    # pages and revisions point at each other: the second foreign key comes once both exist
    # (batch mode lets SQLite, which cannot ALTER constraints, rebuild the empty table).
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f('fk_pages_current_revision_id_revisions'), 'revisions',
            ['current_revision_id'], ['id'],
        )


def downgrade() -> None:
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_pages_current_revision_id_revisions'), type_='foreignkey')
    op.drop_table('rendered_revisions')
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_index('ix_revisions_created_at')
        batch_op.drop_index('ix_revisions_author_id_created_at')

    op.drop_table('revisions')
    op.drop_table('page_aliases')
    op.drop_table('users')
    op.drop_table('pages')
