// name: search
// description: Find nodes by name, title, alias or id (case-insensitive): exact matches first, then prefixes, then substrings.
// param q: str -- the text to look for, e.g. zephyr, Direct Preference Optimization or arxiv:2310.06825
// param limit: int = 20 (1..2000) -- at most this many matches
// returns: id, name, label, aliases, rank
// subgraph: id
// example: lineage query search q=zephyr
// One text for both engines. Aliases are a list column; Ladybug gets quantifiers such as
// any(a IN n.aliases WHERE ...) wrong when a query holds more than one, so every searchable text
// (aliases, name, id) is unwound into rows and the best rank per node is taken with min().
// rank 0: the whole text (or the id key after the colon) equals the query; 1: a prefix; 2: a substring.
// --- neo4j
// n.search_text holds the same texts lower-cased (kept by the store, graph/neo4j_derived.py), so
// Neo4j's text index finds the candidates instead of a scan of every node (150 ms -> 4 ms at
// 1M edges for a specific query; a query matching most nodes still reads them all).
WITH lower($q) AS q
MATCH (n:Node)
WHERE n.search_text CONTAINS q
UNWIND coalesce(n.aliases, []) + [coalesce(n.name, ''), n.id] AS text
WITH n, q, lower(text) AS t
WHERE t CONTAINS q
WITH n, min(CASE
  WHEN t = q OR t ENDS WITH (':' + q) THEN 0
  WHEN t STARTS WITH q OR t CONTAINS (':' + q) THEN 1
  ELSE 2 END) AS rank
RETURN n.id AS id, n.name AS name, n.label AS label, coalesce(n.aliases, []) AS aliases, rank
ORDER BY rank, CASE label WHEN 'Model' THEN 0 WHEN 'Method' THEN 1 WHEN 'Paper' THEN 2 ELSE 3 END, size(coalesce(name, '')), id
LIMIT $limit
// --- ladybug
WITH lower($q) AS q
MATCH (n:Node)
UNWIND coalesce(n.aliases, []) + [coalesce(n.name, ''), n.id] AS text
WITH n, q, lower(text) AS t
WHERE t CONTAINS q
WITH n, min(CASE
  WHEN t = q OR t ENDS WITH (':' + q) THEN 0
  WHEN t STARTS WITH q OR t CONTAINS (':' + q) THEN 1
  ELSE 2 END) AS rank
RETURN n.id AS id, n.name AS name, n.label AS label, coalesce(n.aliases, []) AS aliases, rank
ORDER BY rank, CASE label WHEN 'Model' THEN 0 WHEN 'Method' THEN 1 WHEN 'Paper' THEN 2 ELSE 3 END, size(coalesce(name, '')), id
LIMIT $limit
