// name: dataset-models
// description: The models trained on a dataset, oldest first (undated ones last).
// param id: node -- the dataset (e.g. dataset:HuggingFaceH4/ultrachat_200k)
// param min_trust: int = 1 (1..3) -- 2 needs a sourced record (a card), 3 curated only
// returns: id, name, date, trust
// subgraph: $id, id
// example: lineage query dataset-models id=dataset:phi-textbook-quality-data
MATCH (d:Node {id: $id})<-[e:TRAINED_ON]-(m:Node)
WHERE e.trust >= $min_trust
RETURN m.id AS id, m.name AS name, m.date AS date, e.trust AS trust
ORDER BY coalesce(date, '9999-12-31'), id
