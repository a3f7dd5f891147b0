"""Sources -> Inventory: offline files, live clusters and snapshots of them; live clients
(kubernetes, boto3) read into the same JSON so one parser serves both."""

from ingest._objects import ParsedObjects
from ingest.aws_live import AwsAccountReader, AwsTarget, CallRead
from ingest.k8s_files import inventory_from_text, load_k8s, parse_text, read_k8s
from ingest.k8s_live import KubeTarget, LiveCluster, PageProgress, PageRead, read_cluster
from ingest.snapshot_writers import write_aws_snapshot, write_snapshot

__all__ = ["AwsAccountReader", "AwsTarget", "CallRead", "KubeTarget", "LiveCluster",
           "PageProgress", "PageRead", "ParsedObjects", "inventory_from_text", "load_k8s",
           "parse_text", "read_cluster", "read_k8s", "write_aws_snapshot", "write_snapshot"]
