"""Compare the query shapes the code ran with the composite indexes declared in firestore.indexes.json.

The emulator runs any query; production refuses one whose composite index is missing. A shape is
(collection, collection-group?, equality fields, array-contains fields, range fields, order fields).
"""

from __future__ import annotations


def required_index(shape: tuple) -> dict | None:
    collection, group, equalities, arrays, ranges, orders = shape
    order_fields = list(orders)
    for field in ranges:
        if field not in [name for name, _ in order_fields]:
            order_fields.insert(0, (field, "ASCENDING"))
    fields = set(equalities) | set(arrays) | {name for name, _ in order_fields}
    if len(fields) <= 1:
        return None  # single-field indexes are automatic
    index_fields = [{"fieldPath": name, "order": "ASCENDING", "_equality": True} for name in sorted(equalities)]
    index_fields += [{"fieldPath": name, "arrayConfig": "CONTAINS"} for name in arrays]
    index_fields += [{"fieldPath": name, "order": direction} for name, direction in order_fields]
    return {
        "collectionGroup": collection,
        "queryScope": "COLLECTION_GROUP" if group else "COLLECTION",
        "fields": index_fields,
    }


def _key(field: dict) -> tuple:
    return (field["fieldPath"], field.get("order"), field.get("arrayConfig"))


def _covers(declared: dict, needed: dict) -> bool:
    """Same collection and scope; the same equality/array fields in any order, then the same order fields."""
    if declared["collectionGroup"] != needed["collectionGroup"]:
        return False
    if declared.get("queryScope", "COLLECTION") != needed["queryScope"]:
        return False
    have, want = declared["fields"], needed["fields"]
    if len(have) != len(want):
        return False
    head = sum(1 for field in want if "arrayConfig" in field or field.get("_equality"))
    strip = [{k: v for k, v in field.items() if k != "_equality"} for field in want]
    return sorted(map(_key, have[:head])) == sorted(map(_key, strip[:head])) and list(map(_key, have[head:])) == list(
        map(_key, strip[head:])
    )


def missing_indexes(shapes: set[tuple], declared: dict) -> list[dict]:
    indexes = declared.get("indexes", [])
    missing = []
    for shape in sorted(shapes, key=repr):
        needed = required_index(shape)
        if needed and not any(_covers(index, needed) for index in indexes):
            clean = {
                **needed,
                "fields": [{k: v for k, v in f.items() if k != "_equality"} for f in needed["fields"]],
            }
            if clean not in missing:
                missing.append(clean)
    return missing
