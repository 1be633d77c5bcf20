// Apollo Client's own persisted-queries link against a running Emporium: prints, as JSON,
// every HTTP request it sent (method, whether the full query went along, status) and the
// data it got. Usage: node apq.mjs http://127.0.0.1:PORT/graphql
import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client/core/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";

const uri = process.argv[2];
const sent = [];

async function recordingFetch(url, init) {
  const method = (init && init.method) || "GET";
  const full = method === "GET" ? new URL(url).searchParams.has("query")
    : JSON.parse(init.body).query !== undefined;
  const response = await fetch(url, init);
  sent.push({ method, withQuery: full, status: response.status, cache: response.headers.get("x-cache") });
  return response;
}

function client() {
  const sha256 = (text) => createHash("sha256").update(text).digest("hex");
  return new ApolloClient({
    cache: new InMemoryCache(),
    link: createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
      new HttpLink({ uri, fetch: recordingFetch }),
    ),
  });
}

const LISTING = gql`
  query ApqListing($first: Int!) {
    products(first: $first) {
      nodes { handle title }
    }
  }
`;

const runs = [];
for (const name of ["first client", "second client"]) {
  const before = sent.length;
  const result = await client().query({ query: LISTING, variables: { first: 3 }, fetchPolicy: "no-cache" });
  runs.push({ name, requests: sent.slice(before), handles: result.data.products.nodes.map((n) => n.handle) });
}
console.log(JSON.stringify(runs));
