"""Posture checks of container images."""
