// name: overview
// description: The lineage core: every model, method and paper that takes part in a builds-on or introduces edge (capped).
// param min_trust: int = 1 (1..3) -- 1 includes extracted edges, 2 needs a sourced record, 3 curated only
// param limit: int = 500 (1..1500) -- at most this many nodes
// returns: id, name, label
// subgraph: id
// example: lineage query overview min_trust=3
// --- neo4j
// Label by label in (label, id) order through each label's id index, stopping at the limit:
// 'Method' < 'Model' < 'Paper', and only these take part in builds-on and introduces edges
// (graph.schema.ENDPOINTS; tests/test_query_library.py checks it). Papers are read only when
// methods and models are fewer than the limit. Collecting the endpoints of all 5.9k such
// relationships and sorting 4.5k nodes took ~35 ms at 1M edges, this ~12 ms (measured, loaded machine).
CALL () {
  MATCH (n:Method)
  WHERE n.id IS NOT NULL AND n.label = 'Method'
    AND EXISTS { (n)-[e:BUILDS_ON|INTRODUCES]-() WHERE $min_trust <= 1 OR e.trust >= $min_trust }
  WITH n ORDER BY n.id LIMIT $limit
  RETURN collect(n) AS methods
}
CALL () {
  MATCH (n:Model)
  WHERE n.id IS NOT NULL AND n.label = 'Model'
    AND EXISTS { (n)-[e:BUILDS_ON|INTRODUCES]-() WHERE $min_trust <= 1 OR e.trust >= $min_trust }
  WITH n ORDER BY n.id LIMIT $limit
  RETURN collect(n) AS models
}
WITH methods + models AS found
CALL (found) {
  // a row only when papers are needed: a WHERE here was planned after the scan of every paper
  UNWIND CASE WHEN size(found) < $limit THEN [true] ELSE [] END AS wanted
  // from the relationships (a type index), as most papers have none of these edges
  MATCH (x)-[e:BUILDS_ON|INTRODUCES]->(y)
  WHERE $min_trust <= 1 OR e.trust >= $min_trust
  UNWIND [x, y] AS n
  WITH DISTINCT n
  WHERE n.label = 'Paper'
  WITH n ORDER BY n.id LIMIT $limit
  RETURN collect(n) AS papers
}
UNWIND found + papers AS n
WITH n, n.label AS label, n.id AS id
ORDER BY label, id
LIMIT $limit
RETURN id, n.name AS name, label
// --- ladybug
MATCH (n:Node)-[e:BUILDS_ON|INTRODUCES]-(:Node)
WHERE e.trust >= $min_trust
RETURN DISTINCT n.id AS id, n.name AS name, n.label AS label
ORDER BY label, id
LIMIT $limit
