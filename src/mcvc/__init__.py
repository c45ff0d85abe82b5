"""mcvc."""
