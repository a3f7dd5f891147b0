"""Live pods whose spec repeats one read before are built from it, not validated again.

The replicas of a workload carry the same spec but for the node they run on (named again in
the affinity that pins a DaemonSet's pod to it) and the name of the token volume the API
server adds to each pod (``kube-api-access-<random>``). A list dump
of 150,000 pods holds about 30,000 distinct specs, and validating a pod costs more than
decoding it. So each bound pod's spec text, with its ``nodeName`` and its token volume names
replaced by placeholders, is a key (with its ``apiVersion``): the first pod of a key is read
in full; the next ones validate only their metadata and take a copy of the first one's spec
with their own node and token volume names. Their sub-objects (ports, env, security
contexts) are the first one's, shared, which also makes comparing replicas cheap.

The copy is exact. Two keys are equal only when the two texts are, but for those values. A
key is reused only when its node placeholders are the spec's own ``nodeName`` and strings of
its affinity, and its token placeholders volumes' and volume mounts' names, all of those
spelled without escapes.
What this path does not read the same way (another top-level field, a document the decoder
refuses, a validation error, a pod without a name) is left to the ordinary path, which reads
it, or reports it, as it does every other object.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import msgspec
from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from riskgraph.estate.replicas import TOKEN_VOLUME_PREFIX
from riskgraph.models import Container, ObjectMeta, Pod, PodSpec, Volume
from riskgraph.models.pod import VolumeMount

_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers", "init_containers",
                    "ephemeral_containers")
_MOUNTS = ("volumeMounts", "volume_mounts")
#: The spec's ``nodeName`` member, its value spelled without escapes.
_NODE_NAME = re.compile(rb'"nodeName"[ \t\n\r]*:[ \t\n\r]*"([^"\\]*)"')
_NODE_MARK = b"\x00node"
_NODE_PLACEHOLDER = b'"\x00n"'
_HEAD_END = b"\x00spec"
#: A token volume's name, spelled without escapes, wherever it is in the spec.
_TOKEN = re.compile(rb'"(' + TOKEN_VOLUME_PREFIX.encode() + rb'[^"\\]*)"')

#: Metadata fields the model reads (either spelling), but the name: the same in replicas.
_SHARED_METADATA = frozenset(n for f in dataclasses.fields(ObjectMeta) if f.name != "name"
                             for n in (f.name, to_camel(f.name)))


_ABSENT = msgspec.Raw(b"")


class _Top(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """A pod's top-level fields: any other is left to the ordinary path."""

    metadata: dict[str, msgspec.Raw]
    spec: msgspec.Raw
    kind: str | msgspec.UnsetType = msgspec.UNSET
    api_version: msgspec.Raw = _ABSENT
    status: msgspec.Raw = _ABSENT


_TOP = msgspec.json.Decoder(_Top)
_encode = msgspec.json.encode
_MEMBERS = msgspec.json.Decoder(dict[str, msgspec.Raw])
_LIST_MEMBERS = msgspec.json.Decoder(list[dict[str, msgspec.Raw]] | None)
_decode = msgspec.json.Decoder().decode
_UNREADABLE = (msgspec.DecodeError, msgspec.ValidationError, ValidationError, RecursionError,
               UnicodeDecodeError, ValueError)


def _copier(cls: type[Any]) -> Any:
    """A function that copies an instance of the slotted dataclass ``cls``: its slots set
    by plain statements, which run about six times faster than a loop of ``setattr``."""
    body = "".join(f"    copy.{name} = original.{name}\n" for name in cls.__slots__)
    namespace: dict[str, Any] = {"cls": cls}
    exec(f"def copy_of(original):\n    copy = cls.__new__(cls)\n{body}    return copy\n",
         namespace)
    return namespace["copy_of"]


_copy_metadata = _copier(ObjectMeta)
_copy_spec = _copier(PodSpec)
_copy_container = _copier(Container)
_copy_volume = _copier(Volume)
_copy_mount = _copier(VolumeMount)


@dataclasses.dataclass(frozen=True, slots=True)
class _Known:
    """The first pod of a key, validated, and its token volume names."""

    pod: Pod
    tokens: tuple[str, ...]

    def copy(self, name: str, node_name: str | None, tokens: tuple[str, ...]) -> Pod:
        """A later pod of the key: its own name, node (in its affinity too) and token
        volume names."""
        metadata: ObjectMeta = _copy_metadata(self.pod.metadata)
        metadata.name = name
        spec: PodSpec = _copy_spec(self.pod.spec)
        if spec.affinity is not None and node_name != spec.node_name:
            spec.affinity = _replaced(spec.affinity, spec.node_name, node_name)
        spec.node_name = node_name
        if tokens != self.tokens:
            renamed = dict(zip(self.tokens, tokens, strict=True))
            spec.volumes = [_renamed_volume(v, renamed[v.name]) if v.name in renamed else v
                            for v in spec.volumes]
            spec.containers = [_renamed_mounts(c, renamed) for c in spec.containers]
            spec.init_containers = [_renamed_mounts(c, renamed) for c in spec.init_containers]
            spec.ephemeral_containers = [_renamed_mounts(c, renamed)
                                         for c in spec.ephemeral_containers]
        pod = copy.copy(self.pod)
        # what pydantic's own assignment does for a field with no validator on assignment
        pod.__dict__.update(metadata=metadata, spec=spec, replicas={})
        return pod


def _replaced(value: Any, old: object, new: object) -> Any:
    """``value`` (decoded JSON) with every string equal to ``old``, key or value, ``new``."""
    if isinstance(value, dict):
        return {new if k == old else k: _replaced(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replaced(v, old, new) for v in value]
    return new if value == old else value


def _strings(value: Any) -> Iterator[object]:
    """Every string of ``value`` (decoded JSON), keys included."""
    if isinstance(value, dict):
        yield from value
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    else:
        yield value


def _renamed_volume(volume: Volume, name: str) -> Volume:
    copy: Volume = _copy_volume(volume)
    copy.name = name
    return copy


def _renamed_mounts(container: Container, renamed: dict[str, str]) -> Container:
    if not any(m.name in renamed for m in container.volume_mounts):
        return container
    copy: Container = _copy_container(container)
    copy.volume_mounts = [m if m.name not in renamed else _renamed_mount(m, renamed[m.name])
                          for m in container.volume_mounts]
    return copy


def _renamed_mount(mount: VolumeMount, name: str) -> VolumeMount:
    copy: VolumeMount = _copy_mount(mount)
    copy.name = name
    return copy


class ReplicaSpecs:
    """The specs of one input's pods, by key; :meth:`pod` reads one pod with their help."""

    def __init__(self, alike: dict[int, int]) -> None:
        self._known: dict[bytes, _Known | None] = {}
        #: Each pod read with a reusable key, by ``id``: the ``id`` of its key's first pod.
        self.alike = alike

    def pod(self, text: bytes | msgspec.Raw, list_kind: str | None) -> Pod | None:
        """The pod the JSON ``text`` holds (``list_kind``: the kind of the list it is an
        item of, for an item that names none), read as the ordinary path would; None when
        the ordinary path must read it (not a pod, or not one this path reads the same way)."""
        try:
            return self._read(text, list_kind)
        except _UNREADABLE:
            return None

    def _read(self, text: bytes | msgspec.Raw, list_kind: str | None) -> Pod | None:
        top = _TOP.decode(text)
        name = _decode(top.metadata["name"]) if "name" in top.metadata else None
        kind = list_kind if top.kind is msgspec.UNSET else top.kind
        if kind != "Pod" or not isinstance(name, str):
            return None
        spec = bytes(top.spec)
        if spec.count(b'"nodeName"') > 1 or b'"node_name"' in spec:
            return None
        node = _NODE_NAME.search(spec)
        if node is not None:
            spec = (spec[:node.start()] + _NODE_MARK + spec[node.end():]).replace(
                b'"%s"' % node[1], _NODE_PLACEHOLDER)
        tokens = tuple(dict.fromkeys(_TOKEN.findall(spec)))
        for index, token in enumerate(tokens):
            spec = spec.replace(b'"%s"' % token, _placeholder(index))
        # the encoded head ends where its JSON value does: no spec text can extend it
        key = _encode((bytes(top.api_version), {k: v for k, v in top.metadata.items()
                                                if k in _SHARED_METADATA})) + spec
        known = self._known.get(key)
        names = tuple(t.decode() for t in tokens)
        if known is None:
            pod = Pod.model_validate({**_decode(text), "kind": "Pod"})
            if not pod.name:
                return None  # the ordinary path reports it; a group's first pod is kept
            if key in self._known or not _reusable(key, _MEMBERS.decode(top.spec), pod.spec,
                                                   names, node):
                self._known.setdefault(key, None)
                return pod
            known = self._known[key] = _Known(pod, names)
        else:
            pod = known.copy(name, None if node is None else node[1].decode(), names)
            if not pod.name:
                return None
        self.alike[id(pod)] = id(known.pod)
        return pod


def _placeholder(index: int) -> bytes:
    # A raw NUL byte is in no JSON text, so no spec spells a placeholder itself.
    return b'"\x00%d"' % index


def _reusable(key: bytes, spec: dict[str, msgspec.Raw], validated: PodSpec,
              tokens: tuple[str, ...], node: re.Match[bytes] | None) -> bool:
    """Whether later pods of ``key`` may copy ``validated``: the node placeholders stand for
    the spec's own ``nodeName`` and strings of its affinity, each token placeholder for a
    volume's or a volume mount's name, and all of those are spelled without escapes (so
    each is a placeholder)."""
    if node is not None and (node[1].decode() != validated.node_name or key.count(
            _NODE_PLACEHOLDER) != sum(s == validated.node_name for s in _strings(
                validated.affinity)) or b"\\" in bytes(spec.get("affinity", b""))):
        return False
    parts = [spec[name] for name in ("volumes",) if name in spec]
    for name in _CONTAINER_LISTS:
        if name in spec:
            parts.extend(c[m] for c in _LIST_MEMBERS.decode(spec[name]) or () for m in _MOUNTS
                         if m in c)
    if tokens and any(b"\\" in bytes(part) for part in parts):
        return False
    names = [v.name for v in validated.volumes]
    names += [m.name for c in validated.all_containers for m in c.volume_mounts]
    return all(key.count(_placeholder(index)) == names.count(token)
               for index, token in enumerate(tokens))
