import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Link } from "react-router";
import { $api, fetchClient, type Schemas } from "../api/client";
import { TimeChart } from "../charts/TimeChart";
import { Empty, ErrorState, Loading } from "../components/States";
import { StageLatencyTable } from "./StageLatencyTable";

const RANGES = [
  [15, "Last 15 minutes"],
  [60, "Last hour"],
  [360, "Last 6 hours"],
  [1440, "Last 24 hours"],
  [10080, "Last 7 days"],
] as const;
const LIVE_EVERY = 2_000;
const IDLE_EVERY = 30_000;

type Dashboard = Schemas["Dashboard"];

function useDashboard(minutes: number) {
  return useQuery({
    queryKey: ["dashboard", minutes],
    // The window ends now at each refresh, so it is computed per call rather than kept in the key.
    queryFn: async () => {
      const since = new Date(Date.now() - minutes * 60_000).toISOString();
      const { data, error } = await fetchClient.GET("/api/v1/metrics/dashboard", { params: { query: { since } } });
      if (error) throw error;
      return data;
    },
    refetchInterval: (query) => (query.state.data?.running_runs ? LIVE_EVERY : IDLE_EVERY),
  });
}

export function Dashboard() {
  const [minutes, setMinutes] = useState(60);
  const dashboard = useDashboard(minutes);
  const live = Boolean(dashboard.data?.running_runs);
  const summary = $api.useQuery("get", "/api/v1/metrics/summary", {}, { refetchInterval: live ? LIVE_EVERY : IDLE_EVERY });
  const rangeId = useId();

  return (
    <section className="dashboard">
      <div className="page-head">
        <h1>Dashboard</h1>
        <label htmlFor={rangeId}>Time range</label>
        <select id={rangeId} value={minutes} onChange={(event) => setMinutes(Number(event.target.value))}>
          {RANGES.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
        </select>
        <p role="status" className={live ? "live" : "muted"}>
          {live ? `Live: ${dashboard.data!.running_runs} run(s) crawling, refreshing every 2 s` : "No run crawling"}
        </p>
      </div>
      {summary.error ? <ErrorState error={summary.error} what="the store summary" /> : (
        <Tiles summary={summary.data} dashboard={dashboard.data} />
      )}
      {dashboard.isPending && <Loading what="metrics" />}
      {dashboard.error && <ErrorState error={dashboard.error} what="the metrics" />}
      {dashboard.data && <Charts dashboard={dashboard.data} />}
    </section>
  );
}

function Tiles({ summary, dashboard }: { summary?: Schemas["StoreSummary"]; dashboard?: Dashboard }) {
  const backlog = summary ? Object.values(summary.open_dead_letters_by_stage).reduce((a, b) => a + b, 0) : undefined;
  // The latest minute's rate while it is recent; an idle crawler fetches nothing now.
  const latest = dashboard?.pages_fetched.at(-1);
  const lastPages = latest && Date.now() - Date.parse(latest.t) < 2 * 60_000 ? latest.v : undefined;
  const tiles: [string, string | number | undefined][] = [
    ["Products", summary?.products],
    ["Sites", summary?.sites],
    ["Images", summary?.images],
    ["Pages/s now", lastPages === undefined ? (dashboard ? 0 : undefined) : (lastPages / 60).toFixed(2)],
    ["Dead-letter backlog", backlog],
    ["Active alerts", dashboard?.alerts.length],
  ];
  return (
    <dl className="tiles">
      {tiles.map(([label, value]) => (
        <div key={label} className="tile">
          <dt>{label}</dt>
          <dd>{value ?? "…"}</dd>
        </div>
      ))}
    </dl>
  );
}

function Charts({ dashboard: d }: { dashboard: Dashboard }) {
  const span: [string, string] = [d.since, d.until];
  const quiet = d.pages_fetched.length === 0 && d.records_loaded.length === 0 && d.dead_letter_backlog.length === 0;
  return (
    <>
      <Alerts alerts={d.alerts} />
      {quiet ? (
        <Empty>
          No crawl activity in this window. Pick a longer time range, or <Link to="/runs">start a run</Link>.
        </Empty>
      ) : (
        <div className="charts">
          {/* every chart spans the picked window, so a quiet stretch reads as quiet */}
          <TimeChart span={span} title="Pages fetched per second" unit="pages/s" scale={1 / 60}
                     series={[{ label: "pages/s", points: d.pages_fetched }]} />
          <TimeChart span={span} title="Products loaded per minute" unit="records"
                     series={[{ label: "loaded", points: d.records_loaded }]} />
          <TimeChart span={span} title="Rejects by stage per minute" unit="records"
                     series={d.rejects_by_stage.map((s) => ({ label: s.labels.stage ?? "?", points: s.points }))} />
          <TimeChart span={span} title="Fetch latency percentiles" unit="ms"
                     series={d.fetch_latency_ms.map((s) => ({ label: s.labels.quantile ?? "?", points: s.points }))} />
          <TimeChart span={span} title="Fetch error rate by site" unit="%" scale={100}
                     series={d.error_rate_by_site.map((s) => ({ label: s.labels.site ?? "?", points: s.points }))} />
          <TimeChart span={span} title="Dead-letter backlog" unit="open" stepped
                     series={[{ label: "open", points: d.dead_letter_backlog }]} />
        </div>
      )}
      <StageLatencyTable stages={d.stage_latency_ms} />
    </>
  );
}

function Alerts({ alerts }: { alerts: Dashboard["alerts"] }) {
  return (
    <section aria-labelledby="alerts-title" className="alerts">
      <h2 id="alerts-title">Active alerts</h2>
      {alerts.length === 0 ? <p className="muted">No active alert.</p> : (
        <ul>
          {alerts.map((a) => (
            <li key={a.id} className={`alert-${a.severity}`}>
              <strong>{a.severity}</strong> {a.rule}: {a.message}{" "}
              <time dateTime={a.raised_at}>{new Date(a.raised_at).toLocaleString()}</time>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
