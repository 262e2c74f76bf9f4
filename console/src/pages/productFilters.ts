// The product listing's filters, kept in the URL's query string so a filtered view can be reloaded and shared.
import type { Schemas } from "../api/client";

export type ProductSort = Schemas["ProductSort"];

export const SORTS: [ProductSort, string][] = [
  ["id", "Oldest first"],
  ["-updated_at", "Recently updated"],
  ["price", "Price, low to high"],
  ["-price", "Price, high to low"],
  ["title", "Title, A to Z"],
  ["-title", "Title, Z to A"],
];

// schema.org availability values (sightsearch.vocabulary.AVAILABILITY_VALUES), the only ones stored.
export const AVAILABILITY = ["InStock", "OutOfStock", "PreOrder", "BackOrder", "LimitedAvailability", "Discontinued",
  "SoldOut", "InStoreOnly", "OnlineOnly", "PreSale", "MadeToOrder", "Reserved"];

export const TEXT_FILTERS = ["q", "site", "brand", "category", "availability", "min_price", "max_price"] as const;

export interface ProductQuery {
  q?: string;
  site?: string;
  brand?: string;
  category?: string;
  availability?: string;
  min_price?: number;
  max_price?: number;
  sort: ProductSort;
}

/** The listing query the URL asks for (empty values dropped, prices as numbers). */
export function queryFromParams(params: URLSearchParams): ProductQuery {
  const query: ProductQuery = { sort: (params.get("sort") as ProductSort) || "id" };
  for (const name of TEXT_FILTERS) {
    const value = params.get(name)?.trim();
    if (!value) continue;
    if (name === "min_price" || name === "max_price") {
      const price = Number(value);
      if (Number.isFinite(price) && price >= 0) query[name] = price;
    } else {
      query[name] = value;
    }
  }
  return query;
}

/** A form's values as URL parameters (empty fields left out). */
export function paramsFromForm(form: FormData): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of form.entries()) {
    if (typeof value === "string" && value.trim() && !(name === "sort" && value === "id")) params.set(name, value.trim());
  }
  return params;
}
