// name: trained-on
// description: The datasets a model was trained on, as the curated seeds or its Hugging Face card state them.
// param id: node -- the model (e.g. model:zephyr-7b or HuggingFaceH4/zephyr-7b-beta's node)
// param min_trust: int = 1 (1..3) -- 2 needs a sourced record (a card), 3 curated only
// returns: id, name, hf_id, trust
// subgraph: $id, id
// example: lineage query trained-on id=model:lima
MATCH (m:Node {id: $id})-[e:TRAINED_ON]->(d:Node)
WHERE e.trust >= $min_trust
RETURN d.id AS id, d.name AS name, d.hf_id AS hf_id, e.trust AS trust
ORDER BY id
