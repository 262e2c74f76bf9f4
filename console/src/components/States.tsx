import type { ReactNode } from "react";
import { errorMessage, needsKey } from "../api/client";

export function Loading({ what }: { what: string }) {
  return <p className="muted" role="status">Loading {what}…</p>;
}

/** A failed request: the server's reason, and the key form when a key is what is missing. */
export function ErrorState({ error, what }: { error: unknown; what: string }) {
  if (needsKey(error)) {
    return <p className="error" role="alert">{`Showing ${what} needs an API key: enter it above.`}</p>;
  }
  return (
    <div className="error" role="alert">
      Could not load {what}: {errorMessage(error)}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}
