// name: path
// description: The shortest connections between two nodes across builds-on, introduces and cites edges, in either direction (contrast relations only with contrast=yes).
// param source: node -- one end (e.g. arxiv:1706.03762, the Transformer paper)
// param target: node -- the other end (e.g. model:mixtral-8x7b)
// param max_hops: int = 8 (1..10) -- give up beyond this many hops
// param limit: int = 5 (1..100) -- at most this many equally short paths
// param contrast: choice[no|yes] = no -- also cross contrast relations (replaces, compared_with)
// returns: hops, ids, names, kinds
// subgraph: ids
// example: lineage query path source=arxiv:1706.03762 target=model:mixtral-8x7b
// kinds names each hop: its builds-on kind, else introduces or cites. $contrast_kinds comes from
// graph.schema.CONTRAST_KINDS (the registry passes it).
// --- neo4j
MATCH (a:Node {id: $source}), (b:Node {id: $target})
WHERE a <> b  // no path from a node to itself, as on the embedded store (Neo4j's algorithm refuses it)
MATCH p = allShortestPaths((a)-[:BUILDS_ON|INTRODUCES|CITES*..10]-(b))
WHERE length(p) <= $max_hops
  AND all(r IN relationships(p) WHERE $contrast = 'yes' OR NOT coalesce(r.kind, '') IN $contrast_kinds)
WITH p, length(p) AS hops, [n IN nodes(p) | n.id] AS ids, [n IN nodes(p) | n.name] AS names,
     [r IN relationships(p) | CASE type(r) WHEN 'BUILDS_ON' THEN r.kind ELSE toLower(type(r)) END] AS kinds
RETURN hops, ids, names, kinds
ORDER BY hops, reduce(s = '', x IN ids | s + ' ' + x), reduce(s = '', x IN kinds | s + ' ' + x)
LIMIT $limit
// --- ladybug
MATCH p = (a:Node {id: $source})-[e:BUILDS_ON|INTRODUCES|CITES* ALL SHORTEST 1..10 (r, m | WHERE $contrast = 'yes' OR NOT coalesce(r.kind, '') IN $contrast_kinds)]-(b:Node {id: $target})
WHERE length(e) <= $max_hops
WITH length(e) AS hops, properties(nodes(p), 'id') AS ids, properties(nodes(p), 'name') AS names,
     list_transform(rels(e), x -> CASE WHEN label(x) = 'BUILDS_ON' THEN x.kind ELSE lower(label(x)) END) AS kinds
RETURN hops, ids, names, kinds
ORDER BY hops, list_to_string(' ', ids), list_to_string(' ', kinds)
LIMIT $limit
