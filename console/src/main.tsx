import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { RouterProvider, createBrowserRouter } from "react-router";
import { errorBody, errorMessage, needsKey } from "./api/client";
import { requestApiKey } from "./api/key";
import { routes } from "./routes";
import "./styles.css";

// A refusal for want of a key, from any query or action, brings up the one key form (Layout).
function askForKey(error: unknown) {
  if (needsKey(error)) requestApiKey(`${errorMessage(error)}.`);
}

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: askForKey }),
  mutationCache: new MutationCache({ onError: askForKey }),
  defaultOptions: {
    queries: {
      // A 4xx answer will not change on retry; a dropped connection might.
      retry: (failures, error) => !errorBody(error) && failures < 2,
      staleTime: 5_000,
      refetchOnWindowFocus: false,
    },
  },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={createBrowserRouter(routes)} />
    </QueryClientProvider>
  </StrictMode>,
);
