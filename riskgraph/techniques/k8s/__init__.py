"""Cluster-wide powers: who holds cluster-admin."""
