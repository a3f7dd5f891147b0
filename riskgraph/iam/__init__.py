"""IAM policy evaluation: who may do what in the AWS accounts of the input.

::

    from riskgraph.iam import access_for
    access = access_for(inv.aws)
    access.can(role, "s3:GetObject", "arn:aws:s3:::logs/*")
    access.can_assume(user, role)
    access.is_admin(role)
"""

from riskgraph.iam.access import AccountAccess, access_for
from riskgraph.iam.actions import actions_matching
from riskgraph.iam.evaluate import Decision, evaluate
from riskgraph.iam.policy import Caller, Policy, PolicyError, Statement, compile_policy
from riskgraph.iam.resource import Said, admits_account, policy_admits

__all__ = ["AccountAccess", "Caller", "Decision", "Policy", "PolicyError", "Said", "Statement",
           "access_for", "actions_matching", "admits_account", "compile_policy", "evaluate",
           "policy_admits"]
