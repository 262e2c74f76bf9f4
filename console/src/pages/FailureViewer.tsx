import { useQueryClient } from "@tanstack/react-query";
import { $api } from "../api/client";
import { ErrorState, Loading } from "../components/States";

/** One dead letter: what failed, the payload that failed, and the replay and dismiss actions (API key). */
export function FailureViewer({ id, onClose }: { id: number; onClose: () => void }) {
  const queryClient = useQueryClient();
  const detail = $api.useQuery("get", "/api/v1/failures/{failure_id}", { params: { path: { failure_id: id } } });
  const refresh = () => queryClient.invalidateQueries({
    predicate: (query) => String(query.queryKey[1]).startsWith("/api/v1/failures"),
  });
  const replay = $api.useMutation("post", "/api/v1/failures/{failure_id}/replay", { onSuccess: refresh });
  const dismiss = $api.useMutation("post", "/api/v1/failures/{failure_id}/dismiss", { onSuccess: refresh });
  const action = replay.data ?? dismiss.data;
  const failed = replay.error ?? dismiss.error;
  const busy = replay.isPending || dismiss.isPending;
  const init = { params: { path: { failure_id: id } } };

  return (
    <section className="viewer" aria-labelledby="viewer-title">
      <div className="viewer-head">
        <h2 id="viewer-title">Failure #{id}</h2>
        <button type="button" onClick={onClose}>Close</button>
      </div>
      {detail.isPending && <Loading what={`failure ${id}`} />}
      {detail.error && <ErrorState error={detail.error} what={`failure ${id}`} />}
      {detail.data && (
        <>
          <p><strong>{detail.data.stage}</strong>: {detail.data.reason}</p>
          <p>Status: <strong>{detail.data.status}</strong>, seen {detail.data.occurrences} time(s), run{" "}
            {detail.data.run_id ?? "—"}</p>
          <details open>
            <summary>Payload</summary>
            <pre className="payload">{JSON.stringify(detail.data.payload, null, 2)}</pre>
          </details>
          {detail.data.status === "open" && (
            <div className="actions">
              <button type="button" disabled={busy} onClick={() => replay.mutate(init)}>Replay</button>
              <button type="button" disabled={busy} onClick={() => dismiss.mutate(init)}>Dismiss</button>
            </div>
          )}
        </>
      )}
      {busy && <p role="status">Working…</p>}
      {action && <p role="status">{action.message} (now {action.status})</p>}
      {failed && <ErrorState error={failed} what="the action" />}
    </section>
  );
}
