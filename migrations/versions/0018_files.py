"""files attached to pages

Files and their versions (``attachments``, ``attachment_versions``), their bytes stored once
per content (``file_blobs``), and two derived tables: the text of documents for search
(``file_texts``) and thumbnails of images (``file_thumbnails``).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'file_blobs',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('mime', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint('sha256', name=op.f('pk_file_blobs')),
    )
    op.create_table(
        'file_texts',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('error', sa.String(length=300), nullable=False),
        sa.Column('extracted_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('sha256', name=op.f('pk_file_texts')),
    )
    op.create_table(
        'file_thumbnails',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('max_side', sa.Integer(), nullable=False),
        sa.Column('mime', sa.String(length=100), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint('sha256', 'max_side', name=op.f('pk_file_thumbnails')),
    )
    op.create_table(
        'attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('name_key', sa.String(length=255), nullable=False),
        sa.Column('latest_number', sa.Integer(), nullable=False),
        sa.Column('current_version_id', sa.Integer(), nullable=True),
        sa.Column('deleted', sa.Boolean(), nullable=False),
        sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('deleted_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['deleted_by_id'], ['users.id'], name=op.f('fk_attachments_deleted_by_id_users')),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_attachments_page_id_pages')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
        sa.UniqueConstraint('page_id', 'name_key', name='uq_attachments_page_id_name_key'),
    )
    op.create_index('ix_attachments_updated_at_id', 'attachments', ['updated_at', 'id'], unique=False)
    op.create_table(
        'attachment_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attachment_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('blob_sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('mime', sa.String(length=100), nullable=False),
        sa.Column('width', sa.Integer(), nullable=True),
        sa.Column('height', sa.Integer(), nullable=True),
        sa.Column('uploader_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('comment', sa.String(length=500), nullable=False),
        sa.Column('restored_from', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'], name=op.f('fk_attachment_versions_attachment_id_attachments')),
        sa.ForeignKeyConstraint(['blob_sha256'], ['file_blobs.sha256'], name=op.f('fk_attachment_versions_blob_sha256_file_blobs')),
        sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], name=op.f('fk_attachment_versions_uploader_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment_versions')),
        sa.UniqueConstraint('attachment_id', 'number', name='uq_attachment_versions_attachment_id_number'),
    )
    op.create_index('ix_attachment_versions_blob_sha256', 'attachment_versions', ['blob_sha256'], unique=False)
    op.create_index('ix_attachment_versions_uploader_id_id', 'attachment_versions', ['uploader_id', 'id'], unique=False)
    # The file's current version: added once both tables exist (they refer to each other).
    with op.batch_alter_table('attachments') as batch_op:
        batch_op.create_foreign_key(
            op.f('fk_attachments_current_version_id_attachment_versions'), 'attachment_versions',
            ['current_version_id'], ['id'],
        )


def downgrade() -> None:
    with op.batch_alter_table('attachments') as batch_op:
        batch_op.drop_constraint(
            op.f('fk_attachments_current_version_id_attachment_versions'), type_='foreignkey'
        )
    op.drop_index('ix_attachment_versions_uploader_id_id', table_name='attachment_versions')
    op.drop_index('ix_attachment_versions_blob_sha256', table_name='attachment_versions')
    op.drop_table('attachment_versions')
    op.drop_index('ix_attachments_updated_at_id', table_name='attachments')
    op.drop_table('attachments')
    op.drop_table('file_thumbnails')
    op.drop_table('file_texts')
    op.drop_table('file_blobs')
