"""What the synthetic AWS account adds for IAM escalation: the IAM credential report, the
organization, and a few resources that run with a role (Lambda functions on the lambda
roles, CloudFormation stacks, CodeBuild projects, Auto Scaling groups), with one release
user per team allowed to change its team's functions, stacks and builds (name-prefix grant
patterns every team shares the shape of, so they go through pattern hubs)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from itertools import chain
from typing import Any

from bench._aws_encoding import EPOCH
from bench._aws_endpoints import Endpoints
from bench._iam_docs import allow, arn, doc
from bench._plan import ACCOUNT, OTHER_ACCOUNT, TEAMS

#: Stacks, build projects and Auto Scaling groups per team.
PER_TEAM = 3
_REPORT_HEADER = ("user,arn,user_creation_time,password_enabled,password_last_used,"
                  "password_last_changed,password_next_rotation,mfa_active,"
                  "access_key_1_active,access_key_1_last_rotated,access_key_2_active,"
                  "access_key_2_last_rotated\n")


class Services(Endpoints):
    """The documents of the account's role-running resources, report and organization."""

    def services(self) -> Iterator[Iterator[str]]:
        yield self.document([("ReportFormat", "text/csv"), ("GeneratedTime", self.when()),
                             ("Content", self.credential_report())])
        yield self.document([("Organization", {
            "Id": f"o-{self.token(10).lower()}", "MasterAccountId": OTHER_ACCOUNT,
            "FeatureSet": "ALL"})])
        yield self.document([("Accounts", iter([{"Id": ACCOUNT}, {"Id": OTHER_ACCOUNT}]))])
        runners = [r for r in self.role_by_family("lambda", "service", "ecs")]
        yield self.document([("Functions", (
            {"FunctionName": f"{r.team}-{r.name}", "Role": r.arn, "Runtime": "python3.12",
             "FunctionArn": arn("lambda", f"function:{r.team}-{r.name}")}
            for r in self.role_by_family("lambda")))])
        yield self.document([("Stacks", (
            {"StackName": f"{team}-stack-{n}", "StackStatus": "UPDATE_COMPLETE",
             "StackId": arn("cloudformation", f"stack/{team}-stack-{n}/{self.uuid()}"),
             **({"RoleARN": self.rng.choice(runners).arn} if runners else {})}
            for team in TEAMS for n in range(PER_TEAM)))])
        yield self.document([("projects", (
            {"name": f"{team}-build-{n}", "arn": arn("codebuild", f"project/{team}-build-{n}"),
             **({"serviceRole": self.rng.choice(runners).arn} if runners else {})}
            for team in TEAMS for n in range(PER_TEAM)))])
        yield self.document([("AutoScalingGroups", (
            {"AutoScalingGroupName": f"{team}-asg-{n}", "AutoScalingGroupARN": arn(
                "autoscaling", f"autoScalingGroup:{self.uuid()}:"
                f"autoScalingGroupName/{team}-asg-{n}")}
            for team in TEAMS for n in range(PER_TEAM)))])

    def credential_report(self) -> str:
        rows = []
        for user in self.users:
            keys = self.rng.choice(("false,N/A,false,N/A", f"true,{self.when()},false,N/A",
                                    f"true,{self.when()},true,{self.when()}"))
            rows.append(f"{user.name},arn:aws:iam::{ACCOUNT}:user/{user.name},{self.when()},"
                        f"{str(self.rng.random() < 0.6).lower()},N/A,N/A,N/A,false,{keys}\n")
        return base64.b64encode((_REPORT_HEADER + "".join(rows)).encode()).decode()

    def authorization_details(self) -> Iterator[str]:
        return self.document([("UserDetailList", chain(map(self.user, self.users),
                                                       map(release_user, TEAMS))),
                              ("GroupDetailList", map(self.group, self.groups)),
                              ("RoleDetailList", map(self.role, self.roles)),
                              ("Policies", self.policies())])


def release_user(team: str) -> dict[str, Any]:
    """A team's release user; drawn from no random generator, so that adding it leaves the
    rest of the account as it was."""
    name = f"{team}-release"
    return {"Path": "/", "UserName": name, "UserId": f"AIDARELEASE{TEAMS.index(team):09d}",
            "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}", "CreateDate": EPOCH.isoformat(),
            "GroupList": [], "AttachedManagedPolicies": [],
            "Tags": [{"Key": "team", "Value": team}],
            "UserPolicyList": [{"PolicyName": "release", "PolicyDocument": doc(
                allow("lambda:UpdateFunctionCode", arn("lambda", f"function:{team}-*")),
                allow("cloudformation:UpdateStack", arn("cloudformation",
                                                        f"stack/{team}-*")),
                allow("codebuild:StartBuild", arn("codebuild", f"project/{team}-*")))}]}
