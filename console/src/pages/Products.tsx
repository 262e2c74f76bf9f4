import { createColumnHelper } from "@tanstack/react-table";
import { useEffect, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { $api, type Schemas } from "../api/client";
import { DataTable } from "../components/DataTable";
import { Empty, ErrorState, Loading } from "../components/States";
import { Thumbnail, formatPrice } from "./productBits";
import { AVAILABILITY, SORTS, paramsFromForm, queryFromParams } from "./productFilters";

const PAGE_SIZE = 25;
type Row = Schemas["ProductSummary"];
const column = createColumnHelper<Row>();
const columns = [
  column.display({ id: "picture", header: "Picture", cell: (c) => <Thumbnail product={c.row.original} /> }),
  column.accessor("title", {
    header: "Title",
    cell: (c) => <Link to={`/products/${c.row.original.id}`}>{c.getValue()}</Link>,
  }),
  column.accessor("brand", { header: "Brand" }),
  column.accessor("category", { header: "Category" }),
  column.accessor("price", { header: "Price", cell: (c) => formatPrice(c.getValue(), c.row.original.currency) }),
  column.accessor("availability", { header: "Availability" }),
  column.accessor("site", { header: "Site" }),
];

export function Products() {
  const [params, setParams] = useSearchParams();
  const query = queryFromParams(params);
  // Cursors of the pages before this one, so "Previous page" can go back; a new filter starts over.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  useEffect(() => setCursors([]), [params]);
  const listing = $api.useQuery("get", "/api/v1/products", {
    params: { query: { ...query, limit: PAGE_SIZE, cursor } },
  }, { placeholderData: (previous) => previous });

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setParams(paramsFromForm(new FormData(event.currentTarget)));
  }

  return (
    <section>
      <h1>Products</h1>
      <form className="filters" onSubmit={apply} aria-label="Product filters" key={params.toString()}>
        <Field name="q" label="Search" type="search" value={query.q} />
        <Field name="site" label="Site" value={query.site} />
        <Field name="brand" label="Brand" value={query.brand} />
        <Field name="category" label="Category" value={query.category} />
        <label>
          Availability
          <select name="availability" defaultValue={query.availability ?? ""}>
            <option value="">Any</option>
            {AVAILABILITY.map((value) => <option key={value}>{value}</option>)}
          </select>
        </label>
        <Field name="min_price" label="Min price" type="number" value={query.min_price} />
        <Field name="max_price" label="Max price" type="number" value={query.max_price} />
        <label>
          Sort
          <select name="sort" defaultValue={query.sort}>
            {SORTS.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
        </label>
        <div className="actions">
          <button type="submit">Apply filters</button>
          <button type="button" onClick={() => setParams(new URLSearchParams())}>Clear</button>
        </div>
      </form>
      {listing.isPending && <Loading what="products" />}
      {listing.error && <ErrorState error={listing.error} what="products" />}
      {listing.data && (listing.data.items.length === 0 && !cursor ? <Empty>No product matches these filters.</Empty> : (
        <>
          <DataTable caption={`Products, page ${cursors.length + 1}`} columns={columns} rows={listing.data.items}
                     rowKey={(row) => String(row.id)} />
          <nav className="pager" aria-label="Pages">
            <button type="button" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
              Previous page
            </button>
            <button type="button" disabled={!listing.data.next_cursor}
                    onClick={() => setCursors((c) => [...c, listing.data!.next_cursor!])}>
              Next page
            </button>
          </nav>
        </>
      ))}
    </section>
  );
}

function Field({ name, label, value, type = "text" }: { name: string; label: string; value?: string | number;
                                                          type?: string }) {
  return (
    <label>
      {label}
      <input name={name} type={type} defaultValue={value ?? ""} min={type === "number" ? 0 : undefined}
             step={type === "number" ? "0.01" : undefined} />
    </label>
  );
}
