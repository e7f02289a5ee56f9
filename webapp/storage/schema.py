"""The one schema: every collection, its attributes and indexes, declared once.

Both drivers read these declarations: the SQL driver creates a table per collection with
one column per attribute and real indexes; the Appwrite driver provisions the same
collections. Each element carries ``since``: the schema version that introduced it. The
migration for version N is everything whose ``since == N`` (see ``migrations.py``), so a
schema change is a new declaration with the next version number, never a hand edit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class AttrType(StrEnum):
    STRING = "string"  # bounded text (size = max characters)
    TEXT = "text"  # long text
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    DATETIME = "datetime"  # timezone-aware, stored in UTC
    JSON = "json"  # any JSON value, stored as text in Appwrite


class IndexType(StrEnum):
    KEY = "key"
    UNIQUE = "unique"
    FULLTEXT = "fulltext"


@dataclass(frozen=True)
class Attribute:
    name: str
    type: AttrType
    size: int = 255
    required: bool = False
    default: Any = None
    array: bool = False
    elements: tuple[str, ...] = ()  # allowed values (an enum attribute)
    since: int = 1


@dataclass(frozen=True)
class Index:
    name: str
    type: IndexType
    attributes: tuple[str, ...]
    since: int = 1


@dataclass(frozen=True)
class Collection:
    id: str
    name: str
    attributes: tuple[Attribute, ...]
    indexes: tuple[Index, ...] = ()
    since: int = 1

    def attribute(self, name: str) -> Attribute:
        for attr in self.attributes:
            if attr.name == name:
                return attr
        raise KeyError(f"{self.id} has no attribute {name!r}")

    def has(self, name: str) -> bool:
        return any(attr.name == name for attr in self.attributes)

    @property
    def fulltext(self) -> tuple[str, ...]:
        """Attributes covered by the collection's full-text indexes."""
        seen: list[str] = []
        for index in self.indexes:
            if index.type is IndexType.FULLTEXT:
                seen.extend(a for a in index.attributes if a not in seen)
        return tuple(seen)


@dataclass
class Schema:
    collections: dict[str, Collection] = field(default_factory=dict)

    def add(self, *collections: Collection) -> None:
        for collection in collections:
            if collection.id in self.collections:
                raise ValueError(f"collection {collection.id!r} declared twice")
            _check(collection)
            self.collections[collection.id] = collection

    def __getitem__(self, collection_id: str) -> Collection:
        try:
            return self.collections[collection_id]
        except KeyError:
            raise KeyError(f"unknown collection {collection_id!r}") from None

    def __iter__(self) -> Iterator[Collection]:
        return iter(self.collections.values())

    @property
    def version(self) -> int:
        versions = [1]
        for c in self.collections.values():
            versions.append(c.since)
            versions.extend(a.since for a in c.attributes)
            versions.extend(i.since for i in c.indexes)
        return max(versions)


META = ("$id", "$createdAt", "$updatedAt")
_ID_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def valid_id(value: str) -> bool:
    """Appwrite-compatible ids: 1..36 chars of [a-zA-Z0-9._-], not starting with a special."""
    return 0 < len(value) <= 36 and set(value) <= _ID_CHARS and value[0] not in "._-"


def _check(collection: Collection) -> None:
    if not valid_id(collection.id):
        raise ValueError(f"bad collection id {collection.id!r}")
    names = [a.name for a in collection.attributes]
    if len(set(names)) != len(names):
        raise ValueError(f"{collection.id}: duplicate attribute")
    for attr in collection.attributes:
        if attr.name.startswith("$") or not attr.name.replace("_", "a").isalnum():
            raise ValueError(f"{collection.id}: bad attribute name {attr.name!r}")
        if attr.since < collection.since:
            raise ValueError(f"{collection.id}.{attr.name}: older than its collection")
    for index in collection.indexes:
        for name in index.attributes:
            if name not in names and name not in META:
                raise ValueError(f"{collection.id}.{index.name}: unknown attribute {name}")
        if index.type is IndexType.FULLTEXT:
            for name in index.attributes:
                if collection.attribute(name).type not in (AttrType.STRING, AttrType.TEXT):
                    raise ValueError(f"{collection.id}.{index.name}: fulltext needs text")
