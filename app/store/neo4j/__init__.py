"""The Neo4j store: the identity graph as nodes and relationships, over the Bolt driver."""
