// The typed API client: paths and bodies come from the generated OpenAPI types (npm run gen:api).
import createFetchClient, { type Middleware } from "openapi-fetch";
import createQueryClient from "openapi-react-query";
import { getApiKey } from "./key";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type ApiErrorBody = Schemas["ErrorResponse"];

const KEY_HEADER = "X-API-Key";

const sendApiKey: Middleware = {
  onRequest({ request }) {
    const key = getApiKey();
    if (key) request.headers.set(KEY_HEADER, key);
    return request;
  },
};

export const fetchClient = createFetchClient<paths>({
  baseUrl: globalThis.location?.origin ?? "",
  // Looked up per call, so tests can stand a recorded server in for the network.
  fetch: (request) => globalThis.fetch(request),
});
fetchClient.use(sendApiKey);

export const $api = createQueryClient(fetchClient);

/** The error shape of a failed call, when the server sent one. */
export function errorBody(error: unknown): ApiErrorBody["error"] | null {
  const body = error as Partial<ApiErrorBody> | null;
  return body && typeof body === "object" && body.error && typeof body.error.message === "string" ? body.error : null;
}

/** A sentence for the user: the server's message, or what the browser said (network down, ...). */
export function errorMessage(error: unknown): string {
  const body = errorBody(error);
  if (body) return body.message;
  return error instanceof Error ? error.message : "the request failed";
}

/** The server refused the call for want of a (valid) key. */
export function needsKey(error: unknown): boolean {
  const code = errorBody(error)?.code;
  return code === "missing_api_key" || code === "invalid_api_key";
}
