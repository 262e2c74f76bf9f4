import { createColumnHelper } from "@tanstack/react-table";
import type { Schemas } from "../api/client";
import { DataTable } from "../components/DataTable";

type Row = Schemas["StageLatency"];
const column = createColumnHelper<Row>();
const ms = (value: number) => `${value.toFixed(1)} ms`;
const columns = [
  column.accessor("stage", { header: "Stage" }),
  column.accessor("batches", { header: "Batches" }),
  column.accessor("p50", { header: "p50", cell: (c) => ms(c.getValue()) }),
  column.accessor("p95", { header: "p95", cell: (c) => ms(c.getValue()) }),
  column.accessor("p99", { header: "p99", cell: (c) => ms(c.getValue()) }),
];

/** Time per batch in each ETL stage over the window. */
export function StageLatencyTable({ stages }: { stages: Row[] }) {
  if (stages.length === 0) return null;
  return <DataTable caption="Stage latency per batch" columns={columns} rows={stages} rowKey={(r) => r.stage} />;
}
