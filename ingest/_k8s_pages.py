"""One page of a live list, and which failures to read it are worth trying again.

An API server under load answers some requests with 429 or a 5xx, drops a connection part
way through a body, or sends a body cut short; a moment later the same request usually
works. So such a page is asked for again after each delay of :data:`RETRY_DELAYS` (four
tries, 3.5 seconds of waiting at most), and if it still fails, only that kind is given up
(``ingest.k8s_live``). A server that cannot be reached at all, or that answers with
something that is not the Kubernetes API, ends the read: no kind would fare better.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ingest._unicode import SURROGATE_ESCAPE_BYTES, replace_lone_surrogates
from riskgraph.errors import InputError

__all__ = ["RETRY_DELAYS", "RETRY_STATUSES", "PageFailure", "fetch_page"]

#: Seconds to wait before each further try of a page that failed in passing.
RETRY_DELAYS: tuple[float, ...] = (0.5, 1.0, 2.0)
#: Statuses that say "not now" rather than "no": too many requests, and server errors.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_TIMEOUT = (10, 300)  # seconds to connect, and to wait for one page


class PageFailure(Exception):
    """A page whose answer could not be used; ``transient`` when trying again may help."""

    def __init__(self, reason: str, transient: bool = True) -> None:
        super().__init__(reason)
        self.reason, self.transient = reason, transient


def _unreachable(label: str, reason: object) -> InputError:
    return InputError(
        f"cannot reach the API server of {label}: {reason}. Check that the cluster is up, "
        "that this is the context you meant (--k8s-context, --kubeconfig) and that you are "
        "on its network or VPN")


def fetch_page(list_call: Callable[..., Any], token: str | None, page_size: int, label: str,
               what: str) -> dict[str, Any]:
    """One page of a list, decoded; ``what`` names the list in messages.

    Raises
    ------
    PageFailure
        When the connection broke while the page was sent, or its body is not whole JSON.
    kubernetes.client.exceptions.ApiException
        When the API server answers with an error status.
    InputError
        When the server cannot be reached, or does not answer like a Kubernetes API server.
    """
    import urllib3  # with the kubernetes client, imported only when a cluster is read

    errors = urllib3.exceptions
    try:
        response = list_call(limit=page_size, _continue=token, _preload_content=False,
                             _request_timeout=_TIMEOUT)
    except errors.MaxRetryError as error:
        if isinstance(error.reason, errors.NewConnectionError | errors.ConnectTimeoutError):
            raise _unreachable(label, error.reason) from None
        raise PageFailure(f"the connection failed ({error.reason})") from None
    except (errors.NewConnectionError, errors.ConnectTimeoutError) as error:
        raise _unreachable(label, error) from None
    except errors.HTTPError as error:
        raise PageFailure(f"the connection failed ({_why(error)})") from None
    try:
        data = response.data
    except (errors.HTTPError, OSError) as error:
        raise PageFailure(f"the connection broke while the list was sent ({_why(error)})"
                          ) from None
    finally:
        response.release_conn()
    return _decode(data, label, what)


def _why(error: Exception) -> str:
    """An error's own message (urllib3 wraps the one of the error it caught in a tuple)."""
    first = error.args[0] if error.args else error
    return first if isinstance(first, str) else str(error)


def _decode(data: bytes, label: str, what: str) -> dict[str, Any]:
    """The page's JSON object; a body that is no JSON object at all is not the API's."""
    if not data.strip():
        raise PageFailure("the answer was empty")
    if data.lstrip()[:1] != b"{":
        raise InputError(f"the API server of {label} did not answer the list of {what} with "
                         "JSON; is the server address in the kubeconfig right?")
    try:
        body: dict[str, Any] = json.loads(data)  # JSON text that opens with "{" is an object
        if SURROGATE_ESCAPE_BYTES.search(data):
            replace_lone_surrogates(body)
    except RecursionError:
        raise PageFailure("the answer is nested too deep to read", transient=False) from None
    except ValueError as error:
        raise PageFailure(f"the answer was not whole JSON ({error}; {len(data)} bytes "
                          "arrived)") from None
    if not isinstance(body.get("items"), list | None):
        raise PageFailure(f"the answer's 'items' is {type(body['items']).__name__}, not a "
                          "list", transient=False)
    return body
