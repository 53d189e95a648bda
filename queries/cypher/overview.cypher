// name: overview
// description: The lineage core: every model, method and paper that takes part in a builds-on or introduces edge (capped).
// param min_trust: int = 1 (1..3) -- 1 includes extracted edges, 2 needs a sourced record, 3 curated only
// param limit: int = 500 (1..1500) -- at most this many nodes
// returns: id, name, label
// subgraph: id
// example: lineage query overview min_trust=3
// --- neo4j
// Start from the relationships (Neo4j keeps a relationship-type index), not from every node, and
// read ids and labels once per distinct node: scanning 93k nodes for an edge of these types took
// ~85 ms at 1M edges, this ~27 ms.
MATCH ()-[e:BUILDS_ON|INTRODUCES]->()
WHERE $min_trust <= 1 OR e.trust >= $min_trust
WITH collect(DISTINCT startNode(e)) + collect(DISTINCT endNode(e)) AS ends
UNWIND ends AS n
WITH DISTINCT n
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
