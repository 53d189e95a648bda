// name: timeline
// description: A node's ancestors and descendants in date order: what came before it and what came of it.
// param id: node -- the model, method or paper in the middle (e.g. model:mistral-7b)
// param depth: int = 3 (1..10) -- builds-on hops to follow each way
// param min_trust: int = 1 (1..3) -- 1 includes extracted edges, 2 needs a sourced record, 3 curated only
// param include_cites: choice[no|yes] = no -- also follow citations (papers only)
// param contrast: choice[no|yes] = no -- also follow contrast relations (replaces, compared_with)
// returns: date, id, name, label, relation, depth
// subgraph: $id, id
// example: lineage query timeline id=model:mistral-7b depth=2
// relation is ancestor, self or descendant; nodes without a date come last. Siblings: ancestors, descendants.
// --- neo4j
MATCH (s:Node {id: $id})
OPTIONAL MATCH p = ANY SHORTEST (s)-[r:BUILDS_ON|CITES WHERE r.trust >= $min_trust AND ($include_cites = 'yes' OR type(r) = 'BUILDS_ON') AND ($contrast = 'yes' OR NOT coalesce(r.kind, '') IN $contrast_kinds)]->{1,10}(a:Node)
WHERE length(p) <= $depth
WITH s, collect({id: a.id, relation: 'ancestor', d: length(p)}) AS up
OPTIONAL MATCH p = ANY SHORTEST (s)<-[r:BUILDS_ON|CITES WHERE r.trust >= $min_trust AND ($include_cites = 'yes' OR type(r) = 'BUILDS_ON') AND ($contrast = 'yes' OR NOT coalesce(r.kind, '') IN $contrast_kinds)]-{1,10}(b:Node)
WHERE length(p) <= $depth
WITH s, up, collect({id: b.id, relation: 'descendant', d: length(p)}) AS down
UNWIND up + [{id: s.id, relation: 'self', d: 0}] + down AS x
WITH x WHERE x.id IS NOT NULL
MATCH (n:Node {id: x.id})
RETURN n.date AS date, n.id AS id, n.name AS name, n.label AS label, x.relation AS relation, x.d AS depth
ORDER BY date, id, relation
// --- ladybug
MATCH (s:Node {id: $id})
OPTIONAL MATCH (s)-[e:BUILDS_ON|CITES* SHORTEST 1..10 (r, m | WHERE r.trust >= $min_trust AND ($include_cites = 'yes' OR label(r) = 'BUILDS_ON') AND ($contrast = 'yes' OR NOT coalesce(r.kind, '') IN $contrast_kinds))]->(a:Node)
WHERE length(e) <= $depth
WITH s, collect({id: a.id, relation: 'ancestor', d: length(e)}) AS up
OPTIONAL MATCH (s)<-[e:BUILDS_ON|CITES* SHORTEST 1..10 (r, m | WHERE r.trust >= $min_trust AND ($include_cites = 'yes' OR label(r) = 'BUILDS_ON') AND ($contrast = 'yes' OR NOT coalesce(r.kind, '') IN $contrast_kinds))]-(b:Node)
WHERE length(e) <= $depth
WITH s, up, collect({id: b.id, relation: 'descendant', d: length(e)}) AS down
UNWIND up + [{id: s.id, relation: 'self', d: 0}] + down AS x
WITH x WHERE x.id IS NOT NULL
MATCH (n:Node {id: x.id})
RETURN n.date AS date, n.id AS id, n.name AS name, n.label AS label, x.relation AS relation, x.d AS depth
ORDER BY date, id, relation
