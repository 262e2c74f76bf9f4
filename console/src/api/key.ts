// The API key the user typed: kept in sessionStorage for this tab's session only, never built into the bundle.
// When the server refuses a call for want of a key, `keyNeeded` says why until a key is saved.
import { useSyncExternalStore } from "react";

const STORAGE_KEY = "sightsearch.apiKey";
const listeners = new Set<() => void>();
let keyNeeded: string | null = null;

const notify = () => listeners.forEach((listener) => listener());

export function getApiKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(STORAGE_KEY, key);
  else sessionStorage.removeItem(STORAGE_KEY);
  keyNeeded = null;
  notify();
}

/** Ask the user for a key (the server's reason is shown with the form). */
export function requestApiKey(reason: string): void {
  if (keyNeeded === reason) return;
  keyNeeded = reason;
  notify();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The current key (null when none), re-rendering when it is saved or forgotten. */
export function useApiKey(): string | null {
  return useSyncExternalStore(subscribe, getApiKey);
}

/** Why a key is needed now, or null. */
export function useKeyNeeded(): string | null {
  return useSyncExternalStore(subscribe, () => keyNeeded);
}
