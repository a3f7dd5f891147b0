"""Pure questions over the attack graph: which routes lead from here to there."""

from queries.paths import attack_paths
from queries.pathset import AttackPath, PathSet, PathStep
from queries.selectors import SOURCE_FORMS, TARGET_FORMS, resolve_sources, resolve_targets

__all__ = ["SOURCE_FORMS", "TARGET_FORMS", "AttackPath", "PathSet", "PathStep", "attack_paths",
           "resolve_sources", "resolve_targets"]
