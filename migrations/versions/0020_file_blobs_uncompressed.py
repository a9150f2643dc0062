"""file contents kept uncompressed by PostgreSQL

Downloads read a large content a piece at a time with ``substring``. PostgreSQL fetches
only the pieces asked for from a value stored uncompressed (``STORAGE EXTERNAL``); a
compressed one would be decompressed from its start for every piece. Most files (pictures,
PDF, office documents) are compressed already, so little space is lost. Applies to
contents written from now on; SQLite has no such setting.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE file_blobs ALTER COLUMN data SET STORAGE EXTERNAL')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE file_blobs ALTER COLUMN data SET STORAGE EXTENDED')
