"""Kubernetes RBAC techniques: what a binding lets a subject do."""
