"""Schema versions as migrations, for every driver.

The migration for version N is every collection, attribute and index whose ``since == N``.
Migrations only add: a collection (its table with the attributes and indexes that existed
at that version), an attribute to an existing collection (existing documents get the
attribute's default), or an index. Removing or renaming needs a new collection or a
data job; it is never an edit of an existing declaration.

An index is effective from the latest of its own ``since``, its collection's and those of
the attributes it covers, so a declaration that forgot to bump an index never builds it
before its columns exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .schema import META, Attribute, Collection, Index, IndexType, Schema


class StepKind(StrEnum):
    CREATE_COLLECTION = "create_collection"
    ADD_ATTRIBUTE = "add_attribute"
    ADD_INDEX = "add_index"


@dataclass(frozen=True)
class Step:
    """One change of a migration.

    ``attributes``/``indexes`` are what a created collection starts with; an added
    attribute or index is the single element of the matching tuple.
    """

    kind: StepKind
    collection: Collection
    attributes: tuple[Attribute, ...] = ()
    indexes: tuple[Index, ...] = ()

    def describe(self) -> str:
        cid = self.collection.id
        if self.kind is StepKind.CREATE_COLLECTION:
            return (
                f"create collection {cid} ({len(self.attributes)} attributes, "
                f"{len(self.indexes)} indexes)"
            )
        if self.kind is StepKind.ADD_ATTRIBUTE:
            attr = self.attributes[0]
            kind = f"{attr.type.value}[]" if attr.array else attr.type.value
            default = "" if attr.default is None else f", default {attr.default!r}"
            return f"add attribute {cid}.{attr.name} ({kind}{default})"
        index = self.indexes[0]
        return f"add {index.type.value} index {cid}.{index.name} ({', '.join(index.attributes)})"


@dataclass(frozen=True)
class Migration:
    version: int
    steps: tuple[Step, ...]

    @property
    def name(self) -> str:
        return f"v{self.version}"

    @property
    def description(self) -> str:
        return "; ".join(step.describe() for step in self.steps) or "no changes"


def index_since(collection: Collection, index: Index) -> int:
    """The version from which ``index`` exists (see the module docstring)."""
    versions = [index.since, collection.since]
    versions.extend(
        collection.attribute(name).since for name in index.attributes if name not in META
    )
    return max(versions)


def attributes_at(collection: Collection, version: int) -> tuple[Attribute, ...]:
    return tuple(a for a in collection.attributes if a.since <= version)


def indexes_at(collection: Collection, version: int) -> tuple[Index, ...]:
    return tuple(i for i in collection.indexes if index_since(collection, i) <= version)


def fulltext_at(collection: Collection, version: int) -> tuple[str, ...]:
    """Attributes covered by the collection's fulltext indexes at ``version``."""
    seen: list[str] = []
    for index in indexes_at(collection, version):
        if index.type is IndexType.FULLTEXT:
            seen.extend(a for a in index.attributes if a not in seen)
    return tuple(seen)


def migration(schema: Schema, version: int) -> Migration:
    steps: list[Step] = []
    for collection in schema.collections.values():
        if collection.since == version:
            steps.append(
                Step(
                    StepKind.CREATE_COLLECTION,
                    collection,
                    attributes_at(collection, version),
                    indexes_at(collection, version),
                )
            )
            continue
        if collection.since > version:
            continue
        steps.extend(
            Step(StepKind.ADD_ATTRIBUTE, collection, attributes=(attr,))
            for attr in collection.attributes
            if attr.since == version
        )
        steps.extend(
            Step(StepKind.ADD_INDEX, collection, indexes=(index,))
            for index in collection.indexes
            if index_since(collection, index) == version
        )
    return Migration(version, tuple(steps))


def pending(schema: Schema, applied: int) -> list[Migration]:
    """The migrations after version ``applied``, oldest first."""
    return [migration(schema, v) for v in range(applied + 1, schema.version + 1)]


def plan(schema: Schema, from_version: int) -> list[str]:
    """What upgrading from ``from_version`` would do, one line per step."""
    lines: list[str] = []
    for item in pending(schema, from_version):
        if not item.steps:
            lines.append(f"{item.name}: no changes")
        lines.extend(f"{item.name}: {step.describe()}" for step in item.steps)
    return lines
