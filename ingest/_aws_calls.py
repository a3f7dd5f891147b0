"""How riskgraph calls AWS: one boto3 client per service and region with adaptive retries,
every list read through its paginator, and each failed call turned into a problem.

A call that is refused (no permission, a service the region lacks, throttling that outlasts
the retries) degrades only what that call reads; credentials that are missing, expired or
not valid in a region end the read with an :class:`~riskgraph.errors.InputError`, because
then every later call would fail too. boto3 and botocore are imported where a client is
made or an error is caught, so commands that read files only do not pay for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from riskgraph.errors import InputError, Problem

if TYPE_CHECKING:
    import boto3
    from botocore.client import BaseClient

__all__ = ["MAX_ATTEMPTS", "CallRead", "Calls", "Operation", "cli_name", "plain"]

#: Attempts per call, in botocore's adaptive retry mode: it also paces requests when AWS
#: throttles, so a read of a large account slows down instead of failing.
MAX_ATTEMPTS = 10
#: Response keys that are paging or transport bookkeeping, not part of the CLI's output.
_BOOKKEEPING = frozenset({"ResponseMetadata", "IsTruncated", "Truncated", "Marker",
                          "NextMarker", "NextToken", "nextToken", "ContinuationToken"})
#: Error codes that mean "this identity may not make this call".
_DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                     "AuthorizationError", "UnauthorizedException"})
#: Error codes that mean the credentials themselves are refused (in this region).
_BAD_CREDENTIALS = frozenset({"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId",
                              "UnrecognizedClientException", "AuthFailure", "RequestExpired",
                              "SignatureDoesNotMatch", "InvalidAccessKeyId"})
_MESSAGE_LENGTH = 200
#: IAM actions whose name is not the API operation's.
_ACTION_NAMES = {("s3", "ListBuckets"): "s3:ListAllMyBuckets"}
#: Services whose IAM actions carry another prefix than the client's name.
_ACTION_PREFIXES = {"opensearch": "es"}


class CallRead(NamedTuple):
    """Progress of one AWS operation in one region (``region`` None for global services):
    ``items`` read so far. Every operation ends with one ``done`` event; ``error`` then says
    what failed, if anything did."""

    service: str
    operation: str
    region: str | None
    items: int
    done: bool
    error: str | None = None


def cli_name(operation: str) -> str:
    """The AWS CLI's spelling of a boto3 method name.

    >>> cli_name("get_account_authorization_details")
    'get-account-authorization-details'
    """
    return operation.replace("_", "-")


def plain(value: Any) -> Any:
    """A boto3 response as the CLI prints it: JSON types only, dates as ISO 8601 text."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _document(response: dict[str, Any]) -> dict[str, Any]:
    return {key: plain(value) for key, value in response.items() if key not in _BOOKKEEPING}


class Operation:
    """One API operation in one region, however often it is called: what it read, and
    what failed (folded into one problem per error code when the operation ends)."""

    def __init__(self, calls: Calls, service: str, name: str, region: str | None,
                 what: str, absent: frozenset[str]) -> None:
        self._calls, self.service, self.name, self.region = calls, service, name, region
        self.what, self.absent = what, absent
        self.items = self.attempts = 0
        #: (error code, message, the resource the call was about) of each failure.
        self.failures: list[tuple[str, str, str]] = []

    @property
    def source(self) -> str:
        """How problems and documents name the operation: ``aws:ec2 describe-instances
        eu-west-1``."""
        where = f" {self.region}" if self.region else ""
        return f"aws:{self.service} {cli_name(self.name)}{where}"

    def pages(self, key: str | tuple[str, ...], about: str = "", **params: Any
              ) -> Iterator[dict[str, Any]]:
        """Each page of a paginated list as a document; ``key`` names the list (or lists)
        it returns, which progress counts."""
        from botocore.exceptions import BotoCoreError, ClientError
        from botocore.parsers import ResponseParserError

        keys = (key,) if isinstance(key, str) else key
        client = self._calls.client(self.service, self.region)
        self.attempts += 1
        try:
            for page in client.get_paginator(self.name).paginate(**params):
                document = _document(page)
                self.items += sum(len(document.get(k) or ()) for k in keys)
                self._calls.report(self, done=False)
                yield document
        except (ClientError, BotoCoreError, ResponseParserError) as error:
            self._failed(error, about)

    def items_of(self, key: str, about: str = "", **params: Any) -> list[Any] | None:
        """Every item of a paginated list (ids and names: small); None when it failed."""
        before = len(self.failures)
        found = [item for page in self.pages(key, about, **params) for item in page.get(key) or ()]
        return None if len(self.failures) > before else found

    def call(self, about: str = "", **params: Any) -> dict[str, Any] | None:
        """One call's response as a document; None when it failed or the thing is absent."""
        from botocore.exceptions import BotoCoreError, ClientError
        from botocore.parsers import ResponseParserError

        client = self._calls.client(self.service, self.region)
        self.attempts += 1
        try:
            response = getattr(client, self.name)(**params)
        except (ClientError, BotoCoreError, ResponseParserError) as error:
            self._failed(error, about)
            return None
        self.items += 1
        self._calls.report(self, done=False)
        return _document(response)

    def _failed(self, error: Exception, about: str) -> None:
        """Record a failed call, or raise when the credentials are the trouble.

        Raises
        ------
        InputError
            When AWS refuses the credentials, or there are none.
        """
        from botocore.exceptions import ClientError

        if isinstance(error, ClientError):
            details = error.response.get("Error", {})
            code, message = str(details.get("Code", "")), str(details.get("Message", ""))
            if code in self.absent:
                return
            if code in _BAD_CREDENTIALS:
                raise self._calls.refused(f"{code}: {message}", self.region) from None
        else:
            if _is_credential_error(error):
                raise InputError(
                    f"no usable AWS credentials for {self._calls.label} ({error}): configure "
                    "them (`aws configure`, `aws configure sso` and `aws sso login`) and give "
                    "the profile with --aws-profile") from None
            code, message = type(error).__name__, str(error)
        # One line, and short: a proxy or a stand-in server may answer with a whole page
        # (which botocore cannot parse: ResponseParserError).
        self.failures.append((code, " ".join(message.split())[:_MESSAGE_LENGTH], about))

    def problems(self) -> list[Problem]:
        """One problem per error code: what is missing, and for a refusal what to grant."""
        by_code: dict[str, list[tuple[str, str, str]]] = {}
        for failure in self.failures:
            by_code.setdefault(failure[0], []).append(failure)
        found = []
        for code, failures in by_code.items():
            _, message, about = failures[0]
            if self.attempts > 1:
                examples = ", ".join(f[2] for f in failures[:3] if f[2]) + (
                    ", ..." if len(failures) > 3 else "")
                missing = f"{self.what} ({len(failures)} of {self.attempts} calls: {examples})"
            else:
                missing = self.what + (f" ({about})" if about else "")
            if code in _DENIED:
                text = f"access denied ({code}): {missing} not read; grant " \
                       f"{self.action} to read them"
            else:
                text = f"{code}: {message or 'call failed'}; {missing} not read"
            found.append(Problem(self.source, text + " — analysis continues without them"))
        return found

    @property
    def action(self) -> str:
        """The IAM action that permits this operation (``ec2:DescribeInstances``)."""
        api = self._calls.client(self.service, self.region).meta.method_to_api_mapping[
            self.name]
        prefix = _ACTION_PREFIXES.get(self.service, self.service)
        return _ACTION_NAMES.get((self.service, api), f"{prefix}:{api}")


def _is_credential_error(error: Exception) -> bool:
    from botocore import exceptions as e

    return isinstance(error, e.NoCredentialsError | e.PartialCredentialsError
                      | e.CredentialRetrievalError | e.TokenRetrievalError | e.SSOError
                      | e.UnknownCredentialError | e.NoAuthTokenError)


class Calls:
    """The clients of one session, and the operations made with them so far."""

    def __init__(self, session: boto3.Session, label: str, home_region: str,
                 endpoint_url: str | None) -> None:
        self.session, self.label, self.endpoint_url = session, label, endpoint_url
        #: Where clients of global services (IAM, S3, Organizations, STS) are made.
        self.home_region = home_region
        #: The account the credentials belong to, and its partition, once STS said.
        self.account: str | None = None
        self.partition = "aws"
        self.progress: Callable[[CallRead], None] | None = None
        self.problems: list[Problem] = []
        self._clients: dict[tuple[str, str | None], BaseClient] = {}
        self._open: dict[tuple[str, str, str | None], Operation] = {}

    def client(self, service: str, region: str | None) -> BaseClient:
        """The one client of ``service`` in ``region`` (``None``: a global service's)."""
        key = (service, region)
        if key not in self._clients:
            from botocore.config import Config

            config = Config(retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS})
            self._clients[key] = self.session.client(
                service, region_name=region or self.home_region,  # type: ignore[call-overload]
                endpoint_url=self.endpoint_url, config=config)
        return self._clients[key]

    def operation(self, service: str, name: str, region: str | None, what: str,
                  absent: Sequence[str] = ()) -> Operation:
        """The operation ``name`` of ``service`` in ``region``, open until :meth:`close`."""
        key = (service, name, region)
        if key not in self._open:
            self._open[key] = Operation(self, service, name, region, what, frozenset(absent))
        return self._open[key]

    def close(self) -> None:
        """End the open operations: their last progress event, their problems."""
        for operation in self._open.values():
            if not operation.attempts:
                continue
            self.problems.extend(operation.problems())
            failures = operation.failures
            self.report(operation, done=True,
                        error=f"{failures[0][0]}: {failures[0][1]}" if failures else None)
        self._open.clear()

    def report(self, operation: Operation, done: bool, error: str | None = None) -> None:
        if self.progress is not None:
            self.progress(CallRead(operation.service, cli_name(operation.name),
                                   operation.region, operation.items, done, error))

    def refused(self, reason: str, region: str | None) -> InputError:
        """The error for credentials AWS does not accept (expired, wrong, region not on)."""
        where = f" in {region}" if region else ""
        return InputError(
            f"AWS refused the credentials of {self.label}{where} ({reason}). Check that they "
            "are configured and current (`aws sts get-caller-identity`, `aws sso login`, "
            "--aws-profile)" + (" and that the region is enabled for the account"
                                if region else ""))
