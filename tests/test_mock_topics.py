"""Lesson types follow the Platform course document on any topic, through the real routes.

The document reserves ``coding-lesson`` and ``coding-test`` for programming topics and
starts web and general conceptual courses with ``ai-tutor``, AI-focused ones with
``chat-ai``, programming ones with ``coding-lesson`` and language ones with
``reading-comprehension``. The table below is topics of every kind, in several
languages and scripts, with the traps a word-inside-word reading falls into ("linear
functions", "Morse code", "Javanese", "ball python", "chemical reactions"), and rows
where the request's ``subject`` decides. Each is checked on course creation (the first
lesson; ``coding-*`` only in programming and web courses), on ``POST …/infer-type``
(with the course's own context and with the caller's) and on a Platform module's type.
"""

from __future__ import annotations

import httpx
import pytest
from conftest import Org

from tutorflow_nb.mock.topics import analyse, classify

pytestmark = pytest.mark.anyio
P, W, A, L, G = "programming", "web", "ai", "language", "general"
CODING = {"coding-lesson", "coding-test"}
STARTER = {P: "coding-lesson", W: "ai-tutor", A: "chat-ai", L: "reading-comprehension", G: "ai-tutor"}
TOPICS = [
    # programming
    ("Create a beginner Python course covering variables, loops, and functions", None, P),
    ("Python functions", None, P),
    ("JavaScript loops", None, P),
    ("React hooks", None, P),
    ("Learn React", None, P),
    ("Java generics", None, P),
    ("Writing code in Rust", None, P),
    ("TypeScript for backend developers", None, P),
    ("C++ templates and the STL", None, P),
    ("C# and .NET fundamentals", None, P),
    ("Node.js REST APIs", None, P),
    ("SQL joins for analysts", None, P),
    ("Kotlin coroutines", None, P),
    ("Go programming: goroutines and channels", None, P),
    ("Statistics with R and the tidyverse", None, P),
    ("Data structures and algorithms", None, P),
    ("Unit testing with pytest", None, P),
    ("Git and GitHub for teams", None, P),
    ("Swift for iOS apps", None, P),
    ("Ruby on Rails", None, P),
    ("Machine learning with Python", None, P),
    ("Scratch for kids: make your first game", None, P),
    ("Python入門", None, P),
    ("Programmation orientée objet", None, P),
    ("Curso de programación en JavaScript", None, P),
    ("파이썬 프로그래밍 기초", None, P),
    ("Программирование на Python", None, P),
    ("Python for data analysis with pandas", None, P),
    ("Debugging JavaScript in the browser", None, P),
    ("Functions and loops", "programming", P),
    ("Recursion", "computer science", P),
    # web
    ("HTML and CSS for beginners", None, W),
    ("Building websites", None, W),
    ("Web design fundamentals", None, W),
    ("Create your first web page", None, W),
    ("Responsive design with CSS grid", None, W),
    ("WordPress site building", None, W),
    ("Desarrollo web para principiantes", None, W),
    ("Forms and layout", "web development", W),
    # AI
    ("Prompt engineering for marketers", None, A),
    ("Intro to machine learning", None, A),
    ("AI ethics", None, A),
    ("Large language models explained", None, A),
    ("Neural networks from scratch", None, A),
    ("ChatGPT for teachers", None, A),
    ("인공지능 입문", None, A),
    ("Intelligence artificielle pour tous", None, A),
    ("Ethics and society", "artificial intelligence", A),
    # language
    ("Spanish for travellers: everyday vocabulary", None, L),
    ("한국어 초급 회화", None, L),
    ("Cours de français pour débutants", None, L),
    ("Business English", None, L),
    ("English for travel", None, L),
    ("Conversational Spanish", None, L),
    ("JLPT N5 preparation", None, L),
    ("IELTS writing task 2", None, L),
    ("TOEFL reading practice", None, L),
    ("Learn to speak Japanese", None, L),
    ("日本語の文法", None, L),
    ("中文入门", None, L),
    ("العربية للمبتدئين", None, L),
    ("Русский язык для начинающих", None, L),
    ("Português para iniciantes", None, L),
    ("Italiano per principianti", None, L),
    ("हिन्दी सीखें", None, L),
    ("Deutsch für Anfänger", None, L),
    ("Español", None, L),
    ("Intermediate German", None, L),
    ("Mandarin Chinese tones and pinyin", None, L),
    ("English grammar drills", None, L),
    ("Korean", None, L),
    ("Learn Javanese", None, L),
    ("American Sign Language basics", None, L),
    ("Everyday phrases", "languages", L),
    ("Japanese language and culture", None, L),
    # general
    ("Algebra: linear functions", None, G),
    ("Chemical reactions", None, G),
    ("Nuclear reactor physics", None, G),
    ("Biology: feedback loops", None, G),
    ("The history of Morse code", None, G),
    ("Javanese culture", None, G),
    ("Java (island) history", None, G),
    ("Building trust in remote teams", None, G),
    ("Ball python care", None, G),
    ("Pythons of Southeast Asia: a snake field guide", None, G),
    ("Monty Python and British comedy", None, G),
    ("How the web works: DNS and browsers", None, G),
    ("The French Revolution", None, G),
    ("German history 1800-1900", None, G),
    ("Japanese cuisine at home", None, G),
    ("The Korean War", None, G),
    ("English literature: the Romantics", None, G),
    ("Rust prevention for bicycles", None, G),
    ("Ruby gemstones and how they form", None, G),
    ("How to react to criticism", None, G),
    ("Vitamin C functions in the body", None, G),
    ("Let's go hiking", None, G),
    ("Fractions and decimals for grade 5", None, G),
    ("Photosynthesis", None, G),
    ("Rivers and lakes of Europe", None, G),
    ("Polish your CV", None, G),
    ("Swift birds and their migration", None, G),
    ("Genetic code and protein synthesis", None, G),
    ("Medical coding with ICD-10", None, G),
    ("Linear programming for operations research", None, G),
    ("Ce que j'ai appris en physique", None, G),
    ("Introduzione ai numeri complessi", None, G),
    ("Physics taught in English", None, G),
    ("数学の基礎", None, G),
    ("Histoire de France", None, G),
    ("Cuisine française", None, G),
    ("Unit test: the cell", None, G),
    ("Latin American history", None, G),
    ("The history of the English language", None, G),
    ("Python functions", "mathematics", G),
    ("Loops and variables in simulations", "physics", G),
    ("Spanish for travellers", "history", G),
]


def test_the_table_is_broad() -> None:
    assert len(TOPICS) >= 80
    kinds = {kind for _, _, kind in TOPICS}
    assert kinds == {P, W, A, L, G}
    scripts = {"Hangul": "\uac00", "Han": "\u4e00", "Kana": "\u3040", "Cyrillic": "\u0400", "Arabic": "\u0600"}
    scripts["Devanagari"] = "\u0900"
    for name, start in scripts.items():
        low, high = ord(start), ord(start) + 0x500
        assert any(low <= ord(ch) < high for topic, _, _ in TOPICS for ch in topic), name


@pytest.mark.parametrize(("topic", "subject", "kind"), TOPICS)
def test_classify(topic: str, subject: str | None, kind: str) -> None:
    assert classify(topic, subject=subject) == kind, analyse(topic, subject=subject)


@pytest.mark.parametrize(("topic", "subject", "kind"), TOPICS)
async def test_lesson_types_through_the_routes(
    api: httpx.AsyncClient, org: Org, topic: str, subject: str | None, kind: str
) -> None:
    body = {"prompt": topic, "lessonCount": 8, "hasQuiz": True, "hasPractice": True}
    if subject:
        body["subject"] = subject
    r = await api.post("/v1/platform/courses", json=body, headers=org.platform)
    assert r.status_code == 201, r.text
    course = r.json()
    types = [lesson["type"] for lesson in course["lessons"]]
    assert types[0] == STARTER[kind], types
    if kind in (P, W):
        assert "coding-test" in types  # hasPractice: hands-on coding practice
    else:
        assert not CODING & set(types), types
    assert "exam" in types  # hasQuiz

    editor = f"/v1/platform/courses/edit/{course['previewUrl'].rsplit('/', 1)[1]}/infer-type"
    inferred = (await api.post(editor, json={"lessonTitle": "Exercises"})).json()["type"]  # the course's own context
    assert inferred == ("coding-test" if kind in (P, W) else "exam")
    if subject:
        return  # modules and the caller's own course context carry no subject
    inferred = (await api.post(editor, json={"lessonTitle": topic, "courseTitle": topic})).json()["type"]
    assert (inferred in CODING) == (kind in (P, W)), inferred

    r = await api.post("/v1/platform/modules", json={"prompt": topic}, headers=org.platform)
    assert r.status_code == 201, r.text
    module_type = r.json()["type"]
    if kind == L:  # a language module's own words may ask for vocabulary, conversation or an exam
        assert module_type in {"reading-comprehension", "flashcard", "chat-ai", "exam"}, module_type
    else:  # a standalone module is its own first lesson
        assert module_type == STARTER[kind] or (kind == G and module_type == "exam"), module_type


@pytest.mark.slow
async def test_infer_type_keeps_coding_out_of_a_course_that_is_not_programming(
    api: httpx.AsyncClient, org: Org
) -> None:
    r = await api.post(
        "/v1/platform/courses", json={"prompt": "Intermediate Algebra", "lessonCount": 3}, headers=org.platform
    )
    editor = f"/v1/platform/courses/edit/{r.json()['previewUrl'].rsplit('/', 1)[1]}/infer-type"
    cases = [
        ({"lessonTitle": "Practice: Factoring Polynomials", "courseTitle": "Intermediate Algebra"}, "exam"),
        ({"lessonTitle": "Python functions", "courseTitle": "Intermediate Algebra"}, "ai-tutor"),
        ({"lessonTitle": "Practice: loops"}, "exam"),
        ({"lessonTitle": "Unit test: polynomials"}, "exam"),  # a school unit test
        ({"lessonTitle": "Key formulas"}, "flashcard"),
        ({"lessonTitle": "Practice: loops", "courseTitle": "JavaScript basics"}, "coding-test"),
        ({"lessonTitle": "Unit tests", "courseTitle": "Python Foundations"}, "coding-lesson"),
        ({"lessonTitle": "Reading: the market", "courseTitle": "Conversational Spanish"}, "reading-comprehension"),
        ({"lessonTitle": "Reading: the market", "courseTitle": "Economics"}, "markdown"),
        ({"lessonTitle": "Writing better prompts", "courseTitle": "Prompt engineering"}, "chat-ai"),
        (
            {
                "lessonTitle": "Loops",
                "existingLessons": [{"title": "Python variables", "type": "coding-lesson"}],
                "courseTitle": "Python Foundations",
            },
            "coding-lesson",
        ),
    ]
    for body, expected in cases:
        answer = await api.post(editor, json=body)
        assert answer.status_code == 200 and answer.json()["type"] == expected, (body, answer.text)


async def test_the_subject_decides_over_the_prompt(api: httpx.AsyncClient, org: Org) -> None:
    for subject, first in (
        ("mathematics", "ai-tutor"),
        ("programming", "coding-lesson"),
        ("Spanish", "reading-comprehension"),
    ):
        body = {"prompt": "Python functions and loops", "subject": subject, "lessonCount": 6, "hasPractice": True}
        course = (await api.post("/v1/platform/courses", json=body, headers=org.platform)).json()
        types = [lesson["type"] for lesson in course["lessons"]]
        assert types[0] == first and (bool(CODING & set(types)) == (subject == "programming")), (subject, types)
        assert course["subject"] == subject


def test_evidence_names_what_decided() -> None:
    assert analyse("Writing code in Rust").evidence == ("writing code", "rust")
    assert analyse("Building trust in remote teams").decided is False  # nothing named a kind: general by default
    assert analyse("Algebra: linear functions").evidence == ("algebra",)
    assert analyse("Anything at all", subject="physics").evidence == ("subject: physics",)
    assert analyse("React hooks", subject="cooking").kind == G
    assert analyse("React hooks", subject="something unheard of").kind == P  # an unknown subject is read with the rest
