"""Posture checks of the net family."""
