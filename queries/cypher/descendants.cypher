// name: descendants
// description: Everything that builds on a node, transitively: what came of a model, method or paper.
// param id: node -- the model, method or paper to start from (e.g. method:dpo)
// param depth: int = 3 (1..10) -- how many builds-on hops to follow
// param min_trust: int = 1 (1..3) -- 1 includes extracted edges, 2 needs a sourced record, 3 curated only
// param kinds: list = [] -- only these builds-on kinds, e.g. fine_tuned_from,uses_method (empty: all)
// returns: id, name, label, depth
// subgraph: $id, id
// example: lineage query descendants id=method:dpo
// --- neo4j
MATCH p = (start:Node {id: $id})<-[:BUILDS_ON*1..10]-(n:Node)
WHERE length(p) <= $depth
  AND all(r IN relationships(p) WHERE r.trust >= $min_trust AND (size($kinds) = 0 OR r.kind IN $kinds))
  AND n.id <> $id
RETURN n.id AS id, n.name AS name, n.label AS label, min(length(p)) AS depth
ORDER BY depth, id
// --- ladybug
MATCH (start:Node {id: $id})<-[e:BUILDS_ON*1..10 (r, m | WHERE r.trust >= $min_trust AND (size($kinds) = 0 OR r.kind IN $kinds))]-(n:Node)
WHERE length(e) <= $depth AND n.id <> $id
RETURN n.id AS id, n.name AS name, n.label AS label, min(length(e)) AS depth
ORDER BY depth, id
