"""Helpers more than one technique family uses: vertex ids and evidence, RBAC rule
matching and capability hubs, and the AWS side of nodes."""
