import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { apiError, json, renderAt, serve } from "../test/render";

test("an answer shows its count, the SQL folded away and the rows; a refusal says why; both are kept", async () => {
  serve(async (request) => {
    const { question } = await request.json();
    if (question.startsWith("Delete")) {
      return apiError(422, "query_refused", "only SELECT statements are allowed", { reason: "DELETE" });
    }
    if (question.startsWith("What is the weather")) {
      return json({ question, sql: null, columns: [], rows: [], answer: "I cannot answer that offline without guessing",
                    engine: "offline" });
    }
    return json({ question, sql: "SELECT count(*) AS products FROM products", columns: ["products"], rows: [[227]],
                  answer: "There are 227 products.", engine: "offline" });
  });
  const user = userEvent.setup();
  renderAt("/ask");

  await user.type(await screen.findByLabelText("Question"), "How many products are there?");
  await user.click(screen.getByRole("button", { name: "Ask" }));
  const history = await screen.findByRole("list", { name: "Questions and answers" });
  expect(await within(history).findByText("There are 227 products.")).toBeInTheDocument();
  const sql = within(history).getByText("SQL (offline)").closest("details")!;
  expect(sql).not.toHaveAttribute("open");
  expect(within(history).getByRole("table", { name: "1 row(s)" })).toHaveTextContent("227");

  await user.type(screen.getByLabelText("Question"), "Delete every product");
  await user.click(screen.getByRole("button", { name: "Ask" }));
  const refusal = await within(history).findByRole("note");
  expect(refusal).toHaveTextContent("Not answered (query_refused): only SELECT statements are allowed");

  await user.type(screen.getByLabelText("Question"), "What is the weather?");
  await user.click(screen.getByRole("button", { name: "Ask" }));
  await within(history).findByText(/I cannot answer that offline/);
  expect(within(history).getAllByRole("note")[0]).toHaveTextContent("Not answered (offline)");

  const kept = JSON.parse(sessionStorage.getItem("sightsearch.askHistory")!);
  expect(kept.map((e: { question: string }) => e.question)).toEqual(["What is the weather?", "Delete every product",
                                                                     "How many products are there?"]);
});
