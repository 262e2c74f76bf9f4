import { test as base, expect, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export const env = {
  apiKey: process.env.SIGHTSEARCH_E2E_KEY ?? "",
  demoUrl: process.env.DEMO_URL ?? "",
  imagePath: process.env.DEMO_IMAGE ?? "",
  imageTitle: process.env.DEMO_IMAGE_TITLE ?? "",
  products: Number(process.env.EXPECTED_PRODUCTS ?? "0"),
  productId: process.env.DEEP_LINK_PRODUCT ?? "",
  productTitle: process.env.DEEP_LINK_TITLE ?? "",
  screens: process.env.SCREENSHOT_DIR ?? "test-results/screens",
  report: process.env.E2E_REPORT ?? "",
};

/** Put the key in the tab's session storage before the app starts, as if typed earlier in this session. */
export async function rememberKey(page: Page): Promise<void> {
  await page.addInitScript((key) => sessionStorage.setItem("sightsearch.apiKey", key), env.apiKey);
}

/** Full-page screenshots at desktop (1280 px) and phone (390 px) width, named after the page. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(env.screens, { recursive: true });
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width > 800 ? 900 : 844 });
    await page.waitForTimeout(300); // charts resize on the next frame
    // Readable at this width: nothing pushes the page sideways (wide tables scroll inside their own box).
    expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} at ${width} px`)
      .toBeLessThanOrEqual(width);
    await page.screenshot({ path: join(env.screens, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

// Every test fails on a browser console error or an uncaught exception; `allowedErrors` lists the expected ones
// (the 401s before a key is typed).
export const test = base.extend<{ allowedErrors: RegExp[]; consoleErrors: string[] }>({
  allowedErrors: [[], { option: true }],
  consoleErrors: [async ({ page, allowedErrors }, use) => {
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" && !allowedErrors.some((re) => re.test(message.text()))) {
        errors.push(message.text());
      }
    });
    page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
    await use(errors);
    expect(errors, "browser console errors").toEqual([]);
  }, { auto: true }],
});

export { expect };
