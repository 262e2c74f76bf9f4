// The questions asked in this browser session, newest first (sessionStorage: gone when the tab closes).
import type { Schemas } from "../api/client";

export type AskAnswer = Schemas["AskResponse"];

export interface Exchange {
  question: string;
  at: string;
  answer?: AskAnswer;
  refusal?: { code: string; message: string; details?: unknown };
}

const STORAGE_KEY = "sightsearch.askHistory";
const KEEP = 50;

export function loadHistory(): Exchange[] {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "[]");
    return Array.isArray(saved) ? saved : [];
  } catch {
    return []; // a damaged entry is dropped rather than breaking the page
  }
}

export function saveHistory(history: Exchange[]): Exchange[] {
  const kept = history.slice(0, KEEP);
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(kept));
  return kept;
}
