"""Property tests (hypothesis): the payload builder, idempotency-key derivation, money arithmetic.

Each property is a promise users rely on, checked over generated inputs rather than a few
hand-picked ones: the form builds exactly the request it was given and names the field a
blanked value breaks; a key depends on the body's content and never on its key order, and
always fits the API's limit; every amount is exact to the cent however it is summed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutorflow_nb import idempotency
from tutorflow_nb.frames import price_snapshots, to_cents
from tutorflow_nb.mock.platform import price_snapshot
from tutorflow_nb.mock.state import MockState
from tutorflow_nb.models.constants import OUTPUT_TYPES
from tutorflow_nb.models.requests import ExpansionCreate
from tutorflow_nb.pricing import estimate, reconcile

# one line of text the form's fields hold as typed: no separators, no surrounding blanks
WORD = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="|"),
    min_size=1,
    max_size=30,
)
IDENT = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
FORM_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def expansion_requests(draw: Any) -> dict[str, Any]:
    """Requests in the shape the form edits: any of the documented outputs, items or floco terms."""
    floco = draw(st.booleans())
    key = "terms" if floco else "items"
    ids = draw(st.lists(IDENT, min_size=1, max_size=4, unique=True))
    lessons = []
    for lesson_id in ids:
        entries = []
        for _ in range(draw(st.integers(1, 3))):
            entry = {"term": draw(WORD), "meaning": draw(WORD)}
            if floco and draw(st.booleans()):
                entry["example"] = draw(WORD)
            entries.append(entry)
        lessons.append(
            {
                "id": lesson_id,
                "type": draw(st.sampled_from(["vocabulary", "term", "grammar"])),
                "title": draw(WORD),
                key: entries,
            }
        )
    outputs = [o for o in OUTPUT_TYPES if draw(st.booleans())] or [OUTPUT_TYPES[0]]
    payload: dict[str, Any] = {
        "category": {"id": draw(IDENT), "title": draw(WORD)},
        "level": {"id": draw(IDENT), "title": draw(WORD), "lessons": lessons},
    }
    if draw(st.booleans()):
        payload["language"] = draw(st.sampled_from(["en", "fr", "pt-BR", "zh"]))
    body: dict[str, Any] = {"requestedOutputs": outputs, "payload": payload}
    if floco:
        body = {"sourceType": "floco", **body}
    return body


@pytest.fixture(scope="module")
def form() -> Any:
    from tutorflow_nb.widgets import ExpansionForm

    return ExpansionForm()


# ---------------------------------------------------------------- the payload builder


@pytest.mark.slow
@FORM_SETTINGS
@given(request=expansion_requests())
def test_the_form_builds_exactly_the_request_it_was_given(form: Any, request: dict[str, Any]) -> None:
    form.load(request)
    assert form.request == request
    assert form.validate() == {} and not form.launch_button.disabled
    ExpansionCreate.model_validate(form.request)  # the mock's own rules accept it
    assert form.idempotency_key == idempotency.expansion(form.request)


# any text a value may hold: separators, line breaks, backslashes, quotes, any script; no surrounding blanks
VALUE = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=25).filter(
    lambda s: s == s.strip() and s.strip() != ""
)
EXTRA = st.dictionaries(st.from_regex(r"x[A-Za-z]{1,6}", fullmatch=True), JSON, max_size=2)


@st.composite
def valid_requests(draw: Any, representable: bool) -> dict[str, Any]:
    """Any request the API accepts (checked with its own model), with whatever the documents allow in it:
    values with |, line breaks and backslashes, examples in either entry form, a classroom, any order of
    outputs, extra fields at every level. With ``representable``, nothing the form is documented not to keep
    (an entry's extra fields, a value with surrounding blanks)."""
    floco = draw(st.booleans())
    key = draw(st.sampled_from(["terms", "items"])) if draw(st.booleans()) else ("terms" if floco else "items")
    lessons = []
    for lesson_id in draw(st.lists(IDENT, min_size=1, max_size=3, unique=True)):
        entries = []
        for _ in range(draw(st.integers(1, 3))):
            entry: dict[str, Any] = {"term": draw(VALUE), "meaning": draw(VALUE)}
            if draw(st.booleans()):
                entry["example"] = draw(VALUE)
            if not representable and draw(st.integers(0, 5)) == 0:
                entry.update(draw(EXTRA))
            if not representable and draw(st.integers(0, 5)) == 0:
                entry["term"] = " " + entry["term"]
            entries.append(entry)
        lesson = {"id": lesson_id, "type": draw(IDENT), "title": draw(VALUE), **draw(EXTRA), key: entries}
        lessons.append(lesson)
    category: Any = draw(VALUE) if draw(st.booleans()) else {"id": draw(IDENT), "title": draw(VALUE), **draw(EXTRA)}
    payload: dict[str, Any] = {"category": category, **draw(EXTRA)}
    payload["level"] = {"id": draw(IDENT), "title": draw(VALUE), **draw(EXTRA), "lessons": lessons}
    if draw(st.booleans()):
        payload["language"] = draw(st.sampled_from(["en", "fr", "pt-BR", "zh"]))
    outputs = draw(st.permutations(list(OUTPUT_TYPES)))[: draw(st.integers(1, 3))]
    body: dict[str, Any] = {"requestedOutputs": outputs, "payload": payload}
    if floco:
        body["sourceType"] = "floco"
    if draw(st.booleans()):
        body["classroomId"] = draw(IDENT)
    ExpansionCreate.model_validate(body)  # only requests the API accepts
    return body


@pytest.mark.slow
@FORM_SETTINGS
@given(request=valid_requests(representable=True))
def test_the_form_keeps_any_valid_request_exactly(form: Any, request: dict[str, Any]) -> None:
    """| inside a meaning, a multi-line meaning, an example in items, a classroom, the outputs' order, extra
    fields of the payload, the category, the level and the lessons: all come back exactly, ready to launch."""
    form.load(request)
    assert form.unrepresentable == [] and form.request == request
    assert not form.launch_button.disabled and form.validate() == {}
    assert form.idempotency_key == idempotency.expansion(request)  # Launch sends this key, for this content


@pytest.mark.slow
@FORM_SETTINGS
@given(request=valid_requests(representable=False))
def test_the_form_never_launches_other_content_than_it_was_given(form: Any, request: dict[str, Any]) -> None:
    form.load(request)
    if form.request == request:
        assert form.unrepresentable == [] and not form.launch_button.disabled
    else:  # it says what it cannot show, and Launch is off
        assert form.unrepresentable and form.launch_button.disabled
        assert all(path in form.status.value for path in form.unrepresentable)
        assert form.launch() is None and form.job is None


BLANKABLE = {
    "category_title": "payload.category",
    "level_id": "payload.level.id",
    "level_title": "payload.level.title",
}


@pytest.mark.slow
@FORM_SETTINGS
@given(request=expansion_requests(), field=st.sampled_from(sorted(BLANKABLE)), lesson_field=st.booleans())
def test_a_blanked_field_is_named_and_launch_is_disabled(
    form: Any, request: dict[str, Any], field: str, lesson_field: bool
) -> None:
    form.load(request)
    if lesson_field:
        form.lesson_editors()[-1].title.value = ""
        n = len(request["payload"]["level"]["lessons"]) - 1
        expected = f"payload.level.lessons[{n}].title"
    else:
        getattr(form, field).value = ""
        expected = BLANKABLE[field]
    assert any(path == expected or path.startswith(expected + ".") for path in form.errors), form.errors
    assert form.launch_button.disabled


# ---------------------------------------------------------------- idempotency keys


def reordered(value: Any) -> Any:
    """The same JSON with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {k: reordered(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reordered(v) for v in value]
    return value


@pytest.mark.slow
@settings(max_examples=300)
@given(
    body=JSON,
    kind=st.sampled_from(sorted(idempotency.PATTERNS)),
    external=st.none() | st.text(min_size=1, max_size=400),
    version=st.none() | st.text(min_size=1, max_size=20),
)
def test_a_key_depends_on_content_never_on_key_order_and_always_fits(
    body: Any, kind: str, external: str | None, version: str | None
) -> None:
    key = idempotency.derive(kind, body, external_id=external, version=version)
    assert key == idempotency.derive(kind, reordered(body), external_id=external, version=version)
    assert 1 <= len(key) <= idempotency.MAX_LENGTH
    assert idempotency.fingerprint(body) in key
    key.encode("ascii")  # a header carries it, whatever the ids hold
    assert MockState.check_idempotency_key(key) == key  # and the API takes it


IDS = st.text(min_size=1, max_size=300) | st.builds(
    lambda s, t: s * 250 + t, st.text(min_size=1, max_size=2), st.text(max_size=3)
)


@pytest.mark.slow
@settings(max_examples=300)
@given(
    kind=st.sampled_from(sorted(idempotency.PATTERNS)),
    a=st.tuples(IDS, st.none() | st.text(min_size=1, max_size=300)),
    b=st.tuples(IDS, st.none() | st.text(min_size=1, max_size=300)),
)
def test_different_ids_or_versions_never_share_a_key_however_long(
    kind: str, a: tuple[str, str | None], b: tuple[str, str | None]
) -> None:
    """Two external ids that differ only past the header's length limit (two cohorts of one long URL) stay apart."""
    body = {"prompt": "same body"}
    ka = idempotency.derive(kind, body, external_id=a[0], version=a[1])
    kb = idempotency.derive(kind, body, external_id=b[0], version=b[1])
    assert (ka == kb) == ((a[0], a[1] or "v1") == (b[0], b[1] or "v1"))
    # and so do their successors, which a re-run after a delete moves on to; each still names its origin
    for generation in (2, 3, idempotency.MAX_GENERATIONS):
        sa, sb = idempotency.successor(ka, generation), idempotency.successor(kb, generation)
        assert (sa == sb) == (ka == kb) and sa != ka and len(sa) <= idempotency.MAX_LENGTH
        assert idempotency.origin(sa) == ka and idempotency.external_id_of(sa) == idempotency.external_id_of(ka)


@pytest.mark.parametrize(
    ("a", "b"),
    [("a b", "a%20b"), ("é", "%C3%A9"), ("a|b", "a%7Cb"), ("50%", "50%25"), ("x:y", "x%3Ay"), ("%", "%25")],
)
@pytest.mark.parametrize("where", ["external_id", "version"])
def test_an_id_that_looks_encoded_is_not_the_id_it_looks_like(a: str, b: str, where: str) -> None:
    """A literal escape in an id is an id of its own: "a%20b" is not "a b", and each reads back as itself."""
    ka = idempotency.derive("module", {}, **{"external_id": "m", "version": None, where: a})
    kb = idempotency.derive("module", {}, **{"external_id": "m", "version": None, where: b})
    assert ka != kb
    if where == "external_id":
        assert (idempotency.external_id_of(ka), idempotency.external_id_of(kb)) == (a, b)
    assert len(ka) <= idempotency.MAX_LENGTH and MockState.check_idempotency_key(ka) == ka


@pytest.mark.slow
@settings(max_examples=300)
@given(
    kind=st.sampled_from(sorted(idempotency.PATTERNS)),
    external=st.text(min_size=1, max_size=300),
    version=st.none() | st.text(min_size=1, max_size=30),
    generation=st.integers(1, 4),
)
def test_a_key_names_its_external_id_back_or_nothing(
    kind: str, external: str, version: str | None, generation: int
) -> None:
    """Whatever the id and version hold (``:`` included), a key reads back as its id, or as none once shortened."""
    key = idempotency.successor(idempotency.derive(kind, {"a": 1}, external_id=external, version=version), generation)
    assert len(key) <= idempotency.MAX_LENGTH and MockState.check_idempotency_key(key) == key
    assert idempotency.external_id_of(key) == (None if "|" in key else external)
    assert idempotency.origin(key) == idempotency.successor(key, 1) or generation > 1
    if len(external.encode()) < 50 and (version is None or len(version.encode()) < 10):
        assert idempotency.external_id_of(key) == external  # short ids are never shortened, even encoded


@pytest.mark.slow
@settings(max_examples=300)
@given(a=JSON, b=JSON)
def test_different_bodies_get_different_keys(a: Any, b: Any) -> None:
    same = idempotency.fingerprint(a) == idempotency.fingerprint(b)
    assert same == (idempotency.fingerprint(reordered(a)) == idempotency.fingerprint(b))
    if a != b and not (isinstance(a, bool) or isinstance(b, bool)):
        assert idempotency.derive("expansion", a, external_id="x") != idempotency.derive(
            "expansion", b, external_id="x"
        )


# ---------------------------------------------------------------- money

LESSONS = st.integers(min_value=1, max_value=50)


@pytest.mark.slow
@settings(max_examples=200)
@given(counts=st.lists(LESSONS, max_size=60), modules=st.integers(0, 200))
def test_an_estimate_is_exact_to_the_cent(counts: list[int], modules: int) -> None:
    est = estimate(courses=counts, modules=modules)
    lessons = sum(counts) + modules
    assert est.total == Decimal("0.05") * lessons
    assert to_cents(est.total) == 5 * lessons
    assert est.total == sum(est.frame["amount_usd"], Decimal("0"))  # rows add up to the total, exactly


@pytest.mark.slow
@settings(max_examples=200)
@given(planned=st.lists(LESSONS, min_size=1, max_size=30), data=st.data())
def test_reconcile_explains_every_cent(planned: list[int], data: Any) -> None:
    """Any plan, any subset of it billed with any lesson counts, in any order, plus requests it never named:
    each bill pairs with the plan entry it came from, every cent of every difference is explained."""
    bodies = [{"prompt": f"Course {i}", "lessonCount": n} for i, n in enumerate(planned)]
    sent = data.draw(st.lists(st.integers(0, len(bodies) - 1), unique=True))
    generated = {i: data.draw(LESSONS) for i in sent}
    strangers = data.draw(st.integers(0, 3))
    billed = [
        {
            "id": f"req-{i}",
            "idempotencyKey": idempotency.platform_course(bodies[i]),
            "priceSnapshot": price_snapshot("course", generated[i]),
        }
        for i in sent
    ] + [{"id": f"other-{k}", "priceSnapshot": price_snapshot("course", 2)} for k in range(strangers)]
    billed = data.draw(st.permutations(billed))
    table = reconcile(estimate(courses=bodies), billed)
    total, rows = table.iloc[-1], table.iloc[:-1]
    for i in range(len(bodies)):
        row = rows[rows["plan_id"] == f"course-{i + 1}"].iloc[0]
        assert (row["request_id"] == f"req-{i}") if i in generated else pd.isna(row["request_id"])
        assert row["billed_units"] == generated.get(i, 0)
    assert len(rows) == len(bodies) + strangers
    billed_lessons = sum(generated.values()) + 2 * strangers
    assert total["billed_usd"] == Decimal("0.05") * billed_lessons
    assert total["difference_usd"] == Decimal("0.05") * (billed_lessons - sum(planned))
    assert sum(rows["difference_usd"], Decimal("0")) == total["difference_usd"]
    assert (total["explanation"] == "as estimated") == (billed_lessons == sum(planned))


@pytest.mark.slow
@settings(max_examples=500)
@given(units=st.integers(1, 10_000_000))
def test_billed_amounts_survive_json_floats(units: int) -> None:
    snap = price_snapshot("module", units)  # amountUsd travels as a JSON number
    frame = price_snapshots([{"id": "r", "priceSnapshot": snap}])
    assert frame["amount_usd"][0] == Decimal("0.05") * units
    assert frame["amount_cents"][0] == 5 * units


@given(cents=st.integers(0, 10**12))
def test_cents_round_trip(cents: int) -> None:
    assert to_cents(cents / 100) == cents
    assert to_cents(Decimal(cents) / 100) == cents


@pytest.mark.parametrize("odd", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_money_that_is_not_a_number_is_said_so(odd: str) -> None:
    from tutorflow_nb.display import format_usd

    assert format_usd(Decimal(odd)) == odd and "$" not in format_usd(float(odd.replace("sNaN", "nan")))


@pytest.mark.slow
@settings(max_examples=500)
@given(amount=st.decimals(allow_nan=False, allow_infinity=False))
def test_money_shows_exactly_what_it_is(amount: Decimal) -> None:
    """Any amount, however large or fine, reads back as itself: never rounded, never an error."""
    from tutorflow_nb.display import format_usd

    shown = format_usd(amount)
    assert Decimal(shown.replace("$", "")) == amount and shown.lstrip("-").startswith("$")
    cents = shown.split(".")[1]
    assert len(cents) >= 2 and (len(cents) == 2 or not cents.endswith("0"))
