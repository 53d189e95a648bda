// name: method-impact
// description: Everything that builds on a method (or model, or paper), transitively, grouped by label with a count per label.
// param id: node -- the method to start from (e.g. method:lora)
// param depth: int = 10 (1..10) -- builds-on hops to follow
// param min_trust: int = 1 (1..3) -- 1 includes extracted edges, 2 needs a sourced record, 3 curated only
// param contrast: choice[no|yes] = no -- also follow contrast relations (replaces, compared_with)
// param since: date = -- only what came on or after this date (YYYY-MM-DD; undated nodes are left out)
// returns: label, count, id, name, depth, date, via, via_kind, via_source
// reached: in
// filled: via, via_kind, via_source
// subgraph: $id, id
// example: lineage query method-impact id=method:lora
// One row per descendant; count is how many descendants (on or after since) share its label.
// date is the node's own, else that of the earliest paper introducing it. Sibling queries:
// descendants (no grouping), descendant-impact (analytic: also papers, through citations).
// --- neo4j
MATCH p = ANY SHORTEST (m:Node {id: $id})<-[r:BUILDS_ON WHERE r.trust >= $min_trust AND ($contrast = 'yes' OR NOT coalesce(r.kind, '') IN $contrast_kinds)]-{1,10}(n:Node)
WHERE length(p) <= $depth AND n.id <> $id
WITH n, length(p) AS depth
OPTIONAL MATCH (intro:Node)-[:INTRODUCES]->(n)
WITH n, depth, min(intro.date) AS introduced
WITH n, depth, coalesce(n.date, introduced) AS date
WHERE $since = '' OR date >= $since
WITH n.label AS label, collect({id: n.id, name: n.name, depth: depth, date: date}) AS members
UNWIND members AS x
RETURN label, size(members) AS count, x.id AS id, x.name AS name, x.depth AS depth, x.date AS date
ORDER BY count DESC, label, depth, id
// --- ladybug
MATCH (m:Node {id: $id})<-[e:BUILDS_ON* SHORTEST 1..10 (r, k | WHERE r.trust >= $min_trust AND ($contrast = 'yes' OR NOT coalesce(r.kind, '') IN $contrast_kinds))]-(n:Node)
WHERE length(e) <= $depth AND n.id <> $id
WITH n, length(e) AS depth
OPTIONAL MATCH (intro:Node)-[:INTRODUCES]->(n)
WITH n, depth, min(intro.date) AS introduced
WITH n, depth, coalesce(n.date, introduced) AS date
WHERE $since = '' OR date >= $since
WITH n.label AS label, collect({id: n.id, name: n.name, depth: depth, date: date}) AS members
UNWIND members AS x
RETURN label, size(members) AS count, x.id AS id, x.name AS name, x.depth AS depth, x.date AS date
ORDER BY count DESC, label, depth, id
