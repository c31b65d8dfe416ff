"""Schemathesis hooks for tests/test_fuzz_api.py, loaded by tests/schemathesis.toml."""

import schemathesis


@schemathesis.hook
def filter_query(context, query):
    # A query string carries text and repeated names only. schemathesis 4.32.5 writes a negated null or
    # object as `name=` (or as other names), which the schema allows (an optional parameter sent empty
    # means "not sent"), then reported the 200 as accepted negative data (`make fuzz`, GET
    # /api/v1/content/pages?slug= for `slug: {}`). Such a case tests nothing on the wire.
    return query is None or not any(value is None or isinstance(value, dict) for value in query.values())
