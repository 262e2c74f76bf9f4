import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { apiError, json, renderAt, serve } from "../test/render";

test("a read refused for want of a key asks for one, keeps it for the session and sends it", async () => {
  const requests = serve((request, url) => {
    if (request.headers.get("X-API-Key") !== "ss_right") {
      return apiError(401, "missing_api_key", "this endpoint needs an API key in the X-API-Key header");
    }
    return url.pathname.endsWith("/summary") ? json([{ stage: "fetch", reason: "HTTP 503", count: 2 }])
      : json({ items: [], next_cursor: null });
  });
  const user = userEvent.setup();
  renderAt("/failures");

  const form = await screen.findByRole("form", { name: "Enter API key" });
  expect(form).toHaveTextContent("this endpoint needs an API key");
  await user.type(screen.getByLabelText("API key"), "ss_right");
  await user.click(screen.getByRole("button", { name: "Save key" }));

  expect(await screen.findByRole("table", { name: "Open failures by stage and reason" })).toHaveTextContent("HTTP 503");
  expect(sessionStorage.getItem("sightsearch.apiKey")).toBe("ss_right");
  expect(screen.queryByRole("form", { name: "Enter API key" })).not.toBeInTheDocument();
  expect(requests.at(-1)!.headers.get("X-API-Key")).toBe("ss_right");

  await user.click(screen.getByRole("button", { name: "Forget API key" }));
  await waitFor(() => expect(sessionStorage.getItem("sightsearch.apiKey")).toBeNull());
});
