import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { json, renderAt, serve } from "../test/render";

const product = (id: number) => ({
  id, site: "shop.test", product_key: `k${id}`, url: `http://shop.test/p/${id}`, title: `Lamp ${id}`, brand: "Acme",
  sku: null, category: "home", price: `${id}.50`, currency: "EUR", availability: "InStock",
  images: [`http://shop.test/img/${id}.jpg`], updated_at: "2026-11-27T10:00:00Z",
});

test("the listing pages with the API's cursor and sends the filters it was given", async () => {
  const requests = serve((_request, url) => url.searchParams.get("cursor") === "c2"
    ? json({ items: [product(3)], next_cursor: null })
    : json({ items: [product(1), product(2)], next_cursor: "c2" }));
  const user = userEvent.setup();
  const router = renderAt("/products");

  const first = await screen.findByRole("table", { name: "Products, page 1" });
  expect(within(first).getByRole("link", { name: "Lamp 1" })).toHaveAttribute("href", "/products/1");
  expect(within(first).getByRole("img", { name: "Lamp 2" })).toHaveAttribute("src", "http://shop.test/img/2.jpg");
  expect(within(first).getByText("2.50 EUR")).toBeInTheDocument();

  await user.click(screen.getByRole("button", { name: "Next page" }));
  const second = await screen.findByRole("table", { name: "Products, page 2" });
  expect(within(second).getByText("Lamp 3")).toBeInTheDocument();
  expect(screen.getByRole("button", { name: "Next page" })).toBeDisabled();
  await user.click(screen.getByRole("button", { name: "Previous page" }));
  await screen.findByRole("table", { name: "Products, page 1" });

  await user.selectOptions(screen.getByLabelText("Availability"), "OutOfStock");
  await user.type(screen.getByLabelText("Max price"), "20");
  await user.selectOptions(screen.getByLabelText("Sort"), "-price");
  await user.click(screen.getByRole("button", { name: "Apply filters" }));
  await waitFor(() => expect(router.state.location.search).toBe("?availability=OutOfStock&max_price=20&sort=-price"));
  await waitFor(() => {
    const query = new URL(requests.at(-1)!.url).searchParams;
    expect(Object.fromEntries(query)).toEqual({ availability: "OutOfStock", max_price: "20", sort: "-price", limit: "25" });
  });
});

test("a product page reached by a deep link shows its pictures and near-duplicates", async () => {
  serve(() => json({
    ...product(42), gtin: null, mpn: null, description: "A lamp.", old_price: null, attributes: {},
    first_seen: "2026-11-27T10:00:00Z", last_seen: "2026-11-27T10:00:00Z", last_run_id: "r1",
    image_records: [{ id: 7, url: "http://shop.test/img/42.jpg", width: 320, height: 320, format: "JPEG", bytes: 1,
                      sha256: null, phash: "ffff000011112222", group_key: "g", error: null,
                      fetched_at: "2026-11-27T10:00:00Z" }],
    near_duplicates: [{ product: product(43), distance: 2, image_url: "http://shop.test/img/43.jpg", same_group: true }],
    price_history: [],
  }));
  renderAt("/products/42");
  expect(await screen.findByRole("heading", { level: 1, name: "Lamp 42" })).toBeInTheDocument();
  expect(screen.getByRole("img", { name: "Lamp 42, picture 1" })).toBeInTheDocument();
  expect(screen.getByRole("link", { name: "Lamp 43" })).toHaveAttribute("href", "/products/43");
  expect(screen.getByText(/distance 2 · same group/)).toBeInTheDocument();
  expect(screen.getByText("No price observed.")).toBeInTheDocument();
});
