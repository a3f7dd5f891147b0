"""Node steps: from a node to the pods on it, its kubelet identity and its IAM role."""
