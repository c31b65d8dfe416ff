"""Finding courses: the catalog query, its facets, search tokens and ranking (read-only selectors).

A course stores the filter combinations it answers to (`facets`) and the words it can be found by
(`*_tokens`); both are derived from its own fields on every write (catalog.services.derived_fields),
so one query per page serves any filter set and any search.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass

from courses.access import PUBLISHED
from cplatform import errors, text
from cplatform.actor import TEACHER, Actor
from firestore_operations import courses as course_store
from firestore_operations.pagination import Page, decode_offset_cursor, encode_offset_cursor

SORTS = ("newest", "rating", "popularity")
SEARCH_MAX_CHARS = 100
# Search ranks within one bounded query: the newest SEARCH_CANDIDATES courses holding the longest
# word of the query. Reads per search page are therefore up to this many documents.
SEARCH_CANDIDATES = 200
DESCRIPTION_WORDS = 40  # description words indexed for search (keeps search_tokens bounded)
MAX_SEARCH_TOKENS = 500
# Facet dimensions, in the fixed order they appear in a facet string.
FACETS = (("t", "teacher_uid"), ("s", "subject_key"), ("l", "level"), ("g", "language_key"), ("f", "price_kind"))
PUBLIC_SCOPE, OWN_SCOPE = "pub", "own"


# --- derived fields: filter keys, facets, search tokens ------------------------------------------


def subject_key(subject: str) -> str:
    return " ".join(text.words(subject))


def facet_string(scope: str, values: dict[str, str]) -> str:
    """'pub|s=maths|f=free': the scope, then each given dimension in FACETS order."""
    return "|".join([scope, *(f"{short}={values[short]}" for short, _ in FACETS if short in values)])


def course_facets(course: dict) -> list[str]:
    """Every filter combination the course answers to: published ones in the catalog ('pub'),
    all of a teacher's courses in her own list ('own', teacher always set)."""
    values = {
        "t": course["teacher_uid"],
        "s": subject_key(course.get("subject", "")),
        "l": course.get("level", ""),
        "g": (course.get("language") or "").lower(),
        "f": "paid" if course.get("price") else "free",
    }
    facets = []
    others = [short for short, _ in FACETS if short != "t"]
    for size in range(len(others) + 1):
        for combo in itertools.combinations(others, size):
            facets.append(facet_string(OWN_SCOPE, {"t": values["t"], **{k: values[k] for k in combo}}))
    if course.get("status") == PUBLISHED:
        dims = [short for short, _ in FACETS]
        for size in range(len(dims) + 1):
            for combo in itertools.combinations(dims, size):
                facets.append(facet_string(PUBLIC_SCOPE, {k: values[k] for k in combo}))
    return facets


def _description_tokens(description: str) -> list[str]:
    # Long words index their prefixes from 3 letters on; one- and two-letter prefixes of a
    # description would match nearly every course and only bloat the array.
    tokens: dict[str, None] = {}
    for word in list(dict.fromkeys(text.words(description)))[:DESCRIPTION_WORDS]:
        for token in [word[: text.MAX_PREFIX]] if len(word) < 3 else text.prefixes(word, minimum=3):
            tokens.setdefault(token, None)
    return list(tokens)


def search_fields(course: dict) -> dict:
    title = text.prefix_tokens(course.get("title", ""))
    tags = text.prefix_tokens(*course.get("tags", []))
    teacher = text.prefix_tokens(course.get("teacher_name", ""))
    description = _description_tokens(course.get("description", ""))
    everything = list(dict.fromkeys([*title, *tags, *teacher, *description]))[:MAX_SEARCH_TOKENS]
    return {"title_tokens": title, "tag_tokens": tags, "teacher_tokens": teacher, "search_tokens": everything}


# --- the query -----------------------------------------------------------------------------------


@dataclass
class CatalogQuery:
    subject: str | None = None
    level: str | None = None
    language: str | None = None
    teacher: str | None = None
    price: str | None = None  # "free" | "paid"
    sort: str | None = None  # newest | rating | popularity (search also: relevance, the default)
    mine: bool = False

    @classmethod
    def from_params(cls, params: dict) -> CatalogQuery:
        """The query a validated CourseListIn asks for (API and catalog page alike)."""
        return cls(
            subject=params.get("subject"),
            level=params.get("level"),
            language=params.get("language"),
            teacher=params.get("teacher"),
            price=params.get("price"),
            sort=params.get("sort"),
            mine=bool(params.get("mine")),
        )

    def facet_values(self) -> dict[str, str]:
        values = {
            "t": self.teacher,
            "s": subject_key(self.subject) if self.subject else None,
            "l": self.level,
            "g": self.language.lower() if self.language else None,
            "f": self.price,
        }
        return {key: value for key, value in values.items() if value}


def find_courses(*, actor: Actor, params: dict) -> Page:
    """The page a validated CourseListIn asks for: a ranked search with `q`, else the catalog list.

    Raises ValidationError, PermissionDenied.
    """
    query = CatalogQuery.from_params(params)
    cursor = params.get("cursor") or None
    if "q" in params:
        return search_courses(actor=actor, q=params["q"], query=query, limit=params["limit"], cursor=cursor)
    return list_courses(actor=actor, query=query, limit=params["limit"], cursor=cursor)


def _scope(actor: Actor, query: CatalogQuery) -> str:
    if not query.mine:
        return PUBLIC_SCOPE
    if actor.role != TEACHER:
        raise errors.PermissionDenied("mine=true lists a teacher's own courses; only teachers have some.")
    if query.teacher and query.teacher != actor.uid:
        raise errors.ValidationError(
            "mine=true already lists your own courses; drop the teacher filter.", fields={"teacher": ["Conflicts."]}
        )
    return OWN_SCOPE


def list_courses(*, actor: Actor, query: CatalogQuery, limit: int, cursor: str | None) -> Page:
    """The catalog (published courses) or, with mine, the teacher's own courses in any status.

    One query per page whatever the filters. Raises ValidationError, PermissionDenied.
    """
    scope = _scope(actor, query)
    values = query.facet_values()
    if scope == OWN_SCOPE:
        values["t"] = actor.uid
    sort = query.sort or "newest"
    if sort == "relevance":
        raise errors.ValidationError("sort=relevance needs a search: add q=...", fields={"sort": ["Needs q."]})
    if sort == "newest" and scope == OWN_SCOPE:
        sort = "created"  # drafts have no publication date
    return course_store.list_courses(facet=facet_string(scope, values), sort=sort, limit=limit, cursor=cursor)


# --- search and ranking --------------------------------------------------------------------------


def _search_terms(q: str) -> list[str]:
    if len(q) > SEARCH_MAX_CHARS:
        raise errors.ValidationError(
            f"The search text is too long: at most {SEARCH_MAX_CHARS} characters.", fields={"q": ["Too long."]}
        )
    if not q.strip():
        raise errors.ValidationError("The search text is empty: type a word to search for.", fields={"q": ["Empty."]})
    terms = list(dict.fromkeys(text.query_terms(q)))
    if not terms:
        raise errors.ValidationError("Type at least one letter or digit to search.", fields={"q": ["No words."]})
    return terms


def _match_key(course: dict, terms: list[str]) -> tuple[int, int, int, int] | None:
    """How many terms matched in the title, tags, teacher name, description (each term counted once,
    at its best source); None when a term matches nowhere."""
    sources = [set(course.get(name, [])) for name in ("title_tokens", "tag_tokens", "teacher_tokens")]
    everything = set(course.get("search_tokens", []))
    counts = [0, 0, 0, 0]
    for term in terms:
        if term not in everything:
            return None
        best = next((index for index, tokens in enumerate(sources) if term in tokens), 3)
        counts[best] += 1
    return counts[0], counts[1], counts[2], counts[3]


def _matches_filters(course: dict, values: dict[str, str]) -> bool:
    fields = dict(FACETS)
    for short, wanted in values.items():
        actual = ("free" if course.get("is_free") else "paid") if short == "f" else course.get(fields[short])
        if actual != wanted:
            return False
    return True


def search_courses(*, actor: Actor, q: str, query: CatalogQuery, limit: int, cursor: str | None) -> Page:
    """Courses matching every word (or word prefix) of q, with the filters, ranked.

    Ranking: more words matched in the title first, then in tags, the teacher's name, the
    description; then rating and enrolments. One query per page: the ranked list is rebuilt from the
    same bounded candidate set and the cursor is an offset into it. Raises ValidationError.
    """
    terms = _search_terms(q)
    scope = _scope(actor, query)
    values = query.facet_values()
    primary = max(terms, key=len)  # the rarest-looking term narrows the candidates most
    if scope == OWN_SCOPE:
        # A teacher's own courses are few: the other filters are checked on the rows.
        equals, order_field, check = {"teacher_uid": actor.uid}, "created_at", values
    else:
        fields = dict(FACETS)
        equals = {"status": PUBLISHED}
        for short, value in values.items():
            if short == "f":
                equals["is_free"] = value == "free"
            else:
                equals[fields[short]] = value
        order_field, check = "published_at", {}
    sort = query.sort or "relevance"
    digest = hashlib.sha256(repr((terms, sorted(values.items()), sort, scope, actor.uid)).encode()).hexdigest()[:16]
    tag = f"course-search:{digest}"
    offset = decode_offset_cursor(cursor, tag, bound=SEARCH_CANDIDATES) if cursor else 0
    candidates = course_store.search_candidates(
        token=primary, equals=equals, order_field=order_field, limit=SEARCH_CANDIDATES
    )
    ranked = []
    for course in candidates:
        key = _match_key(course, terms)
        if key is not None and _matches_filters(course, check):
            ranked.append((key, course))
    if sort == "relevance":
        ranked.sort(
            key=lambda pair: (
                pair[0],
                float(pair[1].get("rating_avg", 0)),
                int(pair[1].get("enrolled_count", 0)),
            ),
            reverse=True,
        )
    else:
        field = {"newest": order_field, "rating": "rating_avg", "popularity": "enrolled_count"}[sort]
        ranked.sort(key=lambda pair: (pair[1].get(field) is not None, pair[1].get(field) or 0), reverse=True)
    window = [course for _, course in ranked[offset : offset + limit]]
    next_cursor = encode_offset_cursor(offset + limit, tag) if offset + limit < len(ranked) else None
    return Page(items=window, next_cursor=next_cursor, extra={"candidates": len(candidates)})
