"""Live Kubernetes input: every kind riskgraph reads, listed page by page with the official
``kubernetes`` client as raw API JSON, so that a live cluster, a snapshot of it and a
``kubectl get -o json`` dump all go through the same parser (``ingest._objects``).

Secret values never leave this module: what can hold one (a Secret's data, a ConfigMap's,
containers' literal environment values; see ``ingest._scrub``) is dropped as each page
arrives. A resource type the credentials may not list (403), the cluster does not serve
(404), or whose list keeps failing (429 or a 5xx, a connection broken mid-body, a body cut
short: each page is tried four times, see ``ingest._k8s_pages``) becomes a problem naming
it and the rest is still read; an unreachable server or refused credentials is an
``InputError``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from ingest._k8s_pages import RETRY_DELAYS, RETRY_STATUSES, PageFailure, fetch_page
from ingest._k8s_resources import RESOURCES, Resource
from ingest._objects import ParsedObjects, parse_object
from ingest._scrub import strip_k8s
from riskgraph._gc import gc_paused
from riskgraph.errors import InputError, Problem

if TYPE_CHECKING:
    from kubernetes.client.exceptions import ApiException

__all__ = ["PAGE_SIZE", "RESOURCES", "KubeTarget", "LiveCluster", "PageProgress", "PageRead",
           "Resource", "read_cluster"]

#: Objects asked for per request: big enough to be quick, small enough that one page of
#: pods stays a few megabytes.
PAGE_SIZE = 500


class PageRead(NamedTuple):
    """Progress of one listing: ``page`` pages of ``resource`` read, ``objects`` in all.

    Every resource type ends with one ``done`` event, also when it could not be listed.
    """

    resource: str
    page: int
    objects: int
    done: bool


PageProgress = Callable[[PageRead], None]


@dataclass(frozen=True)
class KubeTarget:
    """Which cluster to read: a kubeconfig context (the current one when ``context`` is
    None; ``$KUBECONFIG`` or ``~/.kube/config`` when ``kubeconfig`` is None), or the
    service account of the pod riskgraph runs in."""

    context: str | None = None
    kubeconfig: str | None = None
    in_cluster: bool = False


class _GiveUp(Exception):
    """A page that could not be had; ``token`` is where the list goes on (None: it ends)."""

    def __init__(self, token: str | None) -> None:
        super().__init__(token)
        self.token = token


def _status(error: ApiException) -> dict[str, Any]:
    """The Status object the API server sent back with an error (empty if it sent none)."""
    try:
        status = json.loads(error.body or "")
    except (TypeError, ValueError):
        return {}
    return status if isinstance(status, dict) else {}


# The kubernetes package takes a third of a second to import, so the methods import it
# when a cluster is read: commands that read files only do not pay for it.
class LiveCluster:
    """A connection to one cluster's API server, and what could not be listed from it.

    Raises
    ------
    InputError
        When the kubeconfig (or in-cluster configuration) cannot be loaded.
    """

    def __init__(self, target: KubeTarget, page_size: int = PAGE_SIZE,
                 retry_delays: tuple[float, ...] = RETRY_DELAYS) -> None:
        from kubernetes import client, config
        from kubernetes.config.config_exception import ConfigException

        configuration = client.Configuration()
        try:
            if target.in_cluster:
                config.load_incluster_config(client_configuration=configuration)
                self.context: str | None = "in-cluster"
            else:
                config.load_kube_config(config_file=target.kubeconfig, context=target.context,
                                        client_configuration=configuration)
                self.context = target.context or config.list_kube_config_contexts(
                    target.kubeconfig)[1].get("name")
        except (ConfigException, OSError) as error:
            where = "the in-cluster service account" if target.in_cluster else (
                f"kubeconfig {target.kubeconfig or '$KUBECONFIG or ~/.kube/config'}"
                + (f", context {target.context!r}" if target.context else ""))
            raise InputError(f"cannot load {where}: {error}") from None
        self.server: str = configuration.host
        self.page_size, self.retry_delays = page_size, retry_delays
        self.problems: list[Problem] = []
        self._api_client = client.ApiClient(configuration)

    @property
    def label(self) -> str:
        """How messages name the cluster: its context and API server."""
        return f"context {self.context} ({self.server})" if self.context else self.server

    def objects(self, progress: PageProgress | None = None) -> Iterator[dict[str, Any]]:
        """Every object of :data:`RESOURCES` as raw API JSON with ``kind`` and ``apiVersion``
        set and secret values removed; ``problems`` is complete once this is exhausted.

        Raises
        ------
        InputError
            When the API server cannot be reached or refuses the credentials.
        """
        for resource in RESOURCES:
            yield from self._list(resource, progress)

    def read(self, progress: PageProgress | None = None) -> ParsedObjects:
        """Every object of :data:`RESOURCES`, parsed; what could not be listed in
        ``problems``."""
        out = ParsedObjects(sources=[self.label])
        with gc_paused():
            for item in self.objects(progress):
                parse_object(item, self.label, None, out)
        out.problems.extend(self.problems)
        return out

    def _list(self, resource: Resource, progress: PageProgress | None
              ) -> Iterator[dict[str, Any]]:
        list_call = resource.list_call(self._api_client)
        token: str | None = None
        page = count = 0
        while True:
            try:
                body = self._page(list_call, token, resource)
            except _GiveUp as stop:
                token = stop.token
                if token is None:
                    if progress is not None:
                        progress(PageRead(resource.plural, page, count, True))
                    return
                continue
            page += 1
            items = body.get("items") or []
            for item in items:
                if isinstance(item, dict):
                    strip_k8s(resource.kind, item)
                    yield {"apiVersion": resource.api_version, "kind": resource.kind, **item}
            count += len(items)
            token = (body.get("metadata") or {}).get("continue") or None
            if progress is not None:
                progress(PageRead(resource.plural, page, count, token is None))
            if token is None:
                return

    def _page(self, list_call: Callable[..., Any], token: str | None, resource: Resource
              ) -> dict[str, Any]:
        """One page, tried again after each of ``retry_delays`` while it fails in passing.

        Raises
        ------
        _GiveUp
            When the page cannot be had; its token is where to go on (None: stop the kind).
        """
        from kubernetes.client.exceptions import ApiException

        tries = 0
        while True:
            last = tries == len(self.retry_delays)
            try:
                return fetch_page(list_call, token, self.page_size, self.label,
                                  resource.plural)
            except ApiException as error:
                if error.status not in RETRY_STATUSES or last:
                    raise _GiveUp(self._failed(resource, error, token)) from None
            except PageFailure as failure:
                if not failure.transient or last:
                    self._give_up(resource, failure.reason, failure.transient, token)
                    raise _GiveUp(None) from None
            time.sleep(self.retry_delays[tries])
            tries += 1

    def _give_up(self, resource: Resource, reason: str, retried: bool, token: str | None
                 ) -> None:
        tries = f" ({len(self.retry_delays) + 1} tries)" if retried else ""
        rest = "the rest of them (the pages before were read)" if token else "them"
        self.problems.append(Problem(
            f"{self.label} {resource.path}", f"could not list {resource.plural}: {reason}"
            f"{tries} — analysis continues without {rest}"))

    def _failed(self, resource: Resource, error: ApiException, token: str | None
                ) -> str | None:
        """Record a failure to list ``resource``; the token to go on with, if any.

        Raises
        ------
        InputError
            When the failure is not limited to this resource type.
        """
        name = resource.plural
        source = f"{self.label} {resource.path}"
        if error.status == 403:
            self.problems.append(Problem(source, f"forbidden: cannot list {name} (RBAC) — "
                                         "analysis continues without them"))
            return None
        if error.status == 404:
            self.problems.append(Problem(source, f"not served: this cluster has no "
                                         f"{resource.api_version} {name} — analysis continues "
                                         "without them"))
            return None
        status = _status(error)
        fresh = (status.get("metadata") or {}).get("continue")
        if error.status == 410 and token is not None and isinstance(fresh, str) and fresh:
            # The consistent view the first page came from is gone (compacted); the server
            # offers a token that goes on from its current state instead.
            self.problems.append(Problem(source, f"the list of {name} took longer than the "
                                         "API server keeps one consistent view; later pages "
                                         "are from a newer state"))
            return fresh
        message = f"{error.status} {error.reason}: {status.get('message') or ''}".rstrip(": ")
        if error.status == 401:
            raise InputError(f"the API server of {self.label} refused the credentials "
                             f"({message}). Check that the context's token or `aws eks "
                             "get-token` login is current, e.g. with `kubectl --context "
                             f"{self.context} get namespaces`") from None
        self._give_up(resource, message, error.status in RETRY_STATUSES, token)
        return None


def read_cluster(target: KubeTarget, progress: PageProgress | None = None,
                 page_size: int = PAGE_SIZE, retry_delays: tuple[float, ...] = RETRY_DELAYS
                 ) -> ParsedObjects:
    """Read every kind riskgraph knows from a live cluster into parsed objects.

    Resource types that could not be listed are in the result's ``problems``.

    Raises
    ------
    InputError
        When the cluster cannot be read at all (configuration, connection, credentials).
    """
    return LiveCluster(target, page_size, retry_delays).read(progress)
