// name: common-roots
// description: The nearest shared ancestors of two or more nodes: what they all build on (an input may itself be the root).
// param ids: nodes (2..20) -- two or more models, methods or papers (e.g. model:zephyr-7b,model:mixtral-8x7b)
// param depth: int = 6 (1..10) -- builds-on hops to follow from each node
// param min_trust: int = 1 (1..3) -- 1 includes extracted edges, 2 needs a sourced record, 3 curated only
// param include_cites: choice[no|yes] = no -- also follow citations (papers only)
// param scope: choice[nearest|all] = nearest -- nearest: only shared ancestors no other shared ancestor builds on
// param contrast: choice[no|yes] = no -- also follow contrast relations (replaces, compared_with)
// returns: id, name, label, depth, total_depth, nearest
// subgraph: $ids, id
// example: lineage query common-roots ids=model:zephyr-7b,model:mixtral-8x7b
// Sibling queries: ancestors (one node), path (how two nodes connect).
// depth is the farthest any input is from the root, total_depth the sum over inputs.
// --- neo4j
UNWIND $ids AS sid
MATCH (s:Node {id: sid})
OPTIONAL MATCH p = ANY SHORTEST (s)-[r:BUILDS_ON|CITES WHERE r.trust >= $min_trust AND ($include_cites = 'yes' OR type(r) = 'BUILDS_ON') AND ($contrast = 'yes' OR NOT coalesce(r.kind, '') IN $contrast_kinds)]->{1,10}(a:Node)
WHERE length(p) <= $depth
WITH sid, collect({id: a.id, d: length(p)}) + [{id: sid, d: 0}] AS reach
UNWIND reach AS x
WITH sid, x WHERE x.id IS NOT NULL
WITH x.id AS rid, count(DISTINCT sid) AS reached, max(x.d) AS depth, sum(x.d) AS total
WHERE reached = size($ids)
WITH collect(rid) AS root_ids, collect({id: rid, depth: depth, total: total}) AS roots
UNWIND roots AS x
MATCH (root:Node {id: x.id})
OPTIONAL MATCH (b:Node)-[r:BUILDS_ON|CITES]->(root)
WHERE b.id IN root_ids AND r.trust >= $min_trust AND ($include_cites = 'yes' OR type(r) = 'BUILDS_ON') AND ($contrast = 'yes' OR NOT coalesce(r.kind, '') IN $contrast_kinds)
WITH root, x.depth AS depth, x.total AS total, count(b) = 0 AS nearest
WHERE $scope = 'all' OR nearest
RETURN root.id AS id, root.name AS name, root.label AS label, depth, total AS total_depth, nearest
ORDER BY nearest DESC, depth, total_depth, id
// --- ladybug
UNWIND $ids AS sid
MATCH (s:Node {id: sid})
OPTIONAL MATCH (s)-[e:BUILDS_ON|CITES* SHORTEST 1..10 (r, m | WHERE r.trust >= $min_trust AND ($include_cites = 'yes' OR label(r) = 'BUILDS_ON') AND ($contrast = 'yes' OR NOT coalesce(r.kind, '') IN $contrast_kinds))]->(a:Node)
WHERE length(e) <= $depth
WITH sid, collect({id: a.id, d: length(e)}) + [{id: sid, d: 0}] AS reach
UNWIND reach AS x
WITH sid, x WHERE x.id IS NOT NULL
WITH x.id AS rid, count(DISTINCT sid) AS reached, max(x.d) AS depth, to_int64(sum(x.d)) AS total
WHERE reached = size($ids)
WITH collect(rid) AS root_ids, collect({id: rid, depth: depth, total: total}) AS roots
UNWIND roots AS x
MATCH (root:Node {id: x.id})
OPTIONAL MATCH (b:Node)-[r:BUILDS_ON|CITES]->(root)
WHERE b.id IN root_ids AND r.trust >= $min_trust AND ($include_cites = 'yes' OR label(r) = 'BUILDS_ON') AND ($contrast = 'yes' OR NOT coalesce(r.kind, '') IN $contrast_kinds)
WITH root, x.depth AS depth, x.total AS total, count(b) = 0 AS nearest
WHERE $scope = 'all' OR nearest
RETURN root.id AS id, root.name AS name, root.label AS label, depth, total AS total_depth, nearest
ORDER BY nearest DESC, depth, total_depth, id
