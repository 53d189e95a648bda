// name: top-influential
// description: The most cited papers, models or methods: citations (of the paper itself, or of the papers introducing a model or method), then builds-on count.
// param label: choice[Paper|Model|Method|any] = Paper -- which kind of node to rank
// param category: str = any -- only papers in this arXiv category, or under this prefix (cs.CL, cs); models and methods have none
// param source: choice[any|curated|arxiv|semantic_scholar|openalex|hf_card|hf_hub|edge_list|extracted] = any -- only nodes this source stated (arxiv: leaves out papers known only from an edge list)
// param min_trust: int = 1 (1..3) -- 1 includes extracted edges, 2 needs a sourced record, 3 curated only
// param limit: int = 20 (1..500) -- at most this many nodes, most cited first
// returns: id, name, label, citations, built_on
// subgraph: id
// example: lineage query top-influential label=Paper category=cs.CL limit=10
// citations counts distinct citing papers; built_on counts what builds on the node directly.
// Sibling: the pagerank analytic (influence through the whole graph, not just direct counts).
// --- neo4j
// At the default min_trust every edge counts, and the store keeps those counts on each node
// with an index per label (graph/neo4j_derived.py): each branch reads its label's index in rank
// order and stops at the limit (250 ms -> 3 ms at 1M edges). A stricter min_trust counts live.
// Nodes counted nothing are dropped after the limit, not before: they rank last, so the rows
// are the same, and "citations > 0 OR built_on > 0" before it made the planner seek the index
// twice and sort every counted node (BENCHMARKS.md, session 13).
// `WITH 1 AS one WHERE <parameters>` makes Neo4j skip a branch before it touches any node.
CALL () {
  WITH 1 AS one WHERE $min_trust <= 1 AND $label IN ['any', 'Paper']
  MATCH (n:Paper)
  WHERE n.citation_count >= 0 AND n.built_on_count >= 0
    AND ($category = 'any' OR any(c IN coalesce(n.categories, []) WHERE c STARTS WITH $category))
    AND ($source = 'any' OR $source IN n.sources)
  WITH n, n.citation_count AS citations, n.built_on_count AS built_on
  ORDER BY citations DESC, built_on DESC, n.id
  LIMIT $limit
  WITH n, citations, built_on WHERE citations > 0 OR built_on > 0
  RETURN n, citations, built_on
  UNION ALL
  WITH 1 AS one WHERE $min_trust <= 1 AND $label IN ['any', 'Model']
  MATCH (n:Model)
  WHERE n.citation_count >= 0 AND n.built_on_count >= 0
    AND ($category = 'any' OR any(c IN coalesce(n.categories, []) WHERE c STARTS WITH $category))
    AND ($source = 'any' OR $source IN n.sources)
  WITH n, n.citation_count AS citations, n.built_on_count AS built_on
  ORDER BY citations DESC, built_on DESC, n.id
  LIMIT $limit
  WITH n, citations, built_on WHERE citations > 0 OR built_on > 0
  RETURN n, citations, built_on
  UNION ALL
  WITH 1 AS one WHERE $min_trust <= 1 AND $label IN ['any', 'Method']
  MATCH (n:Method)
  WHERE n.citation_count >= 0 AND n.built_on_count >= 0
    AND ($category = 'any' OR any(c IN coalesce(n.categories, []) WHERE c STARTS WITH $category))
    AND ($source = 'any' OR $source IN n.sources)
  WITH n, n.citation_count AS citations, n.built_on_count AS built_on
  ORDER BY citations DESC, built_on DESC, n.id
  LIMIT $limit
  WITH n, citations, built_on WHERE citations > 0 OR built_on > 0
  RETURN n, citations, built_on
  UNION ALL
  WITH 1 AS one WHERE $min_trust > 1
  MATCH (n:Paper|Model|Method)
  WHERE ($label = 'any' OR n.label = $label)
    AND ($category = 'any' OR any(c IN coalesce(n.categories, []) WHERE c STARTS WITH $category))
    AND ($source = 'any' OR $source IN n.sources)
  WITH n,
       COUNT { MATCH (n)<-[c:CITES]-(:Node) WHERE c.trust >= $min_trust } AS direct,
       CASE WHEN n:Paper THEN 0
            ELSE COUNT { MATCH (n)<-[:INTRODUCES]-(:Node)<-[c:CITES]-(:Node) WHERE c.trust >= $min_trust } END AS via_paper,
       COUNT { MATCH (n)<-[b:BUILDS_ON]-(:Node) WHERE b.trust >= $min_trust } AS built_on
  WHERE direct + via_paper + built_on > 0
  RETURN n, direct + via_paper AS citations, built_on
}
WITH n, citations, built_on
ORDER BY citations DESC, built_on DESC, n.id
LIMIT $limit
RETURN n.id AS id, n.name AS name, n.label AS label, citations, built_on
// --- ladybug
// Ladybug refuses a parameter inside any(... WHERE ...) or left of IN; taken into variables
// first, the same filters read as in the Neo4j text (which the parity tests also run on Neo4j).
WITH $category AS category, $source AS source
MATCH (n:Node)
WHERE (($label = 'any' AND n.label IN ['Paper', 'Model', 'Method']) OR n.label = $label)
  AND (category = 'any' OR any(c IN n.categories WHERE c STARTS WITH category))
  AND (source = 'any' OR source IN n.sources)
WITH n,
     COUNT { MATCH (n)<-[c:CITES]-(:Node) WHERE c.trust >= $min_trust } AS direct,
     COUNT { MATCH (n)<-[:INTRODUCES]-(:Node)<-[c:CITES]-(:Node) WHERE c.trust >= $min_trust } AS via_paper,
     COUNT { MATCH (n)<-[b:BUILDS_ON]-(:Node) WHERE b.trust >= $min_trust } AS built_on
WHERE direct + via_paper + built_on > 0
RETURN n.id AS id, n.name AS name, n.label AS label, direct + via_paper AS citations, built_on
ORDER BY citations DESC, built_on DESC, id
LIMIT $limit
