// The README's codegen config, as storefront teams would use it: the client preset over the
// committed schema, with Emporium's scalars mapped to what they are on the wire.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  // the test points this at a deliberately broken copy to prove the check bites
  schema: process.env.EMPORIUM_SCHEMA ?? "../schema.graphql",
  documents: ["src/**/*.graphql"],
  ignoreNoDocuments: false,
  generates: {
    "gql/": {
      preset: "client",
      config: {
        strictScalars: true,
        scalars: {
          Decimal: "string",
          DateTime: "string",
        },
        enumsAsTypes: true,
      },
    },
  },
};

export default config;
