// name: overview
// description: The lineage core: every model, method and paper that takes part in a builds-on or introduces edge (capped).
// param min_trust: int = 1 (1..3) -- 1 includes extracted edges, 2 needs a sourced record, 3 curated only
// param limit: int = 500 (1..1500) -- at most this many nodes
// returns: id, name, label
// subgraph: id
// example: lineage query overview min_trust=3
MATCH (n:Node)-[e:BUILDS_ON|INTRODUCES]-(:Node)
WHERE e.trust >= $min_trust
RETURN DISTINCT n.id AS id, n.name AS name, n.label AS label
ORDER BY label, id
LIMIT $limit
