"""The build on several cores: forked workers that run techniques (:mod:`.workers`) and
the compact form a technique's edges travel back in (:mod:`.edge_batch`)."""
