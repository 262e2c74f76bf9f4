import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { errorBody, errorMessage, needsKey } from "./client";
import { requestApiKey } from "./key";

// A refusal for want of a key, from any query or action, brings up the one key form (Layout).
function askForKey(error: unknown) {
  if (needsKey(error)) requestApiKey(`${errorMessage(error)}.`);
}

/** The app's query client: no retry of a 4xx (it will not change), a key prompt on 401. */
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({ onError: askForKey }),
    mutationCache: new MutationCache({ onError: askForKey }),
    defaultOptions: {
      queries: {
        retry: (failures, error) => !errorBody(error) && failures < 2,
        staleTime: 5_000,
        refetchOnWindowFocus: false,
      },
    },
  });
}
