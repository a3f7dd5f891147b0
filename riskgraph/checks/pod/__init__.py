"""Posture checks of the pod family."""
