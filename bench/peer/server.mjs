// @neo4j/graphql 7 under Apollo Server 5 over tiaokuai's Neo4j database: the peer of
// `bench/run.py --only peer`. Read-only use; the database is the one `tiaokuai serve` reads.
//
//   node server.mjs --uri bolt://127.0.0.1:7687 --port 4000      serve POST /graphql
//   node server.mjs --print-schema                               print the generated schema
//
// NEO4J_USERNAME / NEO4J_PASSWORD / NEO4J_DATABASE as for tiaokuai.
import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith("--")) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith("--") ? all[i + 1] : true]);
    return acc;
  }, []),
);
const typeDefs = readFileSync(new URL("./typeDefs.graphql", import.meta.url), "utf8");
const password = process.env.NEO4J_PASSWORD;
const auth = password ? neo4j.auth.basic(process.env.NEO4J_USERNAME || "neo4j", password) : undefined;
const driver = neo4j.driver(args.uri || "bolt://127.0.0.1:7687", auth);
const database = process.env.NEO4J_DATABASE || "neo4j";
const neoSchema = new Neo4jGraphQL({ typeDefs, driver });
const schema = await neoSchema.getSchema();

if (args["print-schema"]) {
  const { printSchema } = await import("graphql");
  process.stdout.write(printSchema(schema));
  await driver.close();
  process.exit(0);
}

const server = new ApolloServer({ schema, introspection: true });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(args.port || 4000), host: "127.0.0.1" },
  context: async () => ({ sessionConfig: { database } }),
});
process.stdout.write(`peer ready ${url}\n`);
const stop = async () => {
  await server.stop();
  await driver.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
