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
// Count first, read ids last: next to a hub (a paper cited 21k times) this pattern has ~100k
// rows; grouping them by node and reading ids and via lists only for the nodes that can make the
// top (count >= the limit-th best count) took 343 ms -> 77 ms (measured, 1M edges). The nodes
// are bucketed by count (counts take few distinct values: 237 next to a 21k hub) and only the
// best buckets that hold the limit are read. Every edge has trust >= 1, so at the default the
// trust properties are not read.
MATCH (p:Node {id: $id})<-[c1:CITES]-(c:Node)
WHERE $min_trust <= 1 OR c1.trust >= $min_trust
MATCH (c)-[c2:CITES]->(q:Node)
WHERE q <> p AND ($min_trust <= 1 OR c2.trust >= $min_trust)
WITH q, count(*) AS count
WITH count, collect(q) AS qs
WITH collect({count: count, qs: qs}) AS buckets
UNWIND [b IN buckets
        WHERE reduce(n = 0, o IN buckets | n + CASE WHEN o.count > b.count THEN size(o.qs) ELSE 0 END) < $limit] AS b
UNWIND b.qs AS q
// a new row of q and count only: a row that still held the bucket was charged its whole list
// in the Top below (110 MB at limit 100 next to a hub; limit 500 ran out of memory)
WITH q, max(b.count) AS count
ORDER BY count DESC, q.id
LIMIT $limit
WITH collect({q: q, count: count}) AS top
// via: the citers of p that cite q, by one more pass over p's citers kept where they cite a top
// paper. Checking every (citer, top paper) pair instead cost 21k x limit checks next to a hub:
// 1.6-2.0 s at limit 20 and 43 s at 500, now 0.3-0.4 s and 0.6 s (measured, 1M edges).
CALL (top) {
  WITH [t IN top | t.q] AS qs
  MATCH (p:Node {id: $id})<-[c1:CITES]-(c:Node)
  WHERE $min_trust <= 1 OR c1.trust >= $min_trust
  MATCH (c)-[c2:CITES]->(q)
  WHERE q IN qs AND ($min_trust <= 1 OR c2.trust >= $min_trust)
  // grouped before the sort, so that the sorted rows hold two values and not the lists above
  WITH q, c.id AS ref, count(*) AS pairs
  ORDER BY ref
  RETURN q, collect(ref) AS via
}
WITH top, collect({q: q, via: via}) AS vias
UNWIND top AS t
WITH t.q AS q, t.count AS count, [v IN vias WHERE v.q = t.q | v.via][0] AS via
RETURN q.id AS id, q.name AS title, q.published AS published, count, via
ORDER BY count DESC, id
// --- ladybug
MATCH (p:Node {id: $id})<-[c1:CITES]-(c:Node)-[c2:CITES]->(q:Node)
WHERE q.id <> $id AND c1.trust >= $min_trust AND c2.trust >= $min_trust
WITH q, list_sort(collect(DISTINCT c.id)) AS via
RETURN q.id AS id, q.name AS title, q.published AS published, size(via) AS count, via
ORDER BY count DESC, id
LIMIT $limit
