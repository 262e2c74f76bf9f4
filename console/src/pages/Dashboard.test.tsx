import { screen } from "@testing-library/react";
import { apiError, json, renderAt, serve } from "../test/render";

const SUMMARY = { products: 0, sites: 0, images: 0, near_duplicate_groups: 0, runs_by_status: {},
                  open_dead_letters_by_stage: {} };
const QUIET = { since: "2026-11-27T09:00:00Z", until: "2026-11-27T10:00:00Z", running_runs: 0, pages_fetched: [],
                records_loaded: [], rejects_by_stage: [], fetch_latency_ms: [], error_rate_by_site: [],
                dead_letter_backlog: [], stage_latency_ms: [], alerts: [] };

test("a quiet window says so and points to starting a run", async () => {
  const requests = serve((_request, url) => json(url.pathname.endsWith("/summary") ? SUMMARY : QUIET));
  renderAt("/dashboard");
  expect(await screen.findByText(/No crawl activity in this window/)).toBeInTheDocument();
  expect(screen.getByRole("link", { name: "start a run" })).toHaveAttribute("href", "/runs");
  expect(screen.getByText("No active alert.")).toBeInTheDocument();
  expect(screen.getByRole("status")).toHaveTextContent("No run crawling");
  const asked = requests.map((r) => new URL(r.url)).find((u) => u.pathname.endsWith("/dashboard"))!;
  const since = Date.parse(asked.searchParams.get("since")!);
  expect(Date.now() - since).toBeGreaterThan(59 * 60_000); // the default window: the last hour
});

test("a failing metrics call shows the server's reason, and open alerts are listed", async () => {
  serve((_request, url) => url.pathname.endsWith("/summary") ? json(SUMMARY)
    : apiError(503, "unavailable", "the database is not reachable"));
  renderAt("/dashboard");
  expect(await screen.findByRole("alert")).toHaveTextContent("Could not load the metrics: the database is not reachable");
});

test("active alerts are listed with their severity", async () => {
  serve((_request, url) => json(url.pathname.endsWith("/summary") ? SUMMARY : {
    ...QUIET, running_runs: 1,
    alerts: [{ id: 1, rule: "error_rate", severity: "warning", message: "b.example: fetch error rate 92% over 20%",
               run_id: null, site: "b.example", raised_at: "2026-11-27T09:59:00Z" }],
  }));
  renderAt("/dashboard");
  expect(await screen.findByText(/b.example: fetch error rate 92% over 20%/)).toBeInTheDocument();
  expect(screen.getByRole("status")).toHaveTextContent("Live: 1 run(s) crawling, refreshing every 2 s");
});
