"""Container escapes: from a container to its node (host namespaces, capabilities, host
paths, runtime flaws)."""
