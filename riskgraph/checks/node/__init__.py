"""Posture checks of the node family."""
