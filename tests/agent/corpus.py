"""The attack corpus and the legitimate analytic corpus, per dialect.

An attack is ``(id, sql, db)``: ``db`` says what the database level alone does with it when the SQL guard is
bypassed: ``"refused"`` (an error: privilege, read-only, syntax, authorizer), ``"timeout"`` (stopped at the time
limit) or ``"harmless"`` (PostgreSQL lets every role run it; the test checks that it changed nothing).
"""

from __future__ import annotations

BOTH = [
    ("multi-statement", "SELECT 1; DROP TABLE products", "refused"),
    ("multi-statement-trailing", "SELECT * FROM products; DELETE FROM products", "refused"),
    ("drop", "DROP TABLE products", "refused"),
    ("delete", "DELETE FROM products", "refused"),
    ("update", "UPDATE products SET price = 0", "refused"),
    ("insert-key", "INSERT INTO api_keys (name, prefix, key_hash, created_at) VALUES ('x', 'x', 'x', '2026-01-01')",
     "refused"),
    ("create-table-as", "CREATE TABLE stolen AS SELECT * FROM products", "refused"),
    ("create-temp", "CREATE TEMP TABLE stolen AS SELECT * FROM api_keys", "refused"),
    ("alter", "ALTER TABLE products ADD COLUMN owned TEXT", "refused"),
    ("dml-cte-delete", "WITH gone AS (DELETE FROM products RETURNING id) SELECT count(*) FROM gone", "refused"),
    ("dml-cte-update", "WITH u AS (UPDATE products SET price = 0 RETURNING id) SELECT * FROM u", "refused"),
    ("api-keys", "SELECT * FROM api_keys", "refused"),
    ("api-keys-quoted", 'SELECT key_hash FROM "api_keys"', "refused"),
    ("api-keys-union", "SELECT title FROM products UNION SELECT key_hash FROM api_keys", "refused"),
    ("api-keys-subquery", "SELECT (SELECT key_hash FROM api_keys LIMIT 1) AS k FROM products", "refused"),
    ("api-keys-cte-scope", "SELECT * FROM (WITH x AS (SELECT 1 AS a) SELECT a FROM x) q, api_keys", "refused"),
    ("alembic", "SELECT * FROM alembic_version", "refused"),
    ("events", "SELECT payload FROM events", "refused"),
    ("recursive-cte", "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
     "timeout"),
    # A CTE reading its own name is recursive in SQLite even without RECURSIVE, and shadows a real table.
    ("recursive-cte-unmarked",
     "WITH products(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM products) SELECT count(*) FROM products", "timeout"),
    ("cte-reads-later-cte", "WITH a AS (SELECT * FROM b), b AS (SELECT id FROM products) SELECT * FROM a", "harmless"),
]

POSTGRES = [
    ("pg-quoted-function", "SELECT \"pg_read_file\"('/etc/passwd')", "refused"),
    ("pg-qualified-function", "SELECT pg_catalog.pg_read_file('/etc/passwd')", "refused"),
    ("pg-quoted-qualified", "SELECT \"pg_catalog\".\"pg_ls_dir\"('.')", "refused"),
    ("pg-commented-function", "SELECT pg_read_file/**/('/etc/passwd')", "refused"),
    ("pg-comment-before-paren", "SELECT pg_read_binary_file -- x\n('/etc/passwd')", "refused"),
    ("pg-select-into", "SELECT * INTO stolen FROM products", "refused"),
    ("pg-for-update", "SELECT * FROM products FOR UPDATE", "refused"),
    ("pg-for-share-nowait", "SELECT id FROM products FOR SHARE NOWAIT", "refused"),
    ("pg-copy-to-file", "COPY products TO '/tmp/stolen.csv'", "refused"),
    ("pg-copy-program", "COPY (SELECT * FROM api_keys) TO PROGRAM 'id'", "refused"),
    ("pg-do-block", "DO $$ BEGIN EXECUTE 'DROP TABLE products'; END $$", "refused"),
    ("pg-sleep", "SELECT pg_sleep(30)", "timeout"),
    ("pg-sleep-in-where", "SELECT title FROM products WHERE pg_sleep(30) IS NOT NULL", "timeout"),
    ("pg-generate-series", "SELECT count(*) FROM generate_series(1, 100000000000)", "timeout"),
    ("pg-authid", "SELECT rolname, rolpassword FROM pg_authid", "refused"),
    ("pg-shadow", "SELECT * FROM pg_catalog.pg_shadow", "refused"),
    ("pg-information-schema", "SELECT table_name FROM information_schema.tables", "harmless"),
    ("pg-catalog-class", "SELECT relname FROM pg_class", "harmless"),
    ("pg-set-timeout", "SET statement_timeout = 0", "refused"),
    ("pg-set-config", "SELECT set_config('statement_timeout', '0', false)", "harmless"),
    ("pg-set-role", "SET ROLE postgres", "refused"),
    ("pg-read-only-off", "SET TRANSACTION READ WRITE", "refused"),
    ("pg-data-directory", "SELECT current_setting('data_directory')", "refused"),
    ("pg-lo-import", "SELECT lo_import('/etc/passwd')", "refused"),
    ("pg-dblink", "SELECT dblink_exec('host=127.0.0.1', 'DROP TABLE products')", "refused"),
    ("pg-alter-role", "ALTER ROLE CURRENT_USER SUPERUSER", "refused"),
    ("pg-grant", "GRANT ALL ON api_keys TO PUBLIC", "refused"),
    ("pg-truncate", "TRUNCATE products", "refused"),
    ("pg-nextval", "SELECT nextval('products_id_seq')", "refused"),
    ("pg-advisory-lock", "SELECT pg_advisory_lock(1)", "harmless"),
    ("pg-lock-table", "LOCK TABLE products IN ACCESS EXCLUSIVE MODE", "refused"),
    ("pg-explain-analyze", "EXPLAIN ANALYZE DELETE FROM products", "refused"),
    ("pg-public-api-keys", "SELECT * FROM public.api_keys", "refused"),
    ("pg-function-in-from", "SELECT * FROM pg_read_file('/etc/passwd') AS f", "refused"),
    ("pg-table-shorthand", "TABLE api_keys", "refused"),
    ("pg-query-to-xml", "SELECT query_to_xml('SELECT key_hash FROM api_keys', true, true, '')", "refused"),
    ("pg-query-to-xml-write", "SELECT query_to_xml('DELETE FROM products RETURNING id', true, true, '')", "refused"),
    # A CTE of the same name does not make a qualified table a CTE: the qualified name is the stored table.
    ("pg-cte-shadow-catalog", "WITH pg_roles AS (SELECT 1 AS a) SELECT * FROM pg_catalog.pg_roles", "harmless"),
    ("pg-cte-shadow-settings", "WITH pg_settings AS (SELECT 1 AS a) SELECT name, setting FROM pg_catalog.pg_settings",
     "harmless"),
    ("pg-cte-shadow-information-schema",
     "WITH tables AS (SELECT 1 AS a) SELECT table_schema, table_name FROM information_schema.tables", "harmless"),
    ("pg-cte-shadow-in-subquery", "SELECT title FROM products WHERE id IN (WITH pg_roles AS (SELECT 1 AS a) "
     "SELECT oid::int FROM pg_catalog.pg_roles)", "harmless"),
    ("pg-cte-shadow-api-keys", "WITH api_keys AS (SELECT 1 AS a) SELECT key_hash FROM public.api_keys", "refused"),
    ("pg-cte-shadow-quoted", 'WITH api_keys AS (SELECT 1 AS a) SELECT key_hash FROM "public"."api_keys"', "refused"),
    ("pg-cte-case-differs", 'WITH "API_KEYS" AS (SELECT 1 AS a) SELECT key_hash FROM api_keys', "refused"),
    # rel.f calls the function f on the row when rel has no column f; bare user / current_role are functions.
    ("pg-function-as-column", "SELECT p.row_to_json FROM products p", "harmless"),
    ("pg-function-as-column-jsonb", "SELECT p.to_jsonb FROM products p", "harmless"),
    ("pg-function-as-column-aliased", "SELECT p.row_to_json, 1 AS row_to_json FROM products p", "harmless"),
    ("pg-function-as-derived-column", "SELECT t.row_to_json FROM (SELECT * FROM products) t", "harmless"),
    ("pg-user-keyword", "SELECT user", "harmless"),
    ("pg-current-role-keyword", "SELECT current_role", "harmless"),
]

SQLITE = [
    ("sqlite-attach", "ATTACH DATABASE '/tmp/sightsearch-evil.db' AS evil", "refused"),
    ("sqlite-pragma-schema", "PRAGMA writable_schema = ON", "refused"),
    ("sqlite-pragma-journal", "PRAGMA journal_mode = DELETE", "refused"),
    ("sqlite-pragma-function", "SELECT * FROM pragma_table_info('api_keys')", "refused"),
    ("sqlite-load-extension", "SELECT load_extension('/tmp/evil.so')", "refused"),
    ("sqlite-load-extension-quoted", "SELECT \"load_extension\"('/tmp/evil.so')", "refused"),
    ("sqlite-master", "SELECT sql FROM sqlite_master", "refused"),
    ("sqlite-schema-qualified", "SELECT sql FROM main.sqlite_schema", "refused"),
    ("sqlite-readfile", "SELECT readfile('/etc/passwd')", "refused"),
    ("sqlite-writefile", "SELECT writefile('/tmp/x', 'y')", "refused"),
    ("sqlite-vacuum-into", "VACUUM INTO '/tmp/sightsearch-copy.db'", "refused"),
    ("sqlite-randomblob", "SELECT randomblob(1000000000)", "refused"),
    ("sqlite-zeroblob", "SELECT length(zeroblob(1000000000))", "refused"),
    ("sqlite-replace-into", "REPLACE INTO products (id, title) VALUES (1, 'x')", "refused"),
    ("sqlite-trigger", "CREATE TRIGGER t AFTER INSERT ON products BEGIN DELETE FROM products; END", "refused"),
    ("sqlite-fts3-tokenizer", "SELECT fts3_tokenizer('simple')", "refused"),
    ("sqlite-main-api-keys", "SELECT * FROM main.api_keys", "refused"),
    ("sqlite-temp-master", "SELECT * FROM temp.sqlite_master", "refused"),
    ("sqlite-printf-width-bomb", "SELECT length(printf('%.*c', 900000000, 'x'))", "refused"),
    ("sqlite-format-width-bomb", "SELECT length(format('%.*c', 900000000, 'x'))", "refused"),
    # replace() grows a value by its replacement each time it is nested: left out (the length cap would stop it here).
    ("sqlite-replace-doubling", "SELECT length(replace(replace(replace(title, 'e', 'ee'), 'e', 'ee'), 'e', 'ee')) "
     "FROM products", "harmless"),
    ("sqlite-cte-shadow-api-keys", "WITH api_keys AS (SELECT 1 AS a) SELECT key_hash FROM main.api_keys", "refused"),
    ("sqlite-cte-shadow-master", "WITH sqlite_master AS (SELECT 1 AS a) SELECT sql FROM main.sqlite_master",
     "refused"),
    ("sqlite-cte-shadow-quoted", 'WITH api_keys AS (SELECT 1 AS a) SELECT key_hash FROM "main"."api_keys"',
     "refused"),
    ("sqlite-pragma-table", "SELECT * FROM main.pragma_database_list", "refused"),
]

# Searches whose cost grows with a value the query builds: one search runs inside one database step, where no time
# limit reaches it, so the guard alone must stop them (they are not run against a database in the tests).
SLOW_SEARCHES = {
    "sqlite": [
        "SELECT count(*) FROM products WHERE (SELECT group_concat('a', '') FROM products a, products b) LIKE "
        "'%' || (SELECT group_concat('a', '') FROM products a) || 'b%'",
        "SELECT count(*) FROM products WHERE (SELECT group_concat(a.title) FROM products a, products b) LIKE '%ab%'",
        "SELECT instr((SELECT group_concat(title) FROM products a, products b), 'x') FROM products",
        "SELECT count(*) FROM products WHERE title LIKE description",
        "SELECT count(*) FROM products WHERE title LIKE '%" + "a" * 300 + "b%'",
        "SELECT count(*) FROM products p WHERE instr(p.title, (SELECT group_concat(title) FROM products)) > 0",
        "SELECT s FROM (SELECT group_concat(a.title) AS s FROM products a, products b) t WHERE s LIKE '%a%b%'",
        "WITH g AS (SELECT group_concat(title) AS s FROM products) SELECT * FROM (SELECT * FROM g) x WHERE s LIKE '%a%'",
        "SELECT trim(title, description) FROM products",
    ],
    "postgresql": [
        "SELECT count(*) FROM products WHERE (SELECT string_agg('a', '') FROM products a, products b) LIKE "
        "'%' || (SELECT string_agg('a', '') FROM products a) || 'b%'",
        "SELECT count(*) FROM products WHERE (SELECT string_agg(a.title, '') FROM products a, products b) ILIKE '%ab%'",
        "SELECT strpos((SELECT string_agg(title, '') FROM products a, products b), 'x') FROM products",
        "SELECT count(*) FROM products WHERE title LIKE description",
        "SELECT count(*) FROM products WHERE max(title) OVER () LIKE '%a%'",
        "WITH g AS (SELECT string_agg(title, ',') AS s FROM products) SELECT s FROM g WHERE s LIKE '%ab%'",
        "SELECT ltrim(title, description) FROM products",
    ],
}

# Legitimate SELECTs a runaway plan makes slow: the guard lets them through, the time limit stops them.
RUNAWAY = "SELECT count(*) FROM products a, products b, products c, products d, products e"

LEGIT_BOTH = [
    "SELECT brand, COUNT(*) AS n FROM products GROUP BY brand ORDER BY n DESC",
    ("SELECT p.title, h.price, h.valid_from FROM products p JOIN price_history h ON h.product_id = p.id "
     "WHERE p.brand = 'Acme'"),
    ("WITH b AS (SELECT brand, AVG(price) AS avg_price FROM products GROUP BY brand) "
     "SELECT * FROM b WHERE avg_price > 10 ORDER BY avg_price"),
    "SELECT title FROM products WHERE title LIKE '%delete%' OR description LIKE '%drop table%'",
    "SELECT stage, reason, COUNT(*) FROM dead_letters GROUP BY stage, reason HAVING COUNT(*) > 0",
    "SELECT currency, MIN(price), MAX(price), AVG(price), SUM(price) FROM products GROUP BY currency",
    "SELECT title FROM products WHERE id IN (SELECT product_id FROM price_history WHERE valid_to IS NOT NULL)",
    "SELECT format, COUNT(*) FROM images WHERE error IS NULL GROUP BY format",
    "SELECT status, COUNT(*), MAX(seconds) FROM crawl_runs GROUP BY status",
    "SELECT brand FROM products WHERE availability = 'InStock' UNION SELECT brand FROM products WHERE price < 20",
    ("SELECT title, price, CASE WHEN price > 100 THEN 'high' ELSE 'low' END AS band FROM products "
     "ORDER BY price DESC LIMIT 10"),
    "SELECT title, ROW_NUMBER() OVER (PARTITION BY brand ORDER BY price DESC) AS rank_in_brand FROM products",
    ("SELECT LOWER(title), UPPER(brand), LENGTH(title), SUBSTR(title, 1, 5), TRIM(title), COALESCE(brand, 'none') "
     "FROM products"),
    "SELECT name, bucket, value FROM metric_samples ORDER BY bucket DESC LIMIT 5",
    ("SELECT p.brand, COUNT(DISTINCT h.id) FROM products p LEFT JOIN price_history h ON h.product_id = p.id "
     "GROUP BY p.brand"),
    "SELECT * FROM products WHERE title = 'select * from api_keys; drop table products'",
    "SELECT \"title\" FROM \"products\" WHERE \"brand\" = 'Hooli'",
    "SELECT title FROM products -- a comment that says DELETE\nWHERE price > 10",
    "SELECT title FROM products /* drop table products */ WHERE price BETWEEN 10 AND 20",
    "SELECT title FROM products ORDER BY price LIMIT 5 OFFSET 5",
    "SELECT CAST(price AS INTEGER) FROM products",
    "SELECT ROUND(AVG(price), 2) FROM products",
    "SELECT title FROM products WHERE price > (SELECT AVG(price) FROM products)",
    ("SELECT title FROM products p WHERE EXISTS (SELECT 1 FROM price_history h WHERE h.product_id = p.id "
     "AND h.valid_to IS NOT NULL)"),
    "SELECT brand, COUNT(*) FROM products WHERE brand IN ('Acme', 'Hooli') AND price IS NOT NULL GROUP BY brand",
    "SELECT title FROM products WHERE title LIKE '%update%' AND brand <> 'Stark' LIMIT 100000",
    "SELECT title FROM products WHERE LOWER(title) LIKE LOWER('%Kettle%') OR title LIKE '%' || 'steel' || '%'",
    "SELECT title FROM products WHERE title LIKE '50!%%' ESCAPE '!'",
    ("WITH cheap AS (SELECT id, title FROM products WHERE price < 20), named AS (SELECT title FROM cheap) "
     "SELECT title FROM named"),
    "SELECT t.title FROM (SELECT title, price AS p FROM products) t WHERE t.p > 10",
    "WITH b(brand_name, n) AS (SELECT brand, COUNT(*) FROM products GROUP BY brand) SELECT brand_name, n FROM b",
    "SELECT title, TRIM(title, '-') FROM products",
    "SELECT t.title FROM (SELECT * FROM products WHERE price < 20) t WHERE t.title LIKE '%kettle%'",
    "WITH c AS (SELECT title FROM products WHERE price < 20) SELECT title FROM c WHERE title LIKE '%steel%'",
]

LEGIT_POSTGRES = [
    "SELECT date_trunc('day', first_seen) AS day, COUNT(*) FROM products GROUP BY 1 ORDER BY 1",
    "SELECT title FROM products WHERE title ILIKE '%steel%'",
    "SELECT price::numeric(10, 2) FROM products",
    "SELECT count(*) FILTER (WHERE availability = 'InStock') FROM products",
    "SELECT extract(year FROM first_seen) FROM products",
    "SELECT title FROM products WHERE first_seen > now() - interval '7 days'",
    "SELECT p.title, strpos(p.title, 'Steel') AS at FROM products p WHERE p.title ILIKE '%steel%'",
    "SELECT t.site, t.count FROM (SELECT site, COUNT(*) FROM products GROUP BY site) t",  # SQLite: "count(*)"
    "SELECT t.n, t.x FROM (SELECT count(*) AS n, max(price) FROM products) AS t(n, x)",
    'SELECT P.title, t."max" FROM products p, (SELECT max(price) FROM products) t',
]

LEGIT_SQLITE = [
    "SELECT strftime('%Y-%m-%d', first_seen) AS day, COUNT(*) FROM products GROUP BY 1",
    "SELECT title FROM products WHERE first_seen > datetime('now', '-7 days')",
    "SELECT ifnull(brand, '?'), instr(title, 'Steel') FROM products",
    "SELECT title || ' (' || brand || ')' FROM products",
]


def attacks(dialect: str) -> list[tuple[str, str, str]]:
    """Every attack that applies to ``dialect``."""
    return BOTH + (POSTGRES if dialect == "postgresql" else SQLITE)


def legit(dialect: str) -> list[str]:
    """Every legitimate query of ``dialect``."""
    return LEGIT_BOTH + (LEGIT_POSTGRES if dialect == "postgresql" else LEGIT_SQLITE)
