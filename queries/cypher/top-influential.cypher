// name: top-influential
// description: The most cited papers, models or methods: citations (of the paper itself, or of the papers introducing a model or method), then builds-on count.
// param label: choice[Paper|Model|Method|any] = Paper -- which kind of node to rank
// param min_trust: int = 1 (1..3) -- 1 includes extracted edges, 2 needs a sourced record, 3 curated only
// param limit: int = 20 (1..500) -- at most this many nodes, most cited first
// returns: id, name, label, citations, built_on
// subgraph: id
// example: lineage query top-influential label=Model limit=10
// citations counts distinct citing papers; built_on counts what builds on the node directly.
// Sibling: the pagerank analytic (influence through the whole graph, not just direct counts).
MATCH (n:Node)
WHERE ($label = 'any' AND n.label IN ['Paper', 'Model', 'Method']) OR n.label = $label
WITH n,
     COUNT { MATCH (n)<-[c:CITES]-(:Node) WHERE c.trust >= $min_trust } AS direct,
     COUNT { MATCH (n)<-[:INTRODUCES]-(:Node)<-[c:CITES]-(:Node) WHERE c.trust >= $min_trust } AS via_paper,
     COUNT { MATCH (n)<-[b:BUILDS_ON]-(:Node) WHERE b.trust >= $min_trust } AS built_on
WHERE direct + via_paper + built_on > 0
RETURN n.id AS id, n.name AS name, n.label AS label, direct + via_paper AS citations, built_on
ORDER BY citations DESC, built_on DESC, id
LIMIT $limit
