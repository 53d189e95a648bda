// name: model-family
// description: The family tree under a base model: its fine-tunes, adapters, merges, quantisations and variants, one row per tree edge.
// param id: node -- the base model (e.g. model:llama)
// param depth: int = 5 (1..10) -- generations below the base model
// param min_trust: int = 1 (1..3) -- 1 includes extracted edges, 2 needs a sourced record, 3 curated only
// param kinds: list = [fine_tuned_from,adapter_of,merged_from,quantized_from,variant_of] -- builds-on kinds that make a family member
// returns: id, name, label, depth, kind, parent
// subgraph: $id, id
// example: lineage query model-family id=model:llama
// A member with two parents in the family (a merge) has one row per parent. Sibling: descendants (every kind).
// --- neo4j
MATCH p = ANY SHORTEST (b:Node {id: $id})<-[r:BUILDS_ON WHERE r.trust >= $min_trust AND r.kind IN $kinds]-{1,10}(n:Node)
WHERE length(p) <= $depth AND n.id <> $id
WITH collect(n.id) + [$id] AS family, collect({id: n.id, depth: length(p)}) AS members
UNWIND members AS x
MATCH (n:Node {id: x.id})-[r:BUILDS_ON]->(up:Node)
WHERE up.id IN family AND r.kind IN $kinds AND r.trust >= $min_trust
RETURN n.id AS id, n.name AS name, n.label AS label, x.depth AS depth, r.kind AS kind, up.id AS parent
ORDER BY depth, id, parent, kind
// --- ladybug
MATCH (b:Node {id: $id})<-[e:BUILDS_ON* SHORTEST 1..10 (r, k | WHERE r.trust >= $min_trust AND r.kind IN $kinds)]-(n:Node)
WHERE length(e) <= $depth AND n.id <> $id
WITH collect(n.id) + [$id] AS family, collect({id: n.id, depth: length(e)}) AS members
UNWIND members AS x
MATCH (n:Node {id: x.id})-[r:BUILDS_ON]->(up:Node)
WHERE up.id IN family AND r.kind IN $kinds AND r.trust >= $min_trust
RETURN n.id AS id, n.name AS name, n.label AS label, x.depth AS depth, r.kind AS kind, up.id AS parent
ORDER BY depth, id, parent, kind
