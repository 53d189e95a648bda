// name: co-citation
// description: Papers cited together with a paper (co-citation), with how many papers cite both.
// param id: node -- the paper (e.g. arxiv:2205.05055)
// param min_trust: int = 1 (1..3) -- 1 includes extracted citations, 2 needs a sourced record, 3 curated only
// param limit: int = 20 (1..500) -- at most this many papers, most often co-cited first
// returns: id, title, published, count, via
// subgraph: $id, id, via
// example: lineage query co-citation id=arxiv:2205.05055
// via lists the papers citing both (sorted). Sibling queries: bibliographic-coupling (shared references), prior-works, derivative-works.
// --- neo4j
MATCH (p:Node {id: $id})<-[c1:CITES]-(c:Node)-[c2:CITES]->(q:Node)
WHERE q.id <> $id AND c1.trust >= $min_trust AND c2.trust >= $min_trust
WITH DISTINCT q, c ORDER BY c.id
WITH q, collect(c.id) AS via
RETURN q.id AS id, q.name AS title, q.published AS published, size(via) AS count, via
ORDER BY count DESC, id
LIMIT $limit
// --- ladybug
MATCH (p:Node {id: $id})<-[c1:CITES]-(c:Node)-[c2:CITES]->(q:Node)
WHERE q.id <> $id AND c1.trust >= $min_trust AND c2.trust >= $min_trust
WITH q, list_sort(collect(DISTINCT c.id)) AS via
RETURN q.id AS id, q.name AS title, q.published AS published, size(via) AS count, via
ORDER BY count DESC, id
LIMIT $limit
