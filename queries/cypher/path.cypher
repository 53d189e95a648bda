// name: path
// description: The shortest connections between two nodes across builds-on, introduces and cites edges, in either direction.
// param source: node -- one end (e.g. arxiv:1706.03762, the Transformer paper)
// param target: node -- the other end (e.g. model:mixtral-8x7b)
// param max_hops: int = 8 (1..10) -- give up beyond this many hops
// param limit: int = 5 (1..100) -- at most this many equally short paths
// returns: hops, ids, names
// subgraph: ids
// example: lineage query path source=arxiv:1706.03762 target=model:mixtral-8x7b
// --- neo4j
MATCH (a:Node {id: $source}), (b:Node {id: $target})
WHERE a <> b  // no path from a node to itself, as on the embedded store (Neo4j's algorithm refuses it)
MATCH p = allShortestPaths((a)-[:BUILDS_ON|INTRODUCES|CITES*..10]-(b))
WHERE length(p) <= $max_hops
RETURN length(p) AS hops, [n IN nodes(p) | n.id] AS ids, [n IN nodes(p) | n.name] AS names
ORDER BY hops, reduce(s = '', x IN ids | s + ' ' + x)
LIMIT $limit
// --- ladybug
MATCH p = (a:Node {id: $source})-[e:BUILDS_ON|INTRODUCES|CITES* ALL SHORTEST 1..10]-(b:Node {id: $target})
WHERE length(e) <= $max_hops
RETURN length(e) AS hops, properties(nodes(p), 'id') AS ids, properties(nodes(p), 'name') AS names
ORDER BY hops, list_to_string(' ', ids)
LIMIT $limit
