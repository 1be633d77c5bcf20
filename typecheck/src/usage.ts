// A storefront's use of the generated types: it compiles only while the schema keeps its
// promises (money amounts are decimal strings, dates RFC 3339 strings, a variant always has
// its product, vendor may be null).
import {
  ProductListingDocument,
  type ProductListingQuery,
  type ProductListingQueryVariables,
  type ProductPageQuery,
  type RefetchImageQuery,
} from "../gql/graphql";

type Money = { amount: string; currencyCode: string };

// amounts stay strings end to end: never parsed into a float
export function formatMoney(m: Money): string {
  const [units, cents = ""] = m.amount.split(".");
  return `${units}${cents ? "." + cents.padEnd(2, "0") : ""} ${m.currencyCode}`;
}

export function listingRows(data: ProductListingQuery): string[] {
  return data.products.nodes.map((p) => {
    const from: string = p.priceRange.minVariantPrice.amount;
    const created: Date = new Date(p.createdAt);
    const brand: string = p.vendor ?? "No brand";
    const onSale = p.compareAtPriceRange.maxVariantPrice.amount !== "0.00";
    const thumb: string | undefined = p.featuredImage?.thumbnail;
    return [brand, p.title, formatMoney({ amount: from, currencyCode: p.priceRange.minVariantPrice.currencyCode }),
      onSale ? "sale" : "", created.toISOString(), thumb ?? ""].join(" | ");
  });
}

export function variantLines(data: ProductPageQuery): string[] {
  if (!data.product) return [];
  const total: number = data.product.variants.totalCount;
  return data.product.variants.nodes.map(
    (v) =>
      `${v.product.handle}/${v.sku ?? "(no sku)"}: ${formatMoney(v.price)}` +
      (v.compareAtPrice ? ` was ${formatMoney(v.compareAtPrice)}` : "") +
      ` of ${total}`,
  );
}

export function imageSize(data: RefetchImageQuery): string {
  const n = data.node;
  if (n?.__typename !== "Image") return "";
  return `${n.width ?? "?"}x${n.height ?? "?"} ${n.url}`;
}

export const listingVariables: ProductListingQueryVariables = {
  first: 24,
  sortKey: "PRICE",
  filter: { price: { min: "10.00", max: "99.99" }, attributes: [{ name: "Color", value: "black" }] },
};

export const listingDocument = ProductListingDocument;
