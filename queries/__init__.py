"""Pure questions over the attack graph: which routes lead from here to there, which route
patterns they share, which changes cut the most of them, and what falls with a vertex."""

from queries.blast import BlastRadius, Reached, blast_radius
from queries.fixes import FixPlan, RankedFix, fixes
from queries.groups import RouteGroup, paths_document, route_groups
from queries.paths import attack_paths
from queries.pathset import AttackPath, PathSet, PathStep
from queries.selectors import SOURCE_FORMS, TARGET_FORMS, resolve_sources, resolve_targets

__all__ = ["SOURCE_FORMS", "TARGET_FORMS", "AttackPath", "BlastRadius", "FixPlan", "PathSet",
           "PathStep", "RankedFix", "Reached", "RouteGroup", "attack_paths", "blast_radius",
           "fixes", "paths_document", "resolve_sources", "resolve_targets", "route_groups"]
