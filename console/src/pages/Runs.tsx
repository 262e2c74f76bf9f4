import { createColumnHelper } from "@tanstack/react-table";
import { useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { $api, type Schemas } from "../api/client";
import { DataTable } from "../components/DataTable";
import { Empty, ErrorState, Loading } from "../components/States";
import { RunProgress } from "./RunProgress";

const STARTING_EVERY = 300;
const LIVE_EVERY = 1_000;
const IDLE_EVERY = 15_000;
type Run = Schemas["RunOut"];

export function Runs() {
  const [watching, setWatching] = useState<string | null>(null);
  // A submitted run is asked about once it is listed (before it starts, its detail would be a 404).
  const runs = $api.useQuery("get", "/api/v1/runs", { params: { query: { limit: 50 } } }, {
    refetchInterval: (query) => {
      const items = query.state.data?.items ?? [];
      const starting = watching !== null && !items.some((run) => run.id === watching);
      return starting ? STARTING_EVERY : items.some((run) => run.status === "running") ? LIVE_EVERY : IDLE_EVERY;
    },
  });
  const started = Boolean(runs.data?.items.some((run) => run.id === watching));
  const column = createColumnHelper<Run>();
  const columns = [
    column.accessor("id", {
      header: "Run",
      cell: (c) => <button type="button" className="link" onClick={() => setWatching(c.getValue())}
                           aria-label={`Watch run ${c.getValue()}`}>{c.getValue()}</button>,
    }),
    column.accessor("status", { header: "Status", cell: (c) => <span className={`status-${c.getValue()}`}>{c.getValue()}</span> }),
    column.accessor("started_at", { header: "Started", cell: (c) => new Date(c.getValue()).toLocaleString() }),
    column.accessor("seconds", { header: "Seconds", cell: (c) => c.getValue()?.toFixed(1) ?? "…" }),
    column.accessor((run) => run.counts.pages_fetched as number | undefined, { id: "pages", header: "Pages" }),
    column.accessor((run) => run.counts.loaded as number | undefined, { id: "loaded", header: "Loaded" }),
    column.accessor((run) => run.counts.rejected as number | undefined, { id: "rejected", header: "Rejected" }),
    column.accessor("seeds", { header: "Seeds", cell: (c) => c.getValue().join(" ") }),
  ];

  return (
    <section>
      <h1>Runs</h1>
      <SubmitRun onStarted={setWatching} />
      {watching && <RunProgress runId={watching} started={started} />}
      {runs.isPending && <Loading what="runs" />}
      {runs.error && <ErrorState error={runs.error} what="runs" />}
      {runs.data && (runs.data.items.length === 0 ? <Empty>No run yet: start one above.</Empty> : (
        <DataTable caption="Crawl runs, newest first" columns={columns} rows={runs.data.items} rowKey={(r) => r.id} />
      ))}
    </section>
  );
}

function SubmitRun({ onStarted }: { onStarted: (runId: string) => void }) {
  const queryClient = useQueryClient();
  const submit = $api.useMutation("post", "/api/v1/runs", {
    onSuccess: (accepted) => {
      onStarted(accepted.id);
      void queryClient.invalidateQueries({ queryKey: ["get", "/api/v1/runs"] });
    },
  });
  const seedsId = useId();
  const pagesId = useId();

  function start(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const seeds = String(form.get("seeds") ?? "").split(/\s+/).filter(Boolean);
    const maxPages = Number(form.get("max_pages"));
    submit.mutate({ body: { seeds, max_pages: maxPages > 0 ? maxPages : null } });
  }

  return (
    <form className="submit-run" onSubmit={start} aria-label="Start a run">
      <h2>Start a run</h2>
      <label htmlFor={seedsId}>Seed URLs (one per line)</label>
      <textarea id={seedsId} name="seeds" rows={3} required placeholder="https://shop.example/" />
      <label htmlFor={pagesId}>Max pages</label>
      <input id={pagesId} name="max_pages" type="number" min={1} placeholder="server default" />
      <button type="submit" disabled={submit.isPending}>Start run</button>
      {submit.error && <ErrorState error={submit.error} what="the run (not started)" />}
      {submit.data && <p role="status">Run {submit.data.id} submitted.</p>}
    </form>
  );
}
