// name: descendants
// description: Everything that builds on a node, transitively: what came of a model, method or paper (not what replaced it or was compared with it, unless contrast=yes).
// param id: node -- the model, method or paper to start from (e.g. method:dpo)
// param depth: int = 3 (1..10) -- how many builds-on hops to follow
// param min_trust: int = 1 (1..3) -- 1 includes extracted edges, 2 needs a sourced record, 3 curated only
// param kinds: list of kinds = [] -- only these builds-on kinds, e.g. fine_tuned_from,uses_method (empty: all)
// param include_cites: choice[no|yes] = no -- also follow citations (papers only; kinds must be empty)
// param contrast: choice[no|yes] = no -- also follow contrast relations (replaces, compared_with)
// param since: date = -- only what came on or after this date (YYYY-MM-DD; undated nodes are left out)
// returns: id, name, label, depth, date, via, via_kind, via_source
// reached: in
// filled: via, via_kind, via_source
// subgraph: $id, id
// example: lineage query descendants id=method:dpo
// date is the node's own, else that of the earliest paper introducing it. via, via_kind and
// via_source name the hop each row was reached by (queries/hops.py), also when since= leaves
// the node it came through out. $contrast_kinds comes from graph.schema.CONTRAST_KINDS.
// --- neo4j
MATCH p = ANY SHORTEST (start:Node {id: $id})<-[r:BUILDS_ON|CITES WHERE r.trust >= $min_trust AND (size($kinds) = 0 OR r.kind IN $kinds) AND ($contrast = 'yes' OR NOT coalesce(r.kind, '') IN $contrast_kinds) AND ($include_cites = 'yes' OR type(r) = 'BUILDS_ON')]-{1,10}(n:Node)
WHERE length(p) <= $depth AND n.id <> $id
WITH n, length(p) AS depth
OPTIONAL MATCH (intro:Node)-[:INTRODUCES]->(n)
WITH n, depth, min(intro.date) AS introduced
WITH n, depth, coalesce(n.date, introduced) AS date
WHERE $since = '' OR date >= $since
RETURN n.id AS id, n.name AS name, n.label AS label, depth, date
ORDER BY depth, id
// --- ladybug
MATCH (start:Node {id: $id})<-[e:BUILDS_ON|CITES* SHORTEST 1..10 (r, m | WHERE r.trust >= $min_trust AND (size($kinds) = 0 OR r.kind IN $kinds) AND ($contrast = 'yes' OR NOT coalesce(r.kind, '') IN $contrast_kinds) AND ($include_cites = 'yes' OR label(r) = 'BUILDS_ON'))]-(n:Node)
WHERE length(e) <= $depth AND n.id <> $id
WITH n, length(e) AS depth
OPTIONAL MATCH (intro:Node)-[:INTRODUCES]->(n)
WITH n, depth, min(intro.date) AS introduced
WITH n, depth, coalesce(n.date, introduced) AS date
WHERE $since = '' OR date >= $since
RETURN n.id AS id, n.name AS name, n.label AS label, depth, date
ORDER BY depth, id
