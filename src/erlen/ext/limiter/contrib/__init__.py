"""Key functions for particular deployments."""
