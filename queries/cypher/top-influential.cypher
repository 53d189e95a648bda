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
// --- neo4j
// Every edge has trust >= 1, so at the default min_trust the counts are relationship degrees,
// which Neo4j reads without touching edge properties (measured: the property filter was most
// of the time at 1M edges). Labels are real labels here, so only the asked label is scanned.
MATCH (n:Paper|Model|Method)
WHERE $label = 'any' OR n.label = $label
WITH n,
     CASE WHEN $min_trust <= 1 THEN COUNT { (n)<-[:CITES]-() }
          ELSE COUNT { MATCH (n)<-[c:CITES]-(:Node) WHERE c.trust >= $min_trust } END AS direct,
     CASE WHEN n:Paper THEN 0
          WHEN $min_trust <= 1 THEN COUNT { MATCH (n)<-[:INTRODUCES]-(:Node)<-[:CITES]-() }
          ELSE COUNT { MATCH (n)<-[:INTRODUCES]-(:Node)<-[c:CITES]-(:Node) WHERE c.trust >= $min_trust } END AS via_paper,
     CASE WHEN $min_trust <= 1 THEN COUNT { (n)<-[:BUILDS_ON]-() }
          ELSE COUNT { MATCH (n)<-[b:BUILDS_ON]-(:Node) WHERE b.trust >= $min_trust } END AS built_on
WHERE direct + via_paper + built_on > 0
RETURN n.id AS id, n.name AS name, n.label AS label, direct + via_paper AS citations, built_on
ORDER BY citations DESC, built_on DESC, id
LIMIT $limit
// --- ladybug
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
