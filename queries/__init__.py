"""Pure questions over the attack graph: which routes lead from here to there, which route
patterns they share, which changes cut the most of them, what falls with a vertex, and the
reverse questions: who reaches a target, who holds a permission, what a subject holds."""

from queries.blast import BlastRadius, Reached, blast_radius
from queries.fixes import FixPlan, RankedFix, fixes
from queries.groups import RouteGroup, paths_document, route_groups
from queries.holders import Holders, holders
from queries.paths import attack_paths
from queries.pathset import AttackPath, PathSet, PathStep
from queries.rbac_view import RbacView, rbac_view
from queries.selectors import SOURCE_FORMS, TARGET_FORMS, resolve_sources, resolve_targets
from queries.whocan import WhoCan, who_can

__all__ = ["SOURCE_FORMS", "TARGET_FORMS", "AttackPath", "BlastRadius", "FixPlan", "Holders",
           "PathSet", "PathStep", "RankedFix", "RbacView", "Reached", "RouteGroup", "WhoCan",
           "attack_paths", "blast_radius", "fixes", "holders", "paths_document", "rbac_view",
           "resolve_sources", "resolve_targets", "route_groups", "who_can"]
