"""The micro-credential model: EU standard elements, their ELM rendering and reading."""
