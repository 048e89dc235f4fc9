// A real GraphQL client (graphql-js) for tests/api/test_api_filters.py: it reads the server's
// schema by introspection, parses and validates the query against it, posts it, and prints the
// response as JSON.   node client.mjs URL < request.json   (request: {query, variables})
import { readFileSync } from "node:fs";
import { buildClientSchema, getIntrospectionQuery, parse, print, validate } from "graphql";

const url = process.argv[2];
const request = JSON.parse(readFileSync(0, "utf8"));

async function post(query, variables) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  return response.json();
}

const introspection = await post(getIntrospectionQuery(), {});
if (introspection.errors) throw new Error(JSON.stringify(introspection.errors));
const schema = buildClientSchema(introspection.data);
const document = parse(request.query);
const problems = validate(schema, document);
if (problems.length) {
  process.stderr.write(problems.map((p) => p.message).join("\n") + "\n");
  process.exit(2);
}
process.stdout.write(JSON.stringify(await post(print(document), request.variables || {})) + "\n");
