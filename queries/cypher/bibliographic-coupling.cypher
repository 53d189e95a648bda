// name: bibliographic-coupling
// description: Papers that share references with a paper (bibliographic coupling), with how many references they share.
// param id: node -- the paper (e.g. arxiv:2304.03843)
// param min_trust: int = 1 (1..3) -- 1 includes extracted citations, 2 needs a sourced record, 3 curated only
// param limit: int = 20 (1..500) -- at most this many papers, most shared references first
// returns: id, title, published, count, via
// subgraph: $id, id, via
// example: lineage query bibliographic-coupling id=arxiv:2304.03843
// via lists the shared references (sorted). Sibling queries: co-citation (cited together), prior-works, derivative-works.
// --- neo4j
// Count first, read ids last: next to a hub (a paper cited 21k times) this pattern has ~100k
// rows; grouping them by node and reading ids and via lists only for the nodes that can make the
// top (count >= the limit-th best count) took 343 ms -> 77 ms (measured, 1M edges). The nodes
// are bucketed by count (a paper has few references, so few buckets) and only the best buckets
// that hold the limit are read: sorting the 65k nodes by count first cost ~15% more at p50
// (measured). Every edge has trust >= 1, so at the default the trust properties are not read.
MATCH (p:Node {id: $id})-[c1:CITES]->(c:Node)
WHERE $min_trust <= 1 OR c1.trust >= $min_trust
// q unlabelled: every CITES edge joins two :Node papers (the store writes no other), and
// checking q's label read ~99k node records (db hits 202k -> 103k, measured)
MATCH (c)<-[c2:CITES]-(q)
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
// via: p's side collected once, then one check per pair (the planner, left to itself,
// expanded from q, which may be a hub: 146k rows for 20 answers)
MATCH (p:Node {id: $id})
CALL (p) {
  MATCH (p)-[c1:CITES]->(c:Node)
  WHERE $min_trust <= 1 OR c1.trust >= $min_trust
  RETURN collect(c) AS near
}
UNWIND top AS t
WITH t.q AS q, t.count AS count, near
CALL (q, near) {
  UNWIND near AS c
  MATCH (c)<-[c2:CITES]-(q)
  WHERE $min_trust <= 1 OR c2.trust >= $min_trust
  WITH c.id AS ref ORDER BY ref
  RETURN collect(ref) AS via
}
RETURN q.id AS id, q.name AS title, q.published AS published, count, via
ORDER BY count DESC, id
// --- ladybug
MATCH (p:Node {id: $id})-[c1:CITES]->(c:Node)<-[c2:CITES]-(q:Node)
WHERE q.id <> $id AND c1.trust >= $min_trust AND c2.trust >= $min_trust
WITH q, list_sort(collect(DISTINCT c.id)) AS via
RETURN q.id AS id, q.name AS title, q.published AS published, size(via) AS count, via
ORDER BY count DESC, id
LIMIT $limit
