"""AI agents: the Model Context Protocol server over the customer use cases."""
