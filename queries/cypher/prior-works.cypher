// name: prior-works
// description: Prior works of a set of papers (as in Connected Papers): the papers the set cites most, with how many of the set cite each.
// param ids: nodes (1..200) -- the papers (e.g. arxiv:2304.03843,arxiv:2311.08360)
// param min_count: int = 1 (1..1000) -- only papers cited by at least this many of the set
// param min_trust: int = 1 (1..3) -- 1 includes extracted citations, 2 needs a sourced record, 3 curated only
// param limit: int = 20 (1..500) -- at most this many papers, most cited first
// returns: id, title, published, count
// subgraph: $ids, id
// example: lineage query prior-works ids=arxiv:2304.03843,arxiv:2311.08360
// Sibling queries: derivative-works (the other direction), co-citation, bibliographic-coupling.
UNWIND $ids AS pid
MATCH (p:Node {id: pid})-[c:CITES]->(q:Node)
WHERE c.trust >= $min_trust AND NOT q.id IN $ids
WITH q, count(DISTINCT p) AS count
WHERE count >= $min_count
RETURN q.id AS id, q.name AS title, q.published AS published, count
ORDER BY count DESC, id
LIMIT $limit
