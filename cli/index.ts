// cli/: its public surface, what other folders import from it.
