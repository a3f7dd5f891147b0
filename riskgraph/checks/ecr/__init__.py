"""Posture checks of the ecr family."""
