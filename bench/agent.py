"""The cost of asking through the guard, next to running the same SQL without it, in the same run.

On the demo shop crawled twice (SQLite, and the same rows copied into a throwaway PostgreSQL with the read-only
role): per query of the legitimate corpus, the SQL guard alone (parse, allowlists, re-write), and the whole
guarded path (guard + read-only executor: its connection, authorizer or READ ONLY transaction, time limit) vs the
same SQL on a plain pooled connection; then the offline ``ask`` (parse the question, build SQL, guard, run) vs
running the SQL it wrote on a plain connection. Unless SIGHTSEARCH_TEST_POSTGRES_URL is set, starts PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, text  # noqa: E402

from sightsearch.agent import QueryService, guard_query  # noqa: E402
from sightsearch.agent.offline import sql_for_question  # noqa: E402
from sightsearch.storage.db import create_db_engine, upgrade_schema  # noqa: E402
from sightsearch.storage.query_role import ensure_query_role  # noqa: E402
from tests.agent.corpus import legit  # noqa: E402
from tests.agent.store import agent_settings, crawl_demo_twice  # noqa: E402
from tests.api.conftest import copy_store  # noqa: E402
from tests.services.postgres import create_database, throwaway_postgres  # noqa: E402

EVALS = Path(__file__).resolve().parents[1] / "evals" / "nlq" / "questions.jsonl"


def median_ms(action: Callable[[], object], rounds: int) -> float:
    """Median wall time of ``action`` in milliseconds over ``rounds`` runs (after one warm-up)."""
    action()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def raw_runner(engine: Engine, sql: str) -> Callable[[], object]:
    def run() -> object:
        with engine.connect() as connection:
            return connection.execute(text(sql)).fetchall()
    return run


def measure(engine: Engine, rounds: int) -> dict[str, float]:
    service = QueryService(engine, agent_settings())
    dialect, cap = engine.dialect.name, service.settings.query_max_rows
    queries = [guard_query(sql, dialect=dialect, max_rows=cap).sql for sql in legit(dialect)]
    originals = legit(dialect)
    guard = [median_ms(lambda s=sql: guard_query(s, dialect=dialect, max_rows=cap), rounds) for sql in originals]
    guarded = [median_ms(lambda s=sql: service.run_sql(s), rounds) for sql in originals]
    raw = [median_ms(raw_runner(engine, sql), rounds) for sql in queries]
    questions = [json.loads(line)["question"] for line in EVALS.read_text().splitlines() if line.strip()]
    asked = [median_ms(lambda q=q: service.ask(q), rounds) for q in questions]
    written = [sql_for_question(service, q) for q in questions]
    ask_raw = [median_ms(raw_runner(engine, guard_query(sql, dialect=dialect, max_rows=cap).sql), rounds)
               for sql in written]
    service.close()
    return {"queries": len(queries), "guard_ms": statistics.median(guard), "guarded_ms": statistics.median(guarded),
            "raw_ms": statistics.median(raw), "questions": len(questions), "ask_ms": statistics.median(asked),
            "ask_raw_ms": statistics.median(ask_raw)}


def report(name: str, m: dict[str, float]) -> None:
    print(f"{name}: {m['queries']:.0f} legitimate queries, median per query")
    print(f"  guard alone            {m['guard_ms'] * 1000:8.0f} us")
    print(f"  guard + read-only exec {m['guarded_ms']:8.2f} ms  vs plain connection {m['raw_ms']:.2f} ms  "
          f"(ratio {m['guarded_ms'] / m['raw_ms']:.2f}x)")
    print(f"  offline ask ({m['questions']:.0f} q)     {m['ask_ms']:8.2f} ms  vs its SQL on a plain connection "
          f"{m['ask_raw_ms']:.2f} ms  (ratio {m['ask_ms'] / m['ask_raw_ms']:.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sightsearch-bench-agent-"))
    sqlite = crawl_demo_twice(folder / "store.db")
    report("SQLite", measure(sqlite, args.rounds))
    given = os.environ.get("SIGHTSEARCH_TEST_POSTGRES_URL")
    with (nullcontext(None) if given else throwaway_postgres()) as server:
        postgres = create_db_engine(create_database(given or server.url))
        upgrade_schema(postgres)
        copy_store(sqlite, postgres)
        ensure_query_role(postgres, agent_settings().query_role, agent_settings().query_role_password)
        report("PostgreSQL", measure(postgres, args.rounds))
        postgres.dispose()
    sqlite.dispose()


if __name__ == "__main__":
    main()
