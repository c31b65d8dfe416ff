"""Finding courses: the catalog query, the search index (tokens, weights, postings) and ranking.

Lists filter on scalar fields a course stores beside its own (subject_key, language_key, is_free;
catalog.services.derived_fields). Search reads the `course_search` postings the catalog services
keep in line with every course write (index_course), never the course documents, except the page
it shows. Design, ranking and limits: docs/search.md.
"""

from __future__ import annotations

import difflib
import hashlib
import math
from dataclasses import dataclass

from django.conf import settings

from courses import events
from courses.access import PUBLISHED
from courses.catalog import page_cache
from cplatform import errors, rate_limit, text
from cplatform.actor import TEACHER, Actor
from firestore_operations import course_search as search_store
from firestore_operations import courses as course_store
from firestore_operations.pagination import Page, decode_offset_cursor, encode_offset_cursor

SORTS = ("newest", "rating", "popularity")
SEARCH_MAX_CHARS = 100
DESCRIPTION_WORDS = 40  # description words indexed for search (keeps search_tokens bounded)
# Filter dimensions: (query parameter, stored scalar field).
FILTERS = (("teacher", "teacher_uid"), ("subject", "subject_key"), ("level", "level"), ("language", "language_key"))
PUBLIC_SCOPE, OWN_SCOPE = "pub", "own"
# The fields a list shows (projection): CourseOut's plus what seats_left reads.
LIST_FIELDS = (
    "title", "description", "subject", "level", "language", "tags", "price", "is_free", "capacity",
    "included_in_membership", "seat_holds", "status", "teacher_uid", "teacher_name", "rating_avg",
    "rating_count", "enrolled_count", "waitlist_count", "lesson_count", "cover_path", "cover_version",
    "created_at", "updated_at", "published_at",
)  # fmt: skip


# --- derived fields: filter keys, search tokens ----------------------------------------------------


def subject_key(subject: str) -> str:
    return " ".join(text.words(subject))


# --- the search index: tokens, weights, postings ------------------------------------------------
# Fields in ranking order (lower wins); each token of a course keeps its best (field, kind).
TITLE, SUBJECT, TAGS, TEACHER_NAME, FACTS, DESCRIPTION = range(6)
EXACT, PREFIX, TYPO = range(3)
KINDS = 3
TYPO_MIN_LENGTH = 5
TYPO_MAX_WORDS = 2  # close words read for one mistyped term (each is a postings document)
POPULARITY_STEP = 1.1
STATUS_CODES = {PUBLISHED: "p", "draft": "d", "archived": "a"}
# Subject synonyms and abbreviations, as data: every word of a group finds the others' courses.
SUBJECT_SYNONYMS = (
    ("mathematics", "maths", "math"),
    ("computer science", "cs", "computing"),
    ("biology", "bio"),
)
LANGUAGE_NAMES = {
    "en": ("english",),
    "fr": ("french", "francais"),
    "es": ("spanish", "espanol"),
    "de": ("german", "deutsch"),
    "it": ("italian", "italiano"),
    "pt": ("portuguese", "portugues"),
    "nl": ("dutch",),
    "zh": ("chinese", "mandarin"),
    "ja": ("japanese",),
    "ar": ("arabic",),
    "ru": ("russian",),
}


def stem(word: str) -> str:
    """Plural to singular, the common English ways: courses -> course, studies -> study, boxes -> box."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def synonyms(subject: str) -> list[str]:
    """The subject's words plus those of its synonym group ("maths" -> mathematics, maths, math)."""
    key = subject_key(subject)
    groups = [
        [subject_key(phrase) for phrase in group] for group in (*SUBJECT_SYNONYMS, *settings.SEARCH_SUBJECT_SYNONYMS)
    ]
    extra = [word for group in groups if key in group for phrase in group for word in phrase.split()]
    return [*text.words(subject), *extra]


def _field_words(course: dict) -> list[tuple[int, list[str]]]:
    language = (course.get("language") or "").lower()
    facts = [course.get("level", ""), *LANGUAGE_NAMES.get(language.split("-")[0], ()), language]
    return [
        (TITLE, text.words(course.get("title", ""))),
        (SUBJECT, synonyms(course.get("subject", ""))),
        (TAGS, [word for tag in course.get("tags", []) for word in text.words(tag)]),
        (TEACHER_NAME, text.words(course.get("teacher_name", ""))),
        (FACTS, [word for fact in facts for word in text.words(fact)]),
        (DESCRIPTION, list(dict.fromkeys(text.words(course.get("description", ""))))[:DESCRIPTION_WORDS]),
    ]


def course_tokens(course: dict) -> dict[str, int]:
    """{token: weight} of a course, weight = field * KINDS + kind (lower ranks higher). Words and
    their singular are exact tokens; prefixes of non-description words are prefix tokens."""
    weights: dict[str, int] = {}

    def put(token: str, weight: int) -> None:
        token = token[: text.MAX_PREFIX]
        if token and weights.get(token, 99) > weight:
            weights[token] = weight

    for field, words in _field_words(course):
        for word in words:
            put(word, field * KINDS + EXACT)
            put(stem(word), field * KINDS + EXACT)
            if field != DESCRIPTION:
                for prefix in text.prefixes(word):
                    put(prefix, field * KINDS + PREFIX)
    return weights


def popularity_rank(enrolled: int) -> int:
    """Enrolments on a scale of about 10 % steps above ten (1, 2, ... 10, 11, 12, 13, 14, 16, ...):
    the postings follow the scale, not each enrolment, so a popular course rewrites them rarely."""
    if enrolled < 10:
        return max(0, enrolled)
    return 10 + int(math.log(enrolled / 10) / math.log(POPULARITY_STEP) + 1e-9)


def ranking_fields(course: dict) -> tuple[int, int, int]:
    """(rating in tenths as the pages show it, popularity_rank, 1 when a seat is free): what a
    postings entry keeps of the course's counters. An enrolment or a rating rewrites the postings
    only when one of these moves."""
    capacity, enrolled = course.get("capacity"), int(course.get("enrolled_count") or 0)
    has_seat = capacity is None or enrolled < int(capacity)
    return round(float(course.get("rating_avg") or 0) * 10), popularity_rank(enrolled), int(has_seat)


def _millis(value) -> int:
    return int(value.timestamp() * 1000) if hasattr(value, "timestamp") else 0


# Entry layout: "WW|RRR|PPPP|S|OOOOOOOOOOOOOO|status|free|level|language|subject|teacher". The
# ranking fields come first, at fixed width and inverted (999 - rating, 9999 - popularity,
# 0 = a free seat, 10^14 - 1 - order in ms), so one string slice compares like the tuple
# (weight, -rating, -popularity, -seat, -order): ranking thousands of entries needs no parsing.
RATING_AT, POPULARITY_AT, SEAT_AT, ORDER_AT, STATUS_AT = slice(3, 6), slice(7, 11), slice(12, 13), slice(14, 28), 29
RANK_TAIL = slice(3, 28)
FILTERS_FROM = 31  # free|level|language|subject|teacher
ORDER_MAX = 10**14 - 1


def postings(course: dict) -> dict[str, str]:
    """{token: this course's entry} for every token of the course (layout above)."""
    order = course.get("published_at") or course.get("created_at")
    rating, popularity, has_seat = ranking_fields(course)
    rest = "|".join(
        (
            f"{999 - min(rating, 999):03d}",
            f"{9999 - min(popularity, 9999):04d}",
            "0" if has_seat else "1",
            f"{ORDER_MAX - min(_millis(order), ORDER_MAX):014d}",
            STATUS_CODES.get(course.get("status", ""), "?"),
            "0" if course.get("price") else "1",
            course.get("level", ""),
            (course.get("language") or "").lower(),
            subject_key(course.get("subject", "")),
            course.get("teacher_uid", ""),
        )
    )
    return {token: f"{weight:02d}|{rest}" for token, weight in course_tokens(course).items()}


def vocab_of(course: dict) -> dict:
    """What typo matching and suggestions start from: the course's non-description words, subject, teacher."""
    words = {word for field, found in _field_words(course) if field != DESCRIPTION for word in found}
    return {
        "words": {word: True for word in words if len(word) >= TYPO_MIN_LENGTH},
        "subjects": {subject_key(course.get("subject", "")): course.get("subject", "")},
        "teachers": {course.get("teacher_uid", ""): course.get("teacher_name", "")},
    }


def index_course(before: dict | None, after: dict | None) -> None:
    """Bring the search index in line with a course write (after the course document committed).

    Search checks each shown course's status on the course document itself, so a course whose
    postings lag (milliseconds) is never shown outside its scope.
    """
    old = postings(before) if before else {}
    new = postings(after) if after else {}
    changed = {doc_id: entry for doc_id, entry in new.items() if old.get(doc_id) != entry}
    removed = [doc_id for doc_id in old if doc_id not in new]
    if not changed and not removed:
        return
    course_id = (after or before)["id"]
    vocab = vocab_of(after) if after and (not before or vocab_of(before) != vocab_of(after)) else None
    search_store.write_postings(course_id, remove=removed, add=changed, vocab=vocab)


def build_index(courses: list[dict]) -> int:
    """(Re)write the whole index from these courses (bulk loads, rebuilds): every postings document
    is replaced, and those of tokens no course has any more are deleted. Returns the number of
    postings documents."""
    docs: dict[str, dict[str, str]] = {}
    vocab: dict = {"words": {}, "subjects": {}, "teachers": {}}
    for course in courses:
        for doc_id, entry in postings(course).items():
            docs.setdefault(doc_id, {})[course["id"]] = entry
        for key, values in vocab_of(course).items():
            vocab[key].update(values)
    search_store.write_index(docs, vocab)
    search_store.delete_other_postings(set(docs))
    return len(docs)


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

    def filter_values(self) -> dict[str, object]:
        """The stored field each given filter compares with, and the value it wants."""
        values = {
            "teacher_uid": self.teacher,
            "subject_key": subject_key(self.subject) if self.subject else None,
            "level": self.level,
            "language_key": self.language.lower() if self.language else None,
            "is_free": (self.price == "free") if self.price else None,
        }
        return {key: value for key, value in values.items() if value is not None}


def find_courses(*, actor: Actor, params: dict, client_ip: str = "") -> Page:
    """The page a validated CourseListIn asks for: a ranked search with `q`, else the catalog list.
    Pages everybody sees alike come from the shared cache (page_cache). Searches are counted per
    user (per `client_ip` for visitors). Raises ValidationError, PermissionDenied, RateLimited.
    """
    if "q" in params:
        rate_limit.consume(
            "course-search",
            actor.uid or f"ip:{client_ip}",
            limit=settings.COURSE_SEARCH_LIMIT,
            window=60,
            message=f"At most {settings.COURSE_SEARCH_LIMIT} searches a minute; wait a moment.",
        )
    query = CatalogQuery.from_params(params)
    cursor = params.get("cursor") or None

    def build() -> Page:
        if "q" in params:
            return search_courses(actor=actor, q=params["q"], query=query, limit=params["limit"], cursor=cursor)
        return list_courses(actor=actor, query=query, limit=params["limit"], cursor=cursor)

    if query.mine:
        return build()  # a teacher's own courses, drafts included: never shared
    return page_cache.cached_page(params, build)


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


def _keeper(values: dict[str, object]):
    def keep(course: dict) -> bool:
        return all(course.get(field) == wanted for field, wanted in values.items())

    return keep


def list_courses(*, actor: Actor, query: CatalogQuery, limit: int, cursor: str | None) -> Page:
    """The catalog (published courses) or, with mine, the teacher's own courses in any status.

    One query per page: equality on scalar fields plus one order, projected onto LIST_FIELDS.
    A teacher's courses are few, so with a teacher (or mine) the other filters are checked on
    the rows; without one, every filter is in the query. Raises ValidationError, PermissionDenied.
    """
    scope = _scope(actor, query)
    values = query.filter_values()
    sort = query.sort or "newest"
    if sort == "relevance":
        raise errors.ValidationError("sort=relevance needs a search: add q=...", fields={"sort": ["Needs q."]})
    if scope == OWN_SCOPE:
        values.pop("teacher_uid", None)
        equals = {"teacher_uid": actor.uid}
        if sort == "newest":
            sort = "created"  # drafts have no publication date
    elif "teacher_uid" in values:
        equals = {"status": PUBLISHED, "teacher_uid": values.pop("teacher_uid")}
    else:
        equals, values = {"status": PUBLISHED, **values}, {}
    keep = _keeper(values) if values else None
    return course_store.list_courses(
        equals=equals, sort=sort, limit=limit, cursor=cursor, fields=LIST_FIELDS, keep=keep
    )


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


def _edit1(a: str, b: str) -> bool:
    """a and b differ by exactly one insertion, deletion, substitution or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


# Filters a search checks on the entries (after FILTERS_FROM, split on "|").
ENTRY_FILTERS = {"is_free": 0, "level": 1, "language_key": 2, "subject_key": 3, "teacher_uid": 4}


def _entry_value(field: str, value: object) -> str:
    if field == "is_free":
        return "1" if value else "0"
    return str(value)


def _term_postings(terms: list[str]) -> dict[str, dict[str, str]]:
    """{term: {course_id: entry}}: one batched read, one document per term."""
    found = search_store.read_postings([stem(term) for term in terms])
    return {term: found[stem(term)] for term in terms}


def _typo_postings(term: str, vocab: dict) -> dict[str, str]:
    """A term of TYPO_MIN_LENGTH letters or more that matched nothing: the closest words one edit
    away (at most TYPO_MAX_WORDS of them, so a typo costs a bounded number of reads)."""
    close = sorted(
        (word for word in vocab.get("words", {}) if _edit1(term, word)), key=lambda w: (len(w) != len(term), w)
    )
    close = close[:TYPO_MAX_WORDS]
    if not close:
        return {}
    found = search_store.read_postings(close)
    entries: dict[str, str] = {}
    for word in close:
        for course_id, entry in found[word].items():
            typo = f"{(int(entry[:2]) // KINDS) * KINDS + TYPO:02d}"
            if course_id not in entries or entries[course_id][:2] > typo:
                entries[course_id] = typo + entry[2:]
    return entries


def suggestions(terms: list[str], vocab: dict) -> list[str]:
    """The closest subjects and teacher names to what was typed (a search that found nothing)."""
    names = [*vocab.get("subjects", {}).values(), *vocab.get("teachers", {}).values()]
    typed = " ".join(terms)
    scored = []
    for name in dict.fromkeys(filter(None, names)):
        folded = " ".join(text.words(name))
        ratio = difflib.SequenceMatcher(None, typed, folded).ratio()
        best_word = max((difflib.SequenceMatcher(None, t, w).ratio() for t in terms for w in folded.split()), default=0)
        scored.append((max(ratio, best_word), name))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return [name for score, name in scored[:3] if score >= 0.5]


def search_courses(*, actor: Actor, q: str, query: CatalogQuery, limit: int, cursor: str | None) -> Page:
    """Courses matching every word of q (as a word, a prefix, its singular, a subject synonym, or one
    typo away for words of five letters or more), with the filters, ranked (docs/search.md).

    Reads the postings of the query words (one batched read), ranks in the process, then reads the
    page's courses by id. The cursor is an offset into the ranked list. Raises ValidationError.
    """
    terms = _search_terms(q)
    scope = _scope(actor, query)
    values = query.filter_values()
    if scope == OWN_SCOPE:
        values["teacher_uid"] = actor.uid
    sort = query.sort or "relevance"
    # No user in the tag: a public search's cursor (and its cached page) is the same for everyone;
    # mine=true carries the teacher in `values`.
    digest = hashlib.sha256(repr((terms, sorted(values.items()), sort, scope)).encode()).hexdigest()[:16]
    tag = f"course-search:{digest}"
    offset = decode_offset_cursor(cursor, tag, bound=10**6) if cursor else 0
    per_term = _term_postings(terms)
    vocab = None
    for term in terms:
        if not per_term[term] and len(term) >= TYPO_MIN_LENGTH:
            vocab = vocab if vocab is not None else search_store.read_vocab()
            per_term[term] = _typo_postings(term, vocab)
    matched = None
    for term in sorted(terms, key=lambda t: len(per_term[t])) if len(terms) > 1 else ():
        matched = set(per_term[term]) if matched is None else matched & per_term[term].keys()
        if not matched:
            break
    wanted = [(ENTRY_FILTERS[field], _entry_value(field, value)) for field, value in values.items()]
    status = STATUS_CODES[PUBLISHED] if scope == PUBLIC_SCOPE else None
    first_postings, others = per_term[terms[0]], [per_term[term] for term in terms[1:]]
    # One word (the common case, and the largest postings): every entry of its document matches.
    rows = first_postings.items() if not others else ((cid, first_postings[cid]) for cid in matched or ())

    def shown(entry: str) -> bool:
        if status and entry[STATUS_AT] != status:
            return False
        fields = entry[FILTERS_FROM:].split("|", 4)
        return all(fields[index] == value for index, value in wanted)

    if wanted or not status:
        rows = [(cid, entry) for cid, entry in rows if shown(entry)]
    else:
        rows = [(cid, entry) for cid, entry in rows if entry[STATUS_AT] == status]
    if sort == "relevance" and not others:
        ranked = [(entry[:2] + entry[RANK_TAIL], cid) for cid, entry in rows]
    elif sort == "relevance":
        # Fixed-width weights, sorted and joined, compare like "more words in a better field".
        ranked = [
            ("".join(sorted([entry[:2], *(other[cid][:2] for other in others)])) + entry[RANK_TAIL], cid)
            for cid, entry in rows
        ]
    else:
        field = {"newest": ORDER_AT, "rating": RATING_AT, "popularity": POPULARITY_AT}[sort]
        ranked = [(entry[field] + entry[ORDER_AT], cid) for cid, entry in rows]
    ranked.sort()
    window = [course_id for _, course_id in ranked[offset : offset + limit]]
    found = course_store.get_courses(window, fields=LIST_FIELDS) if window else {}
    items = []
    for course_id in window:
        course = found.get(course_id)
        # The course document is the truth: a course unpublished a moment ago is not shown.
        if course and (scope == OWN_SCOPE or course.get("status") == PUBLISHED):
            items.append(course)
    next_cursor = encode_offset_cursor(offset + limit, tag) if offset + limit < len(ranked) else None
    extra = {"matched": len(ranked)}
    if not ranked and offset == 0:
        extra["suggestions"] = suggestions(terms, vocab if vocab is not None else search_store.read_vocab())
    if offset == 0:  # paging through one search is still one search
        events.publish(
            events.courses_searched,
            query=q,
            result_count=len(ranked),
            actor_uid=getattr(actor, "uid", None),
            actor_role=getattr(actor, "role", None),
        )
    return Page(items=items, next_cursor=next_cursor, extra=extra)
