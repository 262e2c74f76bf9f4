import { appendFileSync } from "node:fs";
import { env, expect, rememberKey, screenshots, test } from "./fixtures";

test.describe.configure({ mode: "serial" });

function report(line: string): void {
  console.log(line);
  if (env.report) appendFileSync(env.report, line + "\n");
}

test.describe("with reads behind a key", () => {
  test.use({ allowedErrors: [/status of 401/] });

  test("the dashboard asks for the key, then shows the store", async ({ page }) => {
    await page.goto("/");
    await expect(page).toHaveURL(/\/dashboard$/);
    const form = page.getByRole("form", { name: "Enter API key" });
    await form.getByLabel("API key").fill(env.apiKey);
    await form.getByRole("button", { name: "Save key" }).click();
    const products = page.locator(".tile", { hasText: /^Products/ }).locator("dd");
    await expect(products).toHaveText(String(env.products));
    await expect(page.getByRole("figure", { name: "Pages fetched per second" })).toBeVisible();
    expect(await page.evaluate(() => sessionStorage.getItem("sightsearch.apiKey"))).toBe(env.apiKey);
  });
});

test("the keyboard alone gets from the skip link to a section", async ({ page }) => {
  await rememberKey(page);
  await page.goto("/dashboard");
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Dashboard" })).toBeFocused();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/products$/);
  await expect(page.getByRole("main")).toBeFocused(); // the new page, not the old link, has the focus
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Search")).toBeFocused();
  await page.keyboard.type("lamp");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/q=lamp/);
});

test("the dashboard draws its charts from the crawl", async ({ page }) => {
  await rememberKey(page);
  await page.goto("/dashboard");
  for (const name of ["Pages fetched per second", "Products loaded per minute", "Fetch latency percentiles",
                      "Fetch error rate by site", "Dead-letter backlog", "Rejects by stage per minute"]) {
    await expect(page.getByRole("figure", { name })).toBeVisible();
  }
  await expect(page.getByRole("table", { name: "Stage latency per batch" })).toContainText("load");
  const firstChart = await page.evaluate(() => performance.getEntriesByName("sightsearch:first-chart")[0]?.startTime);
  expect(firstChart).toBeGreaterThan(0);
  const scripts = await page.evaluate(() => performance.getEntriesByType("resource")
    .filter((entry) => entry.name.endsWith(".js")).map((entry) => new URL(entry.name).pathname));
  // The peer in the same load: when the dashboard's data had arrived (the chart is drawn after it).
  const [asked, apiDone] = await page.evaluate(() => {
    const entry = (performance.getEntriesByType("resource") as PerformanceResourceTiming[])
      .find((resource) => resource.name.includes("/api/v1/metrics/dashboard"))!;
    return [entry.requestStart, entry.responseEnd];
  });
  report(`dashboard first chart: ${firstChart!.toFixed(1)} ms after navigation start; its data was asked for at `
         + `${asked.toFixed(1)} ms and arrived at ${apiDone.toFixed(1)} ms (chart/data ${(firstChart! / apiDone).toFixed(2)})`);
  report(`dashboard scripts: ${scripts.join(" ")}`);
  await page.getByLabel("Time range").selectOption({ label: "Last 7 days" });
  await expect(page.getByRole("figure", { name: "Pages fetched per second" })).toBeVisible();
  await page.getByLabel("Time range").selectOption({ label: "Last 15 minutes" });
  await expect(page.getByRole("figure", { name: "Pages fetched per second" })).toBeVisible();
  await screenshots(page, "dashboard");
});

test("products: search, filter, sort, paginate, and a detail page that survives a reload", async ({ page }) => {
  await rememberKey(page);
  await page.goto("/products");
  const table = page.getByRole("table", { name: /Products, page 1/ });
  await expect(table.getByRole("row")).toHaveCount(26); // header + 25
  await page.getByRole("button", { name: "Next page" }).click();
  await expect(page.getByRole("table", { name: /Products, page 2/ })).toBeVisible();
  await page.getByRole("button", { name: "Previous page" }).click();
  await expect(table).toBeVisible();

  await page.getByLabel("Availability").selectOption("InStock");
  await page.getByLabel("Min price").fill("10");
  await page.getByLabel("Sort").selectOption({ label: "Price, high to low" });
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/availability=InStock/);
  // The previous page stays on screen until the filtered one arrives: wait for the answer to the new query.
  const prices = page.getByRole("table", { name: /Products/ }).locator("tbody tr td:nth-child(5)");
  await expect.poll(async () => {
    const values = (await prices.allTextContents()).map((p) => Number.parseFloat(p));
    return values.length > 0 && values.every((v) => v >= 10) && values.every((v, i) => i === 0 || v <= values[i - 1]);
  }).toBe(true);
  await expect(page.getByRole("table", { name: /Products/ }).locator("tbody")).not.toContainText("OutOfStock");
  await expect(page.getByRole("table", { name: /Products/ }).getByRole("img").first()).toBeVisible();
  await screenshots(page, "products");

  await page.getByLabel("Search").fill(env.productTitle);
  await page.getByRole("button", { name: "Apply filters" }).click();
  await page.getByRole("button", { name: "Clear" }).click();
  await page.getByLabel("Search").fill(env.productTitle);
  await page.getByRole("button", { name: "Apply filters" }).click();
  await page.getByRole("link", { name: env.productTitle, exact: true }).first().click();
  await expect(page).toHaveURL(new RegExp(`/products/${env.productId}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(env.productTitle);
  await page.reload();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(env.productTitle);
  await expect(page.getByRole("figure", { name: "Price over time" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Near-duplicates" })).toBeVisible();
  await expect(page.getByRole("img", { name: `${env.productTitle}, picture 1` })).toBeVisible();
  await screenshots(page, "product-detail");
});

test("search by picture finds the product the picture came from", async ({ page }) => {
  await rememberKey(page);
  await page.goto("/search");
  await page.getByLabel("Picture", { exact: true }).setInputFiles(env.imagePath);
  await page.getByRole("button", { name: "Find similar products" }).click();
  await expect(page.getByRole("heading", { name: /similar product/ })).toBeVisible();
  await expect(page.getByRole("link", { name: env.imageTitle, exact: true }).first()).toBeVisible();
  await expect(page.getByText("distance 0").first()).toBeVisible();
  await screenshots(page, "search");
});

test("a submitted run shows its counts growing until it finishes", async ({ page }) => {
  await rememberKey(page);
  await page.goto("/runs");
  await expect(page.getByRole("table", { name: "Crawl runs, newest first" })).toContainText("finished");
  await page.getByLabel("Seed URLs (one per line)").fill(`${env.demoUrl}/`);
  await page.getByLabel("Max pages").fill("150");
  await page.getByRole("button", { name: "Start run" }).click();
  await expect(page.getByRole("status").filter({ hasText: /submitted/ })).toBeVisible();

  // Meanwhile the dashboard, in another tab, goes live (150 pages at 40 ms apart: at least 6 s of crawling).
  await expect(page.locator(".run-progress strong").first()).toHaveText("running");
  const dashboard = await page.context().newPage();
  await rememberKey(dashboard);
  await dashboard.goto("/dashboard");
  await expect(dashboard.getByRole("status").filter({ hasText: /^Live: 1 run\(s\) crawling/ })).toBeVisible();
  await dashboard.close();
  // Live counters of the crawl (pages_fetched is only known at the end; products are counted as they are found).
  const pages = page.locator(".run-progress .tile", { hasText: /^products found/ }).locator("dd");
  const seen: number[] = [];
  const status = page.locator(".run-progress strong").first();
  for (let i = 0; i < 120 && (await status.textContent().catch(() => "")) !== "finished"; i++) {
    const text = await pages.textContent({ timeout: 500 }).catch(() => null);
    if (text && Number(text) !== seen.at(-1)) seen.push(Number(text));
    await page.waitForTimeout(250);
  }
  await expect(status).toHaveText("finished");
  seen.push(Number(await pages.textContent()));
  report(`run progress seen: products found ${seen.join(" -> ")}`);
  expect(new Set(seen).size).toBeGreaterThan(1);
  expect(seen.at(-1)).toBeGreaterThan(seen[0]);
  const runId = (await page.locator(".run-progress h2").textContent())!.replace("Run ", "");
  await expect(page.getByRole("table", { name: "Crawl runs, newest first" }).getByRole("row")
    .filter({ hasText: runId })).toContainText("finished");
  await screenshots(page, "runs");
});

test("failures: grouped by stage and reason, payload shown, a replay resolves one", async ({ page }) => {
  await rememberKey(page);
  await page.goto("/failures");
  const summary = page.getByRole("table", { name: "Open failures by stage and reason" });
  await expect(summary).toContainText("HTTP 503");
  await page.getByLabel("Stage").selectOption("fetch");
  const list = page.getByRole("table", { name: "Failures (open)" });
  const row = list.getByRole("row").filter({ hasText: "HTTP 503" }).first();
  await row.getByRole("button", { name: /View failure/ }).click();
  await expect(page.locator(".payload")).toContainText(env.demoUrl);
  await screenshots(page, "failures");
  await page.getByRole("button", { name: "Replay" }).click();
  await expect(page.getByRole("status").filter({ hasText: /resolved/ })).toBeVisible();
  await page.getByLabel("Status").selectOption("resolved");
  await expect(page.getByRole("table", { name: "Failures (resolved)" })).toContainText("HTTP 503");

  await page.getByLabel("Status").selectOption("open");
  await page.getByLabel("Stage").selectOption("validate");
  const open = page.getByRole("table", { name: "Failures (open)" });
  const target = open.getByRole("button", { name: /View failure/ }).first();
  const name = (await target.getAttribute("aria-label"))!;
  await target.click();
  await page.getByRole("button", { name: "Dismiss" }).click();
  await expect(page.getByRole("status").filter({ hasText: /dismissed/ })).toBeVisible();
  await expect(open.getByRole("button", { name, exact: true })).toHaveCount(0);
  await page.getByLabel("Status").selectOption("dismissed");
  await expect(page.getByRole("table", { name: "Failures (dismissed)" }).getByRole("button", { name, exact: true }))
    .toBeVisible();
});

test("ask: a question gets its count, SQL and rows; a refusal says why; history survives a reload", async ({ page,
                                                                                                       request }) => {
  // The store as the API counts it now (the run submitted above may have added products).
  const summary = await request.get("/api/v1/metrics/summary", { headers: { "X-API-Key": env.apiKey } });
  const products = (await summary.json()).products as number;
  await rememberKey(page);
  await page.goto("/ask");
  await page.getByLabel("Question", { exact: true }).fill("How many products are there?");
  await page.getByRole("button", { name: "Ask" }).click();
  const answer = page.locator(".exchange").first();
  await expect(answer.getByRole("table")).toContainText(String(products));
  const sql = answer.locator("details");
  await expect(sql).not.toHaveAttribute("open");
  await sql.getByText(/^SQL/).click();
  await expect(sql.locator("pre")).toContainText(/select count\(\*\)/i);
  await page.getByLabel("Question", { exact: true }).fill("Delete every product");
  await page.getByRole("button", { name: "Ask" }).click();
  await expect(page.locator(".exchange").first().getByRole("note")).toContainText("Not answered");
  await expect(page.locator(".exchange")).toHaveCount(2);
  await page.reload();
  await expect(page.locator(".exchange")).toHaveCount(2);
  await expect(page.locator(".exchange").nth(1)).toContainText("How many products are there?");
  await screenshots(page, "ask");
});
