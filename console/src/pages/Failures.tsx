import { createColumnHelper } from "@tanstack/react-table";
import { useId, useState } from "react";
import { $api, type Schemas } from "../api/client";
import { DataTable } from "../components/DataTable";
import { Empty, ErrorState, Loading } from "../components/States";
import { FailureViewer } from "./FailureViewer";

type Status = "open" | "resolved" | "dismissed" | "any";
type Failure = Schemas["DeadLetterOut"];
const reasonColumn = createColumnHelper<Schemas["FailureReason"]>();
const reasonColumns = [
  reasonColumn.accessor("stage", { header: "Stage" }),
  reasonColumn.accessor("reason", { header: "Reason" }),
  reasonColumn.accessor("count", { header: "Open" }),
];

export function Failures() {
  const [status, setStatus] = useState<Status>("open");
  const [stage, setStage] = useState("");
  const [selected, setSelected] = useState<number | null>(null);
  const summary = $api.useQuery("get", "/api/v1/failures/summary");
  const list = $api.useQuery("get", "/api/v1/failures", {
    params: { query: { status, stage: stage || undefined, limit: 100 } },
  });
  const statusId = useId();
  const stageId = useId();
  const stages = [...new Set((summary.data ?? []).map((r) => r.stage))].sort();

  const column = createColumnHelper<Failure>();
  const columns = [
    column.accessor("id", {
      header: "Id",
      cell: (c) => <button type="button" className="link" onClick={() => setSelected(c.getValue())}
                           aria-label={`View failure ${c.getValue()}`}>#{c.getValue()}</button>,
    }),
    column.accessor("stage", { header: "Stage" }),
    column.accessor("reason", { header: "Reason" }),
    column.accessor("url", { header: "URL", cell: (c) => <span className="url">{c.getValue()}</span> }),
    column.accessor("status", { header: "Status" }),
    column.accessor("occurrences", { header: "Seen" }),
  ];

  return (
    <section>
      <h1>Failures</h1>
      {summary.isPending && <Loading what="the failure summary" />}
      {summary.error && <ErrorState error={summary.error} what="the failure summary" />}
      {summary.data && (summary.data.length === 0 ? <Empty>No open failure.</Empty> : (
        <DataTable caption="Open failures by stage and reason" columns={reasonColumns} rows={summary.data}
                   rowKey={(r) => `${r.stage}/${r.reason}`} />
      ))}
      <div className="filters inline">
        <label htmlFor={statusId}>Status</label>
        <select id={statusId} value={status} onChange={(e) => setStatus(e.target.value as Status)}>
          {["open", "resolved", "dismissed", "any"].map((s) => <option key={s}>{s}</option>)}
        </select>
        <label htmlFor={stageId}>Stage</label>
        <select id={stageId} value={stage} onChange={(e) => setStage(e.target.value)}>
          <option value="">Any</option>
          {stages.map((s) => <option key={s}>{s}</option>)}
        </select>
      </div>
      {selected !== null && <FailureViewer key={selected} id={selected} onClose={() => setSelected(null)} />}
      {list.isPending && <Loading what="failures" />}
      {list.error && <ErrorState error={list.error} what="failures" />}
      {list.data && (list.data.items.length === 0 ? <Empty>No {status === "any" ? "" : status} failure here.</Empty> : (
        <DataTable caption={`Failures (${status})`} columns={columns} rows={list.data.items}
                   rowKey={(r) => String(r.id)} />
      ))}
    </section>
  );
}
