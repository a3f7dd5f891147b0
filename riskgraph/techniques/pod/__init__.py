"""Pod steps: from a pod to its containers, service account, mounted secrets and AWS identities."""
