// name: neighbourhood
// description: Every node within a few hops of a node, over any edge in either direction (capped).
// param id: node -- the centre (e.g. model:zephyr-7b)
// param depth: int = 1 (1..3) -- hops from the centre
// param limit: int = 200 (1..1500) -- at most this many nodes, nearest first
// returns: id, name, label, depth
// subgraph: $id, id
// example: lineage query neighbourhood id=model:mistral-7b depth=2
// --- neo4j
// One breadth-first level per branch: `DISTINCT` end nodes let Neo4j prune the expansion
// (VarLengthExpand(Pruning)); matching every path of up to 3 hops instead never finished from
// a paper cited 21k times (1M-edge benchmark graph), this takes 0.3 s at depth 1 there.
MATCH (start:Node {id: $id})
CALL (start) {
  MATCH (start)--(n:Node) RETURN DISTINCT n, 1 AS d
  UNION ALL
  MATCH (start)-[*2..2]-(n:Node) WHERE $depth >= 2 RETURN DISTINCT n, 2 AS d
  UNION ALL
  MATCH (start)-[*3..3]-(n:Node) WHERE $depth >= 3 RETURN DISTINCT n, 3 AS d
}
WITH n, min(d) AS depth
WHERE n.id <> $id
RETURN n.id AS id, n.name AS name, n.label AS label, depth
ORDER BY depth, id
LIMIT $limit
// --- ladybug
MATCH (start:Node {id: $id})-[e*1..3]-(n:Node)
WHERE length(e) <= $depth AND n.id <> $id
RETURN n.id AS id, n.name AS name, n.label AS label, min(length(e)) AS depth
ORDER BY depth, id
LIMIT $limit
