"""Reports of what the queries found: Graphviz diagrams and their style, terminal tables."""
