// name: introduced-by
// description: The papers that introduce a model or method.
// param id: node -- the model or method (e.g. method:dpo)
// returns: id, title, published, authors
// subgraph: $id, id
// example: lineage query introduced-by id=method:qlora
MATCH (p:Node)-[:INTRODUCES]->(n:Node {id: $id})
RETURN p.id AS id, p.name AS title, p.published AS published, p.authors AS authors
ORDER BY published, id
