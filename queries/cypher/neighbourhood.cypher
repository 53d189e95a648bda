// name: neighbourhood
// description: Every node within a few hops of a node, over any edge in either direction (capped).
// param id: node -- the centre (e.g. model:zephyr-7b)
// param depth: int = 1 (1..3) -- hops from the centre
// param limit: int = 200 (1..1500) -- at most this many nodes, nearest first
// returns: id, name, label, depth
// subgraph: $id, id
// example: lineage query neighbourhood id=model:mistral-7b depth=2
// --- neo4j
MATCH p = (start:Node {id: $id})-[*1..3]-(n:Node)
WHERE length(p) <= $depth AND n.id <> $id
RETURN n.id AS id, n.name AS name, n.label AS label, min(length(p)) AS depth
ORDER BY depth, id
LIMIT $limit
// --- ladybug
MATCH (start:Node {id: $id})-[e*1..3]-(n:Node)
WHERE length(e) <= $depth AND n.id <> $id
RETURN n.id AS id, n.name AS name, n.label AS label, min(length(e)) AS depth
ORDER BY depth, id
LIMIT $limit
