// name: model-family
// description: The family tree under a base model: its fine-tunes, adapters, merges, quantisations and variants, one row per tree edge.
// param id: node -- the base model (e.g. model:llama)
// param depth: int = 5 (1..10) -- generations below the base model
// param min_trust: int = 1 (1..3) -- 1 includes extracted edges, 2 needs a sourced record, 3 curated only
// param kinds: list of kinds = [fine_tuned_from,adapter_of,merged_from,quantized_from,variant_of] -- builds-on kinds that make a family member
// param contrast: choice[no|yes] = no -- allow contrast kinds (replaces, compared_with) in kinds
// param since: date = -- only members that came on or after this date (YYYY-MM-DD; undated members are left out)
// returns: id, name, label, depth, date, via, via_kind, via_source
// reached: in
// filled: via_source
// subgraph: $id, id
// example: lineage query model-family id=model:llama
// One row per tree edge: via is the member's parent in the family and via_kind the edge's kind
// (a merge has one row per parent); via_source is that edge's provenance (queries/hops.py).
// date is the member's own, else that of the earliest paper introducing it. Sibling: descendants (every kind).
// --- neo4j
MATCH p = ANY SHORTEST (b:Node {id: $id})<-[r:BUILDS_ON WHERE r.trust >= $min_trust AND r.kind IN $kinds AND ($contrast = 'yes' OR NOT r.kind IN $contrast_kinds)]-{1,10}(n:Node)
WHERE length(p) <= $depth AND n.id <> $id
WITH n, length(p) AS depth
OPTIONAL MATCH (intro:Node)-[:INTRODUCES]->(n)
WITH n, depth, min(intro.date) AS introduced
WITH collect(n.id) + [$id] AS family, collect({id: n.id, depth: depth, date: coalesce(n.date, introduced)}) AS members
UNWIND members AS x
WITH family, x
WHERE $since = '' OR x.date >= $since
MATCH (n:Node {id: x.id})-[r:BUILDS_ON]->(up:Node)
WHERE up.id IN family AND r.kind IN $kinds AND ($contrast = 'yes' OR NOT r.kind IN $contrast_kinds) AND r.trust >= $min_trust
RETURN n.id AS id, n.name AS name, n.label AS label, x.depth AS depth, x.date AS date, up.id AS via, r.kind AS via_kind
ORDER BY depth, id, via, via_kind
// --- ladybug
MATCH (b:Node {id: $id})<-[e:BUILDS_ON* SHORTEST 1..10 (r, k | WHERE r.trust >= $min_trust AND r.kind IN $kinds AND ($contrast = 'yes' OR NOT r.kind IN $contrast_kinds))]-(n:Node)
WHERE length(e) <= $depth AND n.id <> $id
WITH n, length(e) AS depth
OPTIONAL MATCH (intro:Node)-[:INTRODUCES]->(n)
WITH n, depth, min(intro.date) AS introduced
WITH collect(n.id) + [$id] AS family, collect({id: n.id, depth: depth, date: coalesce(n.date, introduced)}) AS members
UNWIND members AS x
WITH family, x
WHERE $since = '' OR x.date >= $since
MATCH (n:Node {id: x.id})-[r:BUILDS_ON]->(up:Node)
WHERE up.id IN family AND r.kind IN $kinds AND ($contrast = 'yes' OR NOT r.kind IN $contrast_kinds) AND r.trust >= $min_trust
RETURN n.id AS id, n.name AS name, n.label AS label, x.depth AS depth, x.date AS date, up.id AS via, r.kind AS via_kind
ORDER BY depth, id, via, via_kind
