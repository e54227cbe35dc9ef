"""Domain core: knows nothing of Flask requests."""
