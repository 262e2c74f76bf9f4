import { useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { setApiKey, useApiKey } from "../api/key";

/** Where the user types the API key an action needs; saved for this browser session and sent as X-API-Key. */
export function KeyForm({ reason }: { reason?: string }) {
  const key = useApiKey();
  const [draft, setDraft] = useState("");
  const queryClient = useQueryClient();
  const id = useId();

  function save(event: FormEvent) {
    event.preventDefault();
    setApiKey(draft.trim() || null);
    setDraft("");
    void queryClient.invalidateQueries();
  }

  if (key && !reason) {
    return (
      <p className="key-state">
        API key saved for this session.{" "}
        <button type="button" className="link" onClick={() => setApiKey(null)}>
          Forget API key
        </button>
      </p>
    );
  }
  return (
    <form className="key-form" onSubmit={save} aria-label="Enter API key">
      {reason && <p role="alert">{reason}</p>}
      <label htmlFor={id}>API key</label>
      <input id={id} type="password" autoComplete="off" value={draft} required
             onChange={(event) => setDraft(event.target.value)} />
      <button type="submit">Save key</button>
      <small>Kept in this tab's session storage only; create one with <code>sightsearch apikey create</code>.</small>
    </form>
  );
}
