"""PostgreSQL search indexes: GIN on product attributes (JSONB containment) and trigram GIN on titles.

SQLite has neither; there the migration does nothing. pg_trgm ships with Debian's postgresql package; when the
extension cannot be created (no privilege), the trigram index is skipped with a warning and text search still
works, only slower.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
import logging

from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index("ix_products_attributes", "products", ["attributes"], postgresql_using="gin",
                    postgresql_ops={"attributes": "jsonb_path_ops"})
    bind = op.get_bind()
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as err:
        savepoint.rollback()
        log.warning("pg_trgm unavailable, skipping the trigram index on titles: %s", err.orig)
        return
    savepoint.commit()
    op.create_index("ix_products_title_trgm", "products", ["title"], postgresql_using="gin",
                    postgresql_ops={"title": "gin_trgm_ops"})


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_products_title_trgm")
    op.drop_index("ix_products_attributes", table_name="products")
