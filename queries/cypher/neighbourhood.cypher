// name: neighbourhood
// description: Every node within a few hops of a node, over any edge in either direction (capped).
// param id: node -- the centre (e.g. model:zephyr-7b)
// param depth: int = 1 (1..3) -- hops from the centre
// param limit: int = 200 (1..1500) -- at most this many nodes, nearest first
// returns: id, name, label, depth
// subgraph: $id, id
// example: lineage query neighbourhood id=model:mistral-7b depth=2
// --- neo4j
// Breadth-first, nearest first: `DISTINCT` end nodes let Neo4j prune each expansion
// (VarLengthExpand(Pruning)); matching every path of up to 3 hops instead never finished from
// a paper cited 21k times (1M-edge benchmark graph). A level is read only while the levels
// before it hold fewer than the limit: the answer is ordered by depth, so a deeper level could
// not make it (depth 3 from that paper: 10.6 s when every level was read, measured).
MATCH (start:Node {id: $id})
CALL (start) {
  MATCH (start)--(n:Node) RETURN collect(DISTINCT n) AS one
}
CALL (start, one) {
  WITH start WHERE $depth >= 2 AND size([n IN one WHERE n <> start]) < $limit
  MATCH (start)-[*1..2]-(n:Node) RETURN collect(DISTINCT n) AS two
}
CALL (start, two) {
  WITH start WHERE $depth >= 3 AND size([n IN two WHERE n <> start]) < $limit
  MATCH (start)-[*1..3]-(n:Node) RETURN collect(DISTINCT n) AS three
}
UNWIND [n IN one | {n: n, d: 1}] + [n IN two | {n: n, d: 2}] + [n IN three | {n: n, d: 3}] AS found
WITH found.n AS n, min(found.d) AS depth
WHERE n.id <> $id
RETURN n.id AS id, n.name AS name, n.label AS label, depth
ORDER BY depth, id
LIMIT $limit
// --- ladybug
// One shortest path per node (breadth-first): matching every path of up to 3 hops did not
// finish in 60 s from a paper cited 21k times (1M-edge benchmark graph)
MATCH (start:Node {id: $id})-[e* SHORTEST 1..3]-(n:Node)
WHERE length(e) <= $depth AND n.id <> $id
RETURN n.id AS id, n.name AS name, n.label AS label, length(e) AS depth
ORDER BY depth, id
LIMIT $limit
