"""Posture checks of where pods are scheduled."""
