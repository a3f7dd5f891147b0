"""Placement facts: which node pools a pod runs on or may land on."""
