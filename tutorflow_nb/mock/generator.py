"""Deterministic content generation for the mock.

Everything here is a pure function of the request and the mock's seed: the same payload
and seed give the same titles, lessons, scenes and questions, and the content is built
from the caller's own lessons, terms and prompt so a person recognises it.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from typing import Any

from ..idempotency import source_content_id
from ..models.constants import LESSON_TYPES, MAX_LESSONS
from ..models.requests import PlatformCourseCreate, PlatformModuleCreate, SourcePayload
from .topics import AI, CODING_KINDS, GENERAL, KINDS, LANGUAGE, PROGRAMMING, WEB, Text, analyse, classify

__all__ = [
    "analyse",
    "classify",
    "course_plan",
    "expansion_module",
    "expansion_quiz",
    "expansion_video",
    "infer_type",
    "lesson_stream",
    "module_body",
    "rng_for",
    "slugify",
]

_STARTER = {
    PROGRAMMING: "coding-lesson",
    WEB: "ai-tutor",
    AI: "chat-ai",
    LANGUAGE: "reading-comprehension",
    GENERAL: "ai-tutor",
}
"""The first lesson of each kind of course, as the document's first-lesson rule says."""
_CYCLE = {
    PROGRAMMING: ("coding-lesson", "coding-test", "ai-tutor"),
    WEB: ("coding-lesson", "ai-tutor", "coding-test"),
    AI: ("chat-ai", "ai-tutor", "markdown"),
    LANGUAGE: ("reading-comprehension", "flashcard", "chat-ai"),
    GENERAL: ("ai-tutor", "markdown", "flashcard"),
}
"""The types the rest of a course cycles through; ``coding-*`` only for programming and web."""
_LESSON_TITLES = (
    "Introduction to {t}",
    "Working with {t}",
    "{t} in Practice",
    "{t} Challenges",
    "Deeper into {t}",
    "{t} Review",
)
_COURSE_SUFFIX = ("Foundations", "Quick Start", "Essentials", "Fundamentals")
_CODING = frozenset({"coding-lesson", "coding-test"})
assert {*_STARTER.values(), *(t for cycle in _CYCLE.values() for t in cycle)} <= set(LESSON_TYPES)
assert all(not _CODING & {_STARTER[k], *_CYCLE[k]} for k in KINDS if k not in CODING_KINDS)


def rng_for(seed: int, *parts: Any) -> random.Random:
    """A generator seeded by the mock's seed and the canonical JSON of ``parts``."""
    blob = json.dumps([seed, *parts], sort_keys=True, separators=(",", ":"), default=str)
    return random.Random(int.from_bytes(hashlib.sha256(blob.encode()).digest()[:8], "big"))


def slugify(text: str, rng: random.Random | None = None) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-") or "item"
    return f"{base}-{rng.getrandbits(24):06x}" if rng else base


def _topics(prompt: str) -> tuple[str, list[str]]:
    """(subject, topics) read from a prompt such as 'a beginner Python course covering x, y and z'."""
    text = prompt.strip().rstrip(".")
    m = re.search(r"\b(?:covering|about|on|including|through)\b(.+)$", text, re.I)
    topics: list[str] = []
    if m:
        tail = re.split(r"\b(?:with|for|using|so that|in order)\b", m.group(1), flags=re.I)[0]
        topics = [t.strip(" .") for t in re.split(r",|\band\b|;", tail) if t.strip(" .")]
    head = text[: m.start()] if m else text
    head = re.sub(r"^(?:please\s+)?(?:create|generate|make|build|write|design)\s+", "", head, flags=re.I)
    head = re.sub(r"^(?:a|an|the)\s+", "", head, flags=re.I)
    head = re.sub(r"\b(?:beginner|intermediate|advanced|short|quick|simple|complete)\b", "", head, flags=re.I)
    head = re.sub(r"\b(?:course|lesson|module|class|tutorial)s?\b.*$", "", head, flags=re.I)
    subject = " ".join(head.split())[:60] or (topics[0] if topics else "General Knowledge")
    return subject, [t[:80] for t in topics][:10]


def _title(text: str) -> str:
    return " ".join(w if w.isupper() else w[:1].upper() + w[1:] for w in text.split())


def course_plan(req: PlatformCourseCreate, seed: int) -> dict[str, Any]:
    """Title, description, chapters and lessons of a generated course.

    The number of lessons may differ from ``lessonCount`` by one (the documents bill "actual generated
    lessons, not the requested lessonCount" and say no more: ``lesson-count`` in ``assumptions.py``);
    billing follows this number.
    """
    rng = rng_for(seed, "course", req.given())
    kind = classify(req.prompt, req.title, req.description, subject=req.subject)
    subject, topics = _topics(req.prompt)
    roll = rng.random()
    delta = 0 if roll < 0.6 else (1 if roll < 0.8 else -1)
    count = min(MAX_LESSONS, max(1, req.lessonCount + delta))
    n_chapters = max(1, min(len(topics) or (count + 1) // 2, count, 10))
    chapter_topics = (topics or [subject])[:n_chapters]
    while len(chapter_topics) < n_chapters:
        chapter_topics.append(f"{subject} part {len(chapter_topics) + 1}")
    title = req.title or f"{_title(subject)} {rng.choice(_COURSE_SUFFIX)}"
    description = req.description or (
        f"A {req.level or 'beginner-friendly'} {subject} course covering {', '.join(chapter_topics)}."
    )
    per, extra = divmod(count, n_chapters)
    chapters: list[dict[str, Any]] = []
    lessons: list[dict[str, Any]] = []
    cycle = _CYCLE[kind]
    for c, topic in enumerate(chapter_topics):
        ctitle = _title(topic) if topics else f"{_title(subject)}: Part {c + 1}"
        cslug = slugify(ctitle, rng)
        size = per + (1 if c < extra else 0)
        chapters.append({"id": cslug, "title": ctitle, "slug": cslug, "sequence": c + 1, "lessonCount": size})
        for i in range(size):
            seq = len(lessons) + 1
            if seq == 1:
                ltype = _STARTER[kind]
            elif req.hasQuiz and i == size - 1 and size > 1:
                ltype = "exam"
            elif req.hasPractice and i % 2 == 1:
                ltype = "coding-test" if kind in CODING_KINDS else "flashcard"
            else:
                ltype = cycle[(seq + i) % len(cycle)]
            ltitle = (
                "Welcome to " + _title(subject)
                if seq == 1
                else _LESSON_TITLES[i % len(_LESSON_TITLES)].format(t=_title(topic))
            )
            lessons.append(
                {
                    "title": ltitle,
                    "type": ltype,
                    "sequence": seq,
                    "chapterId": cslug,
                    "chapterTitle": ctitle,
                    "chapterSlug": cslug,
                    "lessonSlug": slugify(ltitle, rng),
                    "description": f"{ltitle}: part of {title}.",
                    "lecture": f"<h2>{ltitle}</h2><p>{_title(topic)} in {title}: {description}</p>",
                    "quizzes": _quizzes(topic, 3, rng) if ltype == "exam" else [],
                    "problems": (
                        [{"prompt": f"Write code that uses {topic}.", "starterCode": "# your code here\n"}]
                        if ltype == "coding-test"
                        else []
                    ),
                }
            )
    return {
        "kind": kind,
        "title": title,
        "description": description,
        "subject": subject,
        "slug": slugify(title, rng),
        "chapters": chapters,
        "lessons": lessons,
    }


def _quizzes(topic: str, n: int, rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        choices = [
            f"A correct statement about {topic}",
            f"A common misconception about {topic}",
            f"Something unrelated to {topic}",
        ]
        rng.shuffle(choices)
        out.append(
            {
                "question": f"Question {i + 1} on {topic}",
                "choices": choices,
                "answerIndex": choices.index(f"A correct statement about {topic}"),
            }
        )
    return out


def module_body(req: PlatformModuleCreate, seed: int) -> dict[str, Any]:
    rng = rng_for(seed, "module", req.given())
    subject, topics = _topics(req.text)
    title = req.title or _title(subject)
    ltype = req.type or infer_type(title, req.description, req.text, req.target, first=True)
    return {
        "title": title,
        "description": req.description or req.text[:2000],
        "type": ltype,
        "slug": req.slug or slugify(title, rng),
        "lecture": f"<h1>{title}</h1><p>{req.text}</p>" + "".join(f"<h2>{_title(t)}</h2>" for t in topics),
        "quizzes": _quizzes(subject, 2, rng) if req.hasQuiz else [],
    }


_RULES = (
    ("exam", "quiz quizzes test tests exam exams examination assessment assessments midterm review reviews"),
    ("exam", "examen prueba prüfung esame тест экзамен テスト クイズ 試験 测验 考试 시험 테스트 퀴즈"),
    ("flashcard", "vocabulary vocab flashcard flashcards glossary terms formula formulas formulae memorise memorize"),
    ("flashcard", "vocabulaire vocabulario wortschatz vocabolario лексика 単語 語彙 词汇 单词 단어 어휘"),
    ("reading", "reading passage passages comprehension lectura lesen чтение"),
    ("chat-ai", "conversation conversations dialogue dialogues dialog roleplay conversación"),
    ("chat-ai", "会話 会话 회화 対話 对话 대화"),
    ("prompt", "prompt prompts prompting"),
    ("practice", "practice practise practising practicing exercise exercises challenge challenges problems"),
    ("practice", "drill drills kata katas pratique exercices ejercicios práctica übung übungen esercizi"),
    ("practice", "практика упражнения 練習 练习 연습 실습 演習"),
    ("markdown", "overview reference syllabus summary recap outline resources"),
)
"""Words in a lesson's title or description that ask for a type, in order of precedence."""
_RULE_WORDS = tuple(
    (ltype, frozenset(words.split()), frozenset(w for w in words.split() if not w.isascii())) for ltype, words in _RULES
)
"""Each rule's words, and those of them in scripts without spaces (found inside words)."""
_NOT_EXAM = frozenset({"unit", "code"})
"""In a programming course, ``test`` or ``review`` after these is a coding topic: "unit tests", "code review"."""


def _rule(title: str, description: str | None, kind: str) -> str | None:
    """The type a lesson's own words ask for ("Practice: …", "Key vocabulary", "Course overview") in a ``kind`` course.

    ``practice`` is ``coding-test`` in programming and web courses and ``exam`` elsewhere;
    ``reading`` is ``reading-comprehension`` in language courses and ``markdown`` elsewhere;
    ``prompt`` asks for ``chat-ai`` in AI courses only.
    """
    text = Text(f"{title} {description or ''}")
    words = set(text.tokens)
    if kind in CODING_KINDS:
        for i, token in enumerate(text.tokens):
            if token in ("test", "tests", "review", "reviews") and i > 0 and text.tokens[i - 1] in _NOT_EXAM:
                words.discard(token)
    for ltype, vocabulary, pieces in _RULE_WORDS:
        if not (vocabulary & words or text.inside(pieces)):
            continue
        if ltype == "practice":
            return "coding-test" if kind in CODING_KINDS else "exam"
        if ltype == "reading":
            return "reading-comprehension" if kind == LANGUAGE else "markdown"
        if ltype == "prompt":
            if kind == AI:
                return "chat-ai"
            continue
        return ltype
    return None


def infer_type(
    title: str, description: str | None = None, *context: str | None, subject: str | None = None, first: bool = False
) -> str:
    """The lesson type a title suggests, as ``POST …/infer-type`` answers (and a module without ``type`` gets).

    ``context`` describes the course (its title, description, prompt, other lessons) and
    ``subject`` is the course's subject field, which decides the kind where the mock
    knows it. The course's kind wins when its context names one ("Practice: loops" in
    "Intermediate Algebra" is an ``exam``); otherwise the lesson's words and the context
    together decide. ``coding-*`` only for programming and web kinds. ``first``: the lesson
    starts its course (a standalone module does), so it gets the kind's starter type.
    """
    course = analyse(*context, subject=subject) if subject or any(context) else None
    kind = course.kind if course is not None and course.decided else analyse(title, description, *context).kind
    return _rule(title, description, kind) or _default(kind, first)


def _default(kind: str, first: bool) -> str:
    """A lesson whose words ask for nothing: the starter type first, then the kind's usual one."""
    if first:
        return _STARTER[kind]
    return {PROGRAMMING: "coding-lesson", WEB: "coding-lesson", AI: "chat-ai"}.get(kind) or _STARTER[kind]


# ---------------------------------------------------------------- expansions


def _source_id(payload: SourcePayload) -> str | None:
    """The runbook's ``sourceContentId`` (``{category id}:{level id}``), derived as the client derives it."""
    return source_content_id({"payload": payload.model_dump(mode="json")})


def expansion_module(payload: SourcePayload, source_type: str | None) -> dict[str, Any]:
    level = payload.level
    blocks = [
        {
            "type": "flashcard",
            "lessonId": lesson.id,
            "term": e.term,
            "meaning": e.meaning,
            **({"example": e.example} if e.example else {}),
        }
        for lesson in level.lessons
        for e in lesson.entries
    ]
    html = "".join(
        f"<h2>{lesson.title}</h2><ul>"
        + "".join(f"<li><b>{e.term}</b>: {e.meaning}</li>" for e in lesson.entries)
        + "</ul>"
        for lesson in level.lessons
    )
    return {
        "title": f"{level.title} module",
        "type": "flashcard",
        "description": f"{payload.category_title}: {level.title}, {len(level.lessons)} lesson(s).",
        "content": html,
        "metadata": {
            "sourceContentId": _source_id(payload),
            "sourceType": source_type,
            "language": payload.language,
            "interactive": {"blocks": blocks},
        },
    }


def expansion_video(payload: SourcePayload, source_type: str | None) -> dict[str, Any]:
    level = payload.level
    scenes = [
        {
            "title": level.title,
            "narration": f"Welcome to {level.title} in {payload.category_title}.",
            "durationSeconds": 8,
        }
    ]
    for lesson in level.lessons:
        terms = ", ".join(f"{e.term} ({e.meaning})" for e in lesson.entries[:8])
        scenes.append(
            {
                "title": lesson.title,
                "narration": f"In {lesson.title} we meet: {terms}.",
                "durationSeconds": 10 + 2 * min(len(lesson.entries), 10),
            }
        )
    scenes.append(
        {"title": "Recap", "narration": f"That was {level.title}. Review the quiz next.", "durationSeconds": 6}
    )
    return {
        "title": f"{level.title} summary video",
        "description": "Editable scene structure; render an MP4 after reviewing the scenes.",
        "scenes": scenes,
        "metadata": {"sourceContentId": _source_id(payload), "sourceType": source_type},
    }


def expansion_quiz(payload: SourcePayload, source_type: str | None, seed: int) -> dict[str, Any]:
    rng = rng_for(seed, "quiz", payload.model_dump(mode="json"))
    entries = [e for lesson in payload.level.lessons for e in lesson.entries]
    meanings = [e.meaning for e in entries]
    questions = []
    for e in entries[:50]:
        wrong = [m for m in dict.fromkeys(meanings) if m != e.meaning]
        rng.shuffle(wrong)
        fillers = ["none of these", "a kind of food", "a place name"]
        choices = [e.meaning, *wrong[:3]]
        choices += [f for f in fillers if f not in choices][: max(0, 4 - len(choices))]
        rng.shuffle(choices)
        questions.append(
            {"prompt": f"What does '{e.term}' mean?", "choices": choices, "answerIndex": choices.index(e.meaning)}
        )
    return {
        "title": f"{payload.level.title} quiz",
        "description": f"{len(questions)} question(s) from {payload.category_title}.",
        "questions": questions,
        "passingScore": 70,
        "metadata": {"sourceContentId": _source_id(payload), "sourceType": source_type},
    }


def lesson_stream(
    lesson: dict[str, Any], course_title: str, chapter_name: str | None, seed: int
) -> list[tuple[str, dict[str, Any]]]:
    """The Server-Sent Events of one lesson generation: (event, data) pairs, nothing saved."""
    rng = rng_for(seed, "generate", lesson["id"], course_title, chapter_name)
    chapter = chapter_name or lesson.get("chapterTitle") or "this chapter"
    paragraphs = [
        f"<h2>{lesson['title']}</h2>",
        f"<p>{lesson['title']} is part of {chapter} in {course_title}.</p>",
        f"<p>Key idea {rng.randint(1, 9)}: practise {lesson['title'].lower()} step by step.</p>",
    ]
    events: list[tuple[str, dict[str, Any]]] = [("start", {"lessonId": lesson["id"], "type": lesson["type"]})]
    events += [("lecture", {"delta": p}) for p in paragraphs]
    quizzes = _quizzes(lesson["title"], 2, rng) if lesson["type"] in ("exam", "flashcard") else []
    if quizzes:
        events.append(("quizzes", {"quizzes": quizzes}))
    events.append(
        (
            "done",
            {
                "lessonId": lesson["id"],
                "lecture": "".join(paragraphs),
                "content": {"blocks": []},
                "quizzes": quizzes,
                "problems": [],
                "saved": False,
            },
        )
    )
    return events
