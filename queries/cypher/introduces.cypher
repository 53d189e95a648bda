// name: introduces
// description: The models and methods a paper introduces.
// param id: node -- the paper (e.g. arxiv:2310.06825)
// returns: id, name, label
// subgraph: $id, id
// example: lineage query introduces id=arxiv:2305.14314
MATCH (p:Node {id: $id})-[:INTRODUCES]->(n:Node)
RETURN n.id AS id, n.name AS name, n.label AS label
ORDER BY label, id
