"""Network steps: the internet into services, services into pods, pods into pods and AWS
services."""
