import { Link, useParams } from "react-router";
import { $api, type Schemas } from "../api/client";
import { TimeChart } from "../charts/TimeChart";
import { Empty, ErrorState, Loading } from "../components/States";
import { Thumbnail, formatPrice } from "./productBits";

export function ProductDetail() {
  const id = Number(useParams().id);
  const valid = Number.isInteger(id) && id > 0;
  const product = $api.useQuery("get", "/api/v1/products/{product_id}", { params: { path: { product_id: id } } },
                                { enabled: valid });
  if (!valid) return <Empty>“{useParams().id}” is not a product id. <Link to="/products">All products</Link></Empty>;
  if (product.isPending) return <Loading what={`product ${id}`} />;
  if (product.error) return <ErrorState error={product.error} what={`product ${id}`} />;
  const p = product.data;
  return (
    <article className="product">
      <p><Link to="/products">← All products</Link></p>
      <h1>{p.title}</h1>
      <dl className="facts">
        <Fact label="Price" value={formatPrice(p.price, p.currency)} />
        {p.old_price && <Fact label="Was" value={formatPrice(p.old_price, p.currency)} />}
        <Fact label="Availability" value={p.availability} />
        <Fact label="Brand" value={p.brand} />
        <Fact label="Category" value={p.category} />
        <Fact label="SKU" value={p.sku} />
        <Fact label="GTIN" value={p.gtin} />
        <Fact label="Site" value={p.site} />
        <Fact label="Last seen" value={new Date(p.last_seen).toLocaleString()} />
      </dl>
      <p><a href={p.url} rel="noreferrer noopener" target="_blank">Open on the shop</a></p>
      {p.description && <p className="description">{p.description}</p>}
      <Images images={p.image_records} title={p.title} />
      <PriceHistory points={p.price_history} currency={p.currency} />
      <NearDuplicates items={p.near_duplicates} />
    </article>
  );
}

function Fact({ label, value }: { label: string; value: string | null | undefined }) {
  if (!value) return null;
  return <div><dt>{label}</dt><dd>{value}</dd></div>;
}

function Images({ images, title }: { images: Schemas["ImageOut"][]; title: string }) {
  return (
    <section aria-labelledby="images-title">
      <h2 id="images-title">Images</h2>
      {images.length === 0 ? <p className="muted">No image stored.</p> : (
        <ul className="gallery">
          {images.map((image, i) => (
            <li key={image.id}>
              {image.error ? <span className="no-picture">{image.error}</span> : (
                <img src={image.url} alt={`${title}, picture ${i + 1}`} width={image.width ?? undefined}
                     height={image.height ?? undefined} loading="lazy" />
              )}
              <small>{image.width}×{image.height} {image.format} · pHash {image.phash ?? "—"}</small>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function PriceHistory({ points, currency }: { points: Schemas["PricePoint"][]; currency: string | null }) {
  const priced = points.filter((p) => p.price != null).map((p) => ({ t: p.valid_from, v: Number(p.price) }));
  // The current price holds until now: draw it to the right edge instead of a lone dot.
  const current = points.at(-1);
  const line = current?.price != null && current.valid_to == null
    ? [...priced, { t: new Date().toISOString(), v: Number(current.price) }] : priced;
  return (
    <section aria-labelledby="prices-title">
      <h2 id="prices-title">Price history</h2>
      {priced.length === 0 ? <p className="muted">No price observed.</p> : (
        <>
          <TimeChart title="Price over time" unit={currency ?? "price"} stepped
                     series={[{ label: "price", points: line }]} />
          <p className="muted">{priced.length} observation(s); the latest is {priced.at(-1)!.v} {currency}.</p>
        </>
      )}
    </section>
  );
}

function NearDuplicates({ items }: { items: Schemas["SimilarProduct"][] }) {
  return (
    <section aria-labelledby="dupes-title">
      <h2 id="dupes-title">Near-duplicates</h2>
      {items.length === 0 ? <p className="muted">No other product has a picture like this one.</p> : (
        <ul className="cards">
          {items.map((item) => <SimilarCard key={item.product.id} item={item} />)}
        </ul>
      )}
    </section>
  );
}

/** A product that looks like the query: its picture, title, price and how far its image is (pHash distance). */
export function SimilarCard({ item }: { item: Schemas["SimilarProduct"] }) {
  return (
    <li className="card">
      <Thumbnail product={item.product} size={96} />
      <Link to={`/products/${item.product.id}`}>{item.product.title}</Link>
      <span>{formatPrice(item.product.price, item.product.currency)}</span>
      <small>distance {item.distance}{item.same_group ? " · same group" : ""} · {item.product.site}</small>
    </li>
  );
}
