import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { $api, errorBody } from "../api/client";
import { ErrorState } from "../components/States";

/** One run's counts, polled every second while it crawls; ``started`` once the run is listed. */
export function RunProgress({ runId, started }: { runId: string; started: boolean }) {
  const run = $api.useQuery("get", "/api/v1/runs/{run_id}", { params: { path: { run_id: runId } } }, {
    enabled: started,
    refetchInterval: (query) => (query.state.data?.status === "running" ? 1_000 : false),
  });
  const starting = !started || errorBody(run.error)?.code === "not_started";
  const status = run.data?.status;
  const queryClient = useQueryClient();
  useEffect(() => {  // the list shows the run's final counts at its end
    if (status) void queryClient.invalidateQueries({ queryKey: ["get", "/api/v1/runs"] });
  }, [status, queryClient]);
  const counts = { ...(run.data?.counts ?? {}), ...(run.data?.live_counts ?? {}) } as Record<string, number>;

  return (
    <section className="run-progress" aria-labelledby="progress-title" aria-live="polite">
      <h2 id="progress-title">Run {runId}</h2>
      {starting && <p role="status">Starting…</p>}
      {run.error && !starting && <ErrorState error={run.error} what={`run ${runId}`} />}
      {run.data && (
        <>
          <p>Status: <strong className={`status-${run.data.status}`}>{run.data.status}</strong>
            {run.data.seconds != null && ` after ${run.data.seconds.toFixed(1)} s`}
            {run.data.error && ` (${run.data.error})`}</p>
          <dl className="tiles">
            {Object.entries(counts).sort().map(([name, value]) => (
              <div key={name} className="tile"><dt>{name.replaceAll("_", " ")}</dt><dd>{value}</dd></div>
            ))}
            <div className="tile"><dt>events</dt><dd>{Object.values(run.data.events ?? {}).reduce((a, b) => a + b, 0)}</dd></div>
            <div className="tile"><dt>dead letters</dt><dd>{run.data.dead_letters}</dd></div>
          </dl>
        </>
      )}
    </section>
  );
}
