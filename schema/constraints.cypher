// Constraints and indexes of the tiaokuai graph in Neo4j (contract section 5).
//
// The Neo4j store applies this file on its first write (Neo4jStore.ensure_schema()); every
// statement is idempotent, so running it again, by hand or from Neo4j Browser, changes nothing:
//
//   cypher-shell -f schema/constraints.cypher
//
// Needs Neo4j 5.7 or newer (relationship uniqueness constraints; Community edition is enough).
// One relationship type per link family, as named in schema/vocabulary.yaml (families.*.rel_type);
// tests/stores/test_neo4j_store.py checks that this file covers every one of them.

// -- identity ------------------------------------------------------------------------------------
CREATE CONSTRAINT unit_id IF NOT EXISTS FOR (u:Unit) REQUIRE u.id IS UNIQUE;
CREATE CONSTRAINT region_code IF NOT EXISTS FOR (r:Region) REQUIRE r.code IS UNIQUE;
CREATE CONSTRAINT reporting_id IF NOT EXISTS FOR ()-[r:REPORTING]-() REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT liaison_id IF NOT EXISTS FOR ()-[r:LIAISON]-() REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT exchange_id IF NOT EXISTS FOR ()-[r:EXCHANGE]-() REQUIRE r.id IS UNIQUE;
// the one (:Meta {id: 'store'}) node that holds the store generation (bumped by every write)
CREATE CONSTRAINT meta_id IF NOT EXISTS FOR (m:Meta) REQUIRE m.id IS UNIQUE;

// -- lookups the queries need --------------------------------------------------------------------
// units by kind (units_of_kinds, find_units), by region (find_units, adopting units into a
// region written later), by parent (children, adopting children written earlier)
CREATE INDEX unit_kind IF NOT EXISTS FOR (u:Unit) ON (u.kind);
CREATE INDEX unit_region_code IF NOT EXISTS FOR (u:Unit) ON (u.region_code);
CREATE INDEX unit_parent_id IF NOT EXISTS FOR (u:Unit) ON (u.parent_id);
// units by vertical system (issue 20: `units(system:)`, a locality's units across systems)
CREATE INDEX unit_system IF NOT EXISTS FOR (u:Unit) ON (u.system);
// sub-regions by parent (find_units region filter, adopting sub-regions)
CREATE INDEX region_parent_code IF NOT EXISTS FOR (r:Region) ON (r.parent_code);
// links dated in a year (link_totals, pair_counts, find_links by year)
CREATE INDEX reporting_year IF NOT EXISTS FOR ()-[r:REPORTING]-() ON (r.year);
CREATE INDEX liaison_year IF NOT EXISTS FOR ()-[r:LIAISON]-() ON (r.year);
CREATE INDEX exchange_year IF NOT EXISTS FOR ()-[r:EXCHANGE]-() ON (r.year);
