// name: license-drift
// description: Derivatives of a model whose declared license is not what the licenses above them allow (a Llama 2 fine-tune declaring apache-2.0 or mit; an MIT model's GGUF declaring other), each with its path to the base and each hop's license.
// param id: node -- the base model (e.g. model:llama-2)
// param depth: int = 10 (1..10) -- generations below the base
// param min_trust: int = 1 (1..3) -- 1 includes extracted edges, 2 needs a sourced record, 3 curated only
// param kinds: list of kinds = [fine_tuned_from,adapter_of,merged_from,quantized_from,variant_of,distilled_from,derived_from] -- builds-on kinds that make a derivative
// param show: choice[drift|undeclared|all] = drift -- drift: derivatives whose license drifts; undeclared: those declaring none (never drift); all: every derivative with its status
// returns: id, name, license, depth, path, licenses, license_names, kinds, status, why
// filled: status, why
// filter: license_drift
// subgraph: $id, path
// example: lineage query license-drift id=model:llama-2
// One row per derivative, on one shortest path to the base: path runs from the derivative
// (first) to the base (last), licenses and license_names are each hop's declared license (empty:
// none) and its license_name where that is other, kinds each hop's builds-on kind. The Cypher
// lists every derivative; status and why come from the rule table in graph/licenses.py (drift,
// ok, undeclared, unchecked), applied by queries/licenses.py, which keeps the rows show= asks for.
// --- neo4j
MATCH p = ANY SHORTEST (b:Node {id: $id})<-[r:BUILDS_ON WHERE r.trust >= $min_trust AND r.kind IN $kinds AND NOT r.kind IN $contrast_kinds]-{1,10}(n:Node)
WHERE length(p) <= $depth AND n.id <> $id AND n.label = 'Model'
WITH n, length(p) AS depth, reverse(nodes(p)) AS hops, reverse(relationships(p)) AS rels
RETURN n.id AS id, n.name AS name, n.license AS license, depth,
       [x IN hops | x.id] AS path, [x IN hops | coalesce(x.license, '')] AS licenses, [x IN hops | coalesce(x.license_name, '')] AS license_names,
       [x IN rels | x.kind] AS kinds
ORDER BY depth, id
// --- ladybug
MATCH p = (b:Node {id: $id})<-[e:BUILDS_ON* SHORTEST 1..10 (r, m | WHERE r.trust >= $min_trust AND r.kind IN $kinds AND NOT r.kind IN $contrast_kinds)]-(n:Node)
WHERE length(e) <= $depth AND n.id <> $id AND n.label = 'Model'
RETURN n.id AS id, n.name AS name, n.license AS license, length(e) AS depth,
       list_reverse(properties(nodes(p), 'id')) AS path, list_reverse(list_transform(nodes(p), x -> coalesce(x.license, ''))) AS licenses,
       list_reverse(list_transform(nodes(p), x -> coalesce(x.license_name, ''))) AS license_names,
       list_reverse(list_transform(rels(e), x -> x.kind)) AS kinds
ORDER BY depth, id
