// name: ancestors
// description: Everything a node builds on, transitively: the models, methods and papers it is made from (not what it replaces or is compared with, unless contrast=yes).
// param id: node -- the model, method or paper to start from (e.g. model:zephyr-7b)
// param depth: int = 3 (1..10) -- how many builds-on hops to follow
// param min_trust: int = 1 (1..3) -- 1 includes extracted edges, 2 needs a sourced record, 3 curated only
// param kinds: list of kinds = [] -- only these builds-on kinds, e.g. fine_tuned_from,uses_method (empty: all)
// param include_cites: choice[no|yes] = no -- also follow citations (papers only; kinds must be empty)
// param contrast: choice[no|yes] = no -- also follow contrast relations (replaces, compared_with)
// returns: id, name, label, depth, via, via_kind, via_source
// reached: out
// filled: via, via_kind, via_source
// subgraph: $id, id
// example: lineage query ancestors id=model:zephyr-7b depth=4
// via is the node each row was reached through (one hop nearer the start), via_kind that hop's
// kind and via_source its provenance; they are filled in by queries/hops.py, identically on
// both backends. $contrast_kinds comes from graph.schema.CONTRAST_KINDS (the registry passes it).
// --- neo4j
MATCH p = ANY SHORTEST (start:Node {id: $id})-[r:BUILDS_ON|CITES WHERE r.trust >= $min_trust AND (size($kinds) = 0 OR r.kind IN $kinds) AND ($contrast = 'yes' OR NOT coalesce(r.kind, '') IN $contrast_kinds) AND ($include_cites = 'yes' OR type(r) = 'BUILDS_ON')]->{1,10}(n:Node)
WHERE length(p) <= $depth AND n.id <> $id
RETURN n.id AS id, n.name AS name, n.label AS label, length(p) AS depth
ORDER BY depth, id
// --- ladybug
MATCH (start:Node {id: $id})-[e:BUILDS_ON|CITES* SHORTEST 1..10 (r, m | WHERE r.trust >= $min_trust AND (size($kinds) = 0 OR r.kind IN $kinds) AND ($contrast = 'yes' OR NOT coalesce(r.kind, '') IN $contrast_kinds) AND ($include_cites = 'yes' OR label(r) = 'BUILDS_ON'))]->(n:Node)
WHERE length(e) <= $depth AND n.id <> $id
RETURN n.id AS id, n.name AS name, n.label AS label, length(e) AS depth
ORDER BY depth, id
