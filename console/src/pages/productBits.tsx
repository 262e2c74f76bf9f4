import { useState } from "react";
import type { Schemas } from "../api/client";

/** The first picture of a product, small (pictures load from the shop); a labelled placeholder when there is
 * none or the shop does not answer. */
export function Thumbnail({ product, size = 56 }: { product: Schemas["ProductSummary"]; size?: number }) {
  const [failed, setFailed] = useState(false);
  const url = product.images.find((image): image is string => typeof image === "string");
  if (!url || failed) return <span className="no-picture" style={{ width: size, height: size }}>no picture</span>;
  return <img src={url} alt={product.title} width={size} height={size} loading="lazy" className="thumb"
              onError={() => setFailed(true)} />;
}

/** A price string from the API ("12.50") with its currency; the API never sends floats. */
export function formatPrice(price: string | null | undefined, currency: string | null | undefined): string {
  if (price == null) return "—";
  return currency ? `${price} ${currency}` : price;
}
