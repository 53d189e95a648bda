// name: method-impact
// description: Everything that builds on a method (or model, or paper), transitively, grouped by label with a count per label.
// param id: node -- the method to start from (e.g. method:lora)
// param depth: int = 10 (1..10) -- builds-on hops to follow
// param min_trust: int = 1 (1..3) -- 1 includes extracted edges, 2 needs a sourced record, 3 curated only
// returns: label, count, id, name, depth
// subgraph: $id, id
// example: lineage query method-impact id=method:lora
// One row per descendant; count is how many descendants share its label. Sibling queries:
// descendants (no grouping), descendant-impact (analytic: also papers, through citations).
// --- neo4j
MATCH p = ANY SHORTEST (m:Node {id: $id})<-[r:BUILDS_ON WHERE r.trust >= $min_trust]-{1,10}(n:Node)
WHERE length(p) <= $depth AND n.id <> $id
WITH n.label AS label, collect({id: n.id, name: n.name, depth: length(p)}) AS members
UNWIND members AS x
RETURN label, size(members) AS count, x.id AS id, x.name AS name, x.depth AS depth
ORDER BY count DESC, label, depth, id
// --- ladybug
MATCH (m:Node {id: $id})<-[e:BUILDS_ON* SHORTEST 1..10 (r, k | WHERE r.trust >= $min_trust)]-(n:Node)
WHERE length(e) <= $depth AND n.id <> $id
WITH n.label AS label, collect({id: n.id, name: n.name, depth: length(e)}) AS members
UNWIND members AS x
RETURN label, size(members) AS count, x.id AS id, x.name AS name, x.depth AS depth
ORDER BY count DESC, label, depth, id
