"""Sources -> Inventory: offline files now; live clients (kubernetes, boto3) read into the
same JSON so one parser serves both."""

from ingest.k8s_files import (
    ParsedObjects,
    inventory_from_text,
    load_k8s,
    parse_text,
    read_k8s,
)

__all__ = ["ParsedObjects", "inventory_from_text", "load_k8s", "parse_text", "read_k8s"]
