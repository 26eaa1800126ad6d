// Create or replace a segment (created_at is kept from the first write).
MERGE (s:Segment {id: $id})
ON CREATE SET s.created_at = $created_at
SET s.name = $name, s.description = $description, s.condition = $condition,
    s.updated_at = $updated_at
