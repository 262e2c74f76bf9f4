// Render a route of the app (the real routes, layout and query client) at a URL, with `server` answering the
// API calls the page makes: the component tests' stand-in for `sightsearch serve`, which the e2e tests use for real.
import { QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import { RouterProvider, createMemoryRouter } from "react-router";
import { vi } from "vitest";
import { makeQueryClient } from "../api/queryClient";
import { routes } from "../routes";

export type Handler = (request: Request, url: URL) => Response | Promise<Response>;

export const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

export const apiError = (status: number, code: string, message: string, details: unknown = null) =>
  json({ error: { code, message, details } }, status);

/** Every request the page made, in order. */
export function serve(handler: Handler): Request[] {
  const requests: Request[] = [];
  vi.stubGlobal("fetch", async (request: Request) => {
    requests.push(request.clone());
    return handler(request, new URL(request.url));
  });
  return requests;
}

export function renderAt(path: string) {
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  render(
    <QueryClientProvider client={makeQueryClient()}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return router;
}
