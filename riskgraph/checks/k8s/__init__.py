"""Posture checks of the k8s family."""
