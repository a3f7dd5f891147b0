"""IAM and EKS-API techniques: escalation inside an AWS account and from AWS into the cluster."""
