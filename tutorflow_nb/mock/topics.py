"""What a course or a lesson is about, sorted as the Platform course document sorts topics.

The document (``003``, "Lesson Types") reserves ``coding-lesson`` and ``coding-test`` for
programming topics, gives math, science, language and general-knowledge courses
``ai-tutor``, ``chat-ai``, ``exam``, ``flashcard`` or ``markdown``, and starts "web and
general conceptual courses" with ``ai-tutor``, AI-focused ones with ``chat-ai``,
programming ones with ``coding-lesson`` and language ones with ``reading-comprehension``.
So a topic is one of five kinds:

- ``programming``: code is what is learnt (a programming language, coding, a framework);
- ``web``: building for the web (HTML, CSS, websites, web development). The mock reads the
  document literally: web courses start with ``ai-tutor``, and, being programming topics,
  their later lessons may be ``coding-*``;
- ``ai``: AI itself (prompt engineering, LLMs, machine learning);
- ``language``: learning a language (its name in English or in itself, in any script, or a
  purpose such as "Business English", "JLPT", "IELTS");
- ``general``: everything else (math, science, history, conceptual topics).

Text is read as whole words and phrases (Unicode-aware: every script, combining marks
kept; Chinese, Japanese, Korean and Thai language names are found inside words, since
those scripts do not put spaces between words). Words that are programming only in
context ("functions", "loops", "code", "react", "java", "python"…) count by their
context: "linear functions", "feedback loops", "Morse code", "Javanese", "ball python"
are not programming; "Python functions", "React hooks", "writing code in Rust" are.
A request's ``subject`` decides when the mock recognises it ("mathematics" is never
programming, "programming" always is); an unrecognised subject is read with the rest.

    >>> classify("Algebra: linear functions"), classify("JavaScript loops")
    ('general', 'programming')
    >>> classify("Cours de français pour débutants"), classify("HTML and CSS for beginners")
    ('language', 'web')
    >>> classify("Python functions", subject="mathematics")
    'general'
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field

__all__ = ["AI", "CODING_KINDS", "GENERAL", "KINDS", "LANGUAGE", "PROGRAMMING", "WEB", "Topic", "analyse", "classify"]

PROGRAMMING, WEB, AI, LANGUAGE, GENERAL = KINDS = ("programming", "web", "ai", "language", "general")
CODING_KINDS = frozenset({PROGRAMMING, WEB})
"""The kinds whose lessons may be ``coding-lesson`` or ``coding-test``."""

Phrase = tuple[frozenset[str], ...]


def _words(*specs: str) -> frozenset[str]:
    """Words, each spec a space-separated list whose items may join alternatives with '/'."""
    return frozenset(w for spec in specs for item in spec.split() for w in item.split("/"))


def _phrase(spec: str) -> Phrase:
    """``"write/writing code"``: words in order, alternatives joined by '/'."""
    return tuple(frozenset(item.split("/")) for item in spec.split())


@dataclass(frozen=True)
class Term:
    """A word or phrase, cancelled by a word right before it, right after it, or anywhere in the text."""

    phrase: Phrase
    before: frozenset[str] = frozenset()
    after: frozenset[str] = frozenset()
    anywhere: frozenset[str] = frozenset()

    def match(self, text: Text) -> str | None:
        """The words that matched, as written in the text, or ``None``."""
        if self.phrase[0].isdisjoint(text.index) or not self.anywhere.isdisjoint(text.index):
            return None
        n, tokens = len(self.phrase), text.tokens
        for i in text.starts(self.phrase[0]):
            if all(i + k < len(tokens) and tokens[i + k] in s for k, s in enumerate(self.phrase)):
                if i > 0 and tokens[i - 1] in self.before:
                    continue
                if i + n < len(tokens) and tokens[i + n] in self.after:
                    continue
                return " ".join(tokens[i : i + n])
        return None


def _terms(*specs: str, before: str = "", after: str = "", anywhere: str = "") -> list[Term]:
    """One term per spec: a phrase, its words in order ("write/writing code")."""
    b, a, w = _words(before), _words(after), _words(anywhere)
    return [Term(_phrase(spec), b, a, w) for spec in specs]


def _singles(*specs: str, before: str = "", after: str = "", anywhere: str = "") -> list[Term]:
    """One term per word of the specs ("javascript typescript kotlin"), alternatives joined by '/'."""
    return _terms(*(item for spec in specs for item in spec.split()), before=before, after=after, anywhere=anywhere)


# ---------------------------------------------------------------- reading text

_SPECIAL = (
    (re.compile(r"(?<![\w+#])c\+\+"), " cpp "),
    (re.compile(r"(?<![\w+#])([cf])#"), r" \1sharp "),
    (re.compile(r"(?<!\w)\.net\b"), " dotnet "),
    (re.compile(r"\b(\w+)\.js\b"), r"\1js"),
    (re.compile(r"(?<!\w)a\.i\.(?!\w)"), " ai "),
)


def _normalise(text: str) -> str:
    """NFKC, case-folded, with the tokens punctuation would break (C++, C#, .NET, Node.js) joined."""
    out = unicodedata.normalize("NFKC", text).casefold()
    for pattern, repl in _SPECIAL:
        out = pattern.sub(repl, out)
    return out


_ASCII_WORD = re.compile(r"[a-z0-9]+")


def _wide(ch: str) -> bool:
    """Chinese, Japanese and Korean characters: a script that glues to Latin words ("Python入門")."""
    return "\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uf900" <= ch <= "\ufaff"


def _tokens(text: str) -> list[str]:
    """Words of any script: letters, digits and combining marks (Devanagari and Tamil vowel signs).

    A word is also cut where Latin letters meet Chinese, Japanese or Korean ones.
    """
    if text.isascii():  # the common case, at the regular expression engine's speed
        return _ASCII_WORD.findall(text)
    out: list[str] = []
    wide = False
    for ch in text:
        if ch.isalnum() or unicodedata.category(ch)[0] == "M":
            if _wide(ch) != wide:
                out.append(" ")
                wide = not wide
            out.append(ch)
        else:
            out.append(" ")
    return "".join(out).split()


@dataclass
class Text:
    """One text, read once: normalised, its words in order, and where each word starts."""

    raw: str
    norm: str = ""
    tokens: list[str] = field(default_factory=list)
    index: dict[str, list[int]] = field(default_factory=dict)
    words: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.norm = _normalise(self.raw)
        self.tokens = _tokens(self.norm)
        for i, token in enumerate(self.tokens):
            self.index.setdefault(token, []).append(i)
        self.words = frozenset(self.index)

    def starts(self, first: frozenset[str]) -> list[int]:
        return sorted(i for w in first & self.index.keys() for i in self.index[w])

    def any(self, terms: list[Term]) -> list[str]:
        """The words of every term found, as the text has them."""
        return [found for found in (t.match(self) for t in terms) if found is not None]

    def inside(self, pieces: frozenset[str]) -> list[str]:
        """Pieces found anywhere in the text, even inside words (for scripts without spaces)."""
        return [p for p in pieces if p in self.norm]


# ---------------------------------------------------------------- programming

_NOT_PROGRAMMING_BEFORE = "linear integer nonlinear quadratic mathematical stochastic convex goal tv television radio"
PROGRAMMING_TERMS = [
    *_terms("programming", before=_NOT_PROGRAMMING_BEFORE + " neuro linguistic"),
    *_singles(
        "programmer/programmers coder/coders codebase coding/codings",
        before="medical colour color icd billing genetic",
        after="dna sequence sequences region regions gene genes strand",
    ),
    *_singles(
        "javascript typescript kotlin golang cpp csharp fsharp dotnet php haskell clojure erlang fortran cobol",
        "matlab vba powershell sql mysql postgresql postgres sqlite mongodb nosql graphql nodejs reactjs vuejs",
        "angularjs nextjs nuxtjs expressjs jquery webassembly wasm rustlang gdscript ocaml prolog smalltalk zig",
        "numpy scipy matplotlib jupyter tensorflow pytorch keras scikit sklearn docker kubernetes git github",
        "gitlab bitbucket vscode intellij pycharm npm laravel symfony fastapi svelte redux jsx tsx",
        "refactoring debugging debugger debug compiler compilers regex devops microservices leetcode hackerrank",
        "arduino unix api apis json yaml oop backend fullstack codecademy goroutine goroutines",
    ),
    *_terms(
        "write/writes/writing/wrote/read/reading code",
        "source/clean code",
        "code review/reviews/editor/editors",
        "visual basic",
        "objective c",
        "vs code",
        "visual studio",
        "ruby on rails",
        "spring boot",
        "react native",
        "unit testing",
        "test driven development",
        "command line",
        "shell scripting",
        "regular expression/expressions",
        "data structure/structures",
        "linked list/lists",
        "hash map/maps/table/tables",
        "binary search",
        "big o",
        "time complexity",
        "object oriented",
        "functional programming",
        "software development/engineering/engineer/engineers/developer/developers",
        "computer science",
        "app/apps development",
        "game development",
        "ios/android development",
        "back end development/developer/developers",
        "full stack",
        "for/while loop/loops",
        "if statement/statements",
        "if else",
        "async await",
        "coding interview/interviews",
        "machine code",
    ),
]
PROGRAMMING_TERMS += _singles(
    "programmation programación programacion programmierung programmazione programação programacao",
    "программирование программированию программированиe البرمجة प्रोग्रामिंग",
)
"""Words and phrases that make a text a programming topic on their own."""
_PROGRAMMING_INSIDE = frozenset(
    {"프로그래밍", "プログラミング", "编程", "編程", "程序设计", "코딩", "コーディング", "파이썬"}
)

WEAK_PROGRAMMING_TERMS = [
    *_terms(
        "function/functions",
        before="linear quadratic cubic exponential logarithmic trigonometric polynomial rational inverse composite "
        "piecewise periodic wave executive bodily brain cognitive liver kidney lung heart cell cellular protein "
        "business economic social family probability density utility production cost demand supply objective "
        "real complex continuous differentiable elementary special harmonic gamma transfer step delta sine cosine "
        "mathematical math maths algebraic",
        anywhere="algebra calculus precalculus geometry trigonometry equations graphing derivative derivatives "
        "biology anatomy physiology",
    ),
    *_terms(
        "loop/loops",
        before="feedback time control quantum closed open strange causal positive negative regulatory current "
        "wire hysteresis",
        anywhere="biology ecology physiology climate electronics circuits homeostasis",
    ),
    *_terms(
        "variable/variables",
        before="random dependent independent control controlled confounding experimental complex continuous discrete "
        "categorical latent state economic macroeconomic environmental climate",
        anywhere="algebra statistics experiment experiments equations",
    ),
    *_terms(
        "code/codes",
        before="morse genetic dress zip postal penal civil building bar qr color colour tax legal cheat area country "
        "secret da vinci hammurabi napoleonic highway fire moral honor honour navajo ethical",
        after="of talkers talker breaking breaker breakers de civil",
    ),
    *_terms("class/classes", before="social yoga dance fitness art cooking evening online night middle working upper"),
    *_terms("object/objects", before="celestial astronomical everyday physical art museum sky"),
    *_terms("string/strings", anywhere="guitar violin cello piano instrument instruments music orchestra"),
    *_terms("array/arrays", before="solar antenna microphone sensor phased telescope"),
    *_terms("hook/hooks", anywhere="fishing fish crochet essay writing story narrative"),
    *_terms("generic/generics", anywhere="drug drugs pharmacy pharmaceutical medicine medicines"),
    *_terms("syntax", anywhere="linguistics grammar sentence sentences"),
    *_terms(
        "script/scripts/scripting",
        before="film movie screen tv",
        anywhere="film movie screenplay screenwriting theatre theater play actor actors drama cuneiform ancient "
        "alphabet writing",
    ),
    *_terms(
        "developer/developers/development",
        before="estate child personal professional economic community urban career leadership sustainable business "
        "property film photo",
    ),
    *_terms("library/libraries", before="public school city digital national local", anywhere="books reading"),
    *_terms("framework/frameworks", before="conceptual theoretical legal regulatory policy ethical analytical"),
    *_singles(
        "recursion lambda/lambdas closure/closures pointer/pointers iterator/iterators algorithm/algorithms "
        "exceptions conditionals compile app/apps software terminal database/databases"
    ),
    *_terms("data types"),
]
"""Words that are programming only beside other programming words ("Python functions", not "linear functions")."""


@dataclass(frozen=True)
class Name:
    """A name that is a programming language or tool in one context and something else in another.

    ``default``: whether it reads as programming with no context at all ("Python" does,
    "Go" does not); ``context``: its own words that make it programming; ``weak``:
    whether the weak programming words ("functions", "loops") count as context too.
    """

    term: Term
    default: bool
    context: frozenset[str] = frozenset()
    weak: bool = True
    alone: bool = False
    """Whether the name as the whole text is programming ("React", "Go")."""


def _name(
    word: str,
    *,
    default: bool,
    context: str = "",
    before: str = "",
    after: str = "",
    anywhere: str = "",
    weak: bool = True,
    alone: bool = False,
) -> Name:
    return Name(
        Term(_phrase(word), _words(before), _words(after), _words(anywhere)), default, _words(context), weak, alone
    )


AMBIGUOUS_NAMES = {
    "python": _name(
        "python",
        default=True,
        before="ball burmese reticulated rock royal carpet green",
        anywhere="snake snakes reptile reptiles serpent serpents constrictor constrictors species wildlife zoo pet "
        "pets habitat habitats jungle monty everglades invasive animal animals mythology apollo delphi comedy "
        "skit venom herpetology",
    ),
    "java": _name(
        "java",
        default=True,
        anywhere="island islands indonesia indonesian javanese coffee culture history volcano volcanoes sea sumatra "
        "bali borneo batavia colonial kingdom kingdoms majapahit mataram tourism travel cuisine batik gamelan "
        "temple temples borobudur rhinoceros rhino trench erectus geography people dutch",
    ),
    "ruby": _name(
        "ruby",
        default=True,
        after="throated red",
        anywhere="gem gems gemstone gemstones jewel jewels jewelry jewellery mineral minerals corundum sapphire "
        "wedding anniversary slippers bridges hummingbird",
    ),
    "rust": _name(
        "rust",
        default=True,
        before="wheat stem leaf",
        after="belt",
        anywhere="iron steel metal metals corrosion oxidation oxide removal remove removing prevention prevent "
        "preventing car cars bike fungus fungi fungal plant plants crop crops disease diseases chemistry chemical "
        "pipes",
    ),
    "swift": _name(
        "swift",
        default=True,
        anywhere="bird birds swifts taylor jonathan gulliver migration song songs music singer album eras justice",
    ),
    "perl": _name("perl", default=True),
    "scala": _name("scala", default=True, before="la", anywhere="opera milan teatro"),
    "flutter": _name("flutter", default=True, before="atrial", anywhere="butterfly butterflies wings heart cardiac"),
    "django": _name("django", default=True, anywhere="reinhardt jazz guitar unchained film movie western"),
    "scratch": _name(
        "scratch",
        default=True,
        before="from",
        after="the card cards",
        anywhere="itch cat cats dj vinyl lottery wound wounds",
    ),
    "go": _name(
        "go",
        default=False,
        context="programming language lang developer developers goroutines concurrency gopher",
        anywhere="game board baduk weiqi stones",
        alone=True,
    ),
    "r": _name(
        "r",
        default=False,
        context="rstudio tidyverse ggplot2 ggplot dplyr cran shiny statistics statistical data",
        before="vitamin",
        anywhere="music",
        weak=False,
    ),
    "c": _name(
        "c",
        default=False,
        context="pointers malloc gcc embedded microcontrollers",
        before="vitamin major minor sharp flat chord key note scale grade section type usb degrees",
        weak=False,
    ),
    "julia": _name("julia", default=False),
    "dart": _name("dart", default=False, anywhere="darts dartboard throw throwing pub"),
    "lua": _name("lua", default=False, context="roblox modding"),
    "pascal": _name("pascal", default=False, anywhere="blaise triangle pressure pascals"),
    "elixir": _name("elixir", default=False, context="phoenix otp beam"),
    "assembly": _name("assembly", default=False, context="x86 arm mips", before="general national constituent"),
    "solidity": _name("solidity", default=False, context="ethereum blockchain smart contracts"),
    "react": _name(
        "react",
        default=False,
        context="hooks hook components component native jsx redux props router nextjs frontend ui tsx vite "
        "basics fundamentals essentials tutorial crash learn learning intro introduction master mastering course "
        "beginners build building",
        before="how to we you they i people should would will may might could not don t and",
        after="to with when against quickly differently badly calmly appropriately emotionally under",
        alone=True,
    ),
    "vue": _name("vue", default=False, context="components component vuex pinia nuxt frontend", alone=True),
    "angular": _name(
        "angular",
        default=False,
        context="components component typescript rxjs frontend",
        anywhere="momentum velocity acceleration physics geometry",
        alone=True,
    ),
    "flask": _name(
        "flask",
        default=False,
        context="api routes route jinja",
        anywhere="chemistry lab laboratory erlenmeyer volumetric thermos",
    ),
    "rails": _name("rails", default=False, context="ruby", anywhere="train trains railway railways"),
    "spring": _name("spring", default=False, context="boot beans"),
    "node": _name("node", default=False, context="npm express backend server", anywhere="lymph"),
    "pandas": _name(
        "pandas",
        default=False,
        context="dataframe dataframes numpy csv",
        anywhere="bamboo giant bear bears zoo wildlife conservation china",
    ),
    "bash": _name("bash", default=False, context="script scripts scripting terminal shell linux command"),
    "shell": _name("shell", default=False, context="script scripts scripting bash zsh linux unix command"),
    "ada": _name("ada", default=False, anywhere="lovelace"),
    "lisp": _name("lisp", default=False, anywhere="speech therapy"),
    "scheme": _name("scheme", default=False, context="racket sicp"),
    "racket": _name("racket", default=False, anywhere="tennis badminton squash"),
    "groovy": _name("groovy", default=False, context="gradle jvm"),
}
"""Names that are programming by context; each decides with its own words, then the text's."""


def _programming(text: Text) -> list[str]:
    strong = text.any(PROGRAMMING_TERMS) + text.inside(_PROGRAMMING_INSIDE)
    weak = text.any(WEAK_PROGRAMMING_TERMS)
    found = list(strong)
    for label, name in AMBIGUOUS_NAMES.items():
        if name.term.match(text) is None:
            continue
        if (
            name.default
            or strong
            or (name.weak and weak)
            or name.context & text.words
            or (name.alone and text.tokens == [label])
        ):
            found.append(label)
    return found


# ---------------------------------------------------------------- web

_BUILD = _words("build builds building built create creating make making design designing develop developing code")
_SITES = _words("website websites webpage webpages homepage homepages")
_WEB_THINGS = _words("page pages site sites app apps application applications")
WEB_TERMS = _singles("html html5 css css3 sass scss tailwind tailwindcss flexbox wordpress webflow webdev frontend")
WEB_TERMS += _terms(
    "web development/developer/developers/design/designer/designers/dev/accessibility",
    "front end",
    "responsive design/web",
    "css grid",
    "desarrollo/diseño web",
    "développement/conception web",
    "webentwicklung webdesign",
    "sitio/sitios web",
    "site/sites web/internet",
    "웹 개발/디자인",
    "웹개발",
)
_WEB_INSIDE = frozenset(
    {"网页设计", "网站开发", "网页开发", "ウェブ制作", "ホームページ作成", "ウェブ開発", "웹사이트"}
)


def _web(text: Text) -> list[str]:
    found = text.any(WEB_TERMS) + text.inside(_WEB_INSIDE)
    for i, token in enumerate(text.tokens):  # "building websites", "create your first web page"
        window = text.tokens[i + 1 : i + 5]
        pairs = itertools.pairwise(window)
        if token in _BUILD and (_SITES & set(window) or any(a == "web" and b in _WEB_THINGS for a, b in pairs)):
            found.append(f"{token} … website")
    if "bootstrap" in text.words and {"css", "html", "responsive", "website", "websites"} & text.words:
        found.append("bootstrap")
    return found


# ---------------------------------------------------------------- AI

AI_TERMS = _singles(
    "prompting llm llms genai chatgpt gpt gpt4 openai copilot midjourney chatbot chatbots agentic mlops nlp"
)
AI_TERMS += _terms(
    "prompt engineering/design/writing/engineer/engineers",
    "large language model/models",
    "language model/models",
    "machine/deep/reinforcement learning",
    "artificial intelligence",
    "generative ai",
    "neural network/networks/net/nets",
    "computer vision",
    "natural language processing",
    "stable diffusion",
    "diffusion model/models",
    "retrieval augmented",
    "ai agent/agents",
    "intelligence artificielle",
    "inteligencia/inteligência artificial",
    "intelligenza artificiale",
    "künstliche intelligenz",
    "искусственный интеллект",
    "машинное обучение",
    "الذكاء الاصطناعي",
    "कृत्रिम बुद्धिमत्ता",
    "aprendizaje automático",
    "apprentissage automatique",
    "maschinelles lernen",
)
_AI_INSIDE = frozenset(
    {
        "인공지능",
        "人工智能",
        "人工知能",
        "머신러닝",
        "기계학습",
        "机器学习",
        "機械学習",
        "딥러닝",
        "深度学习",
        "深層学習",
    }
    | {"프롬프트", "プロンプト", "提示词", "提示工程", "生成式ai", "生成ai", "생성형 ai"}
)
_AI_NEIGHBOURS = _words(
    "tools tool ethics agents agent models model safety assistant assistants literacy generative powered "
    "driven focused native first basics fundamentals"
)
_AI_ALL_CAPS = re.compile(r"(?<![\w.])(?:AI|A\.I\.)(?![\w])")


def _ai(text: Text) -> list[str]:
    found = text.any(AI_TERMS) + text.inside(_AI_INSIDE)
    if "ai" in text.index:  # "AI" as written, or beside an AI word; never the French "j'ai" or Italian "ai"
        near = any(
            text.tokens[j] in _AI_NEIGHBOURS
            for i in text.index["ai"]
            for j in (i - 1, i + 1)
            if 0 <= j < len(text.tokens)
        )
        if _AI_ALL_CAPS.search(text.raw) or near or text.tokens == ["ai"]:
            found.append("ai")
    return found


# ---------------------------------------------------------------- languages

LANGUAGE_NAMES = _words(
    "english inglés ingles anglais englisch inglese inglês angielski engels engelska ingilizce",
    "الإنجليزية الانجليزية الإنكليزية अंग्रेज़ी अंग्रेजी",
    "spanish español espanol castellano espagnol spanisch spagnolo espanhol hiszpański الإسبانية स्पेनिश",
    "french français française francais francaise francés frances französisch francese francês francuski",
    "الفرنسية फ़्रेंच फ्रेंच",
    "german deutsch deutsche deutschen alemán aleman allemand tedesco alemão niemiecki الألمانية जर्मन",
    "japanese japonés japones japonais japanisch giapponese japonês اليابانية जापानी",
    "korean coreano coréen coreen koreanisch الكورية कोरियाई",
    "chinese mandarin cantonese putonghua chino chinois chinesisch cinese chinês الصينية चीनी",
    "arabic árabe arabe arabisch arabo अरबी",
    "russian ruso russe russisch russo rosyjski الروسية रूसी",
    "portuguese português portugues portugués portugais portugiesisch portoghese البرتغالية पुर्तगाली",
    "italian italiano italiana italien italienne italienisch włoski الإيطالية इतालवी",
    "hindi hindí हिन्दी हिंदी хинди الهندية",
    "bengali bangla বাংলা urdu اردو punjabi ਪੰਜਾਬੀ tamil தமிழ் telugu తెలుగు marathi मराठी gujarati ગુજરાતી",
    "turkish türkçe turkce التركية persian farsi فارسی hebrew עברית иврит greek ελληνικά ελληνικα",
    "polish polski dutch nederlands néerlandais holandés swedish svenska norwegian norsk danish dansk",
    "finnish suomi suomea ukrainian українська czech čeština cestina hungarian magyar romanian română",
    "vietnamese thai indonesian malay tagalog filipino swahili kiswahili javanese latin esperanto",
    "irish gaelic welsh cymraeg catalan català basque euskara icelandic afrikaans zulu isizulu xhosa amharic",
    "yoruba igbo hausa somali nepali sinhala khmer lao burmese",
)
"""Languages by their English names and their own, in any script (Latin, Cyrillic, Arabic, Indic, …)."""
_LANGUAGE_STEMS = (
    "русск",
    "английск",
    "немецк",
    "французск",
    "испанск",
    "итальянск",
    "китайск",
    "японск",
    "корейск",
    "арабск",
    "португальск",
    "турецк",
    "греческ",
    "польск",
    "украинск",
)
"""Russian adjectives decline ("русский", "русскому", "по-русски"): matched by their stem."""
_ARABIC = re.compile(r"^(?:و|ف)?(?:ال|بال|لل|كال)?عربي(?:ة)?$")
_LANGUAGE_PHRASES = _terms(
    "tiếng việt",
    "bahasa indonesia/melayu/jawa",
    "basa jawa",
    "sign language",
    "asl/bsl",
    "foreign/second language/languages",
    "language learning/course/courses/lessons/class/classes/exchange",
    "langue/langues étrangère/étrangères",
    "lengua/lenguas extranjera/extranjeras",
    "fremdsprache/fremdsprachen",
)
LANGUAGE_INSIDE = frozenset(
    {"英語", "英语", "英文", "영어", "スペイン語", "西班牙语", "西班牙語", "스페인어", "フランス語", "法语", "法語"}
    | {"프랑스어", "ドイツ語", "德语", "德語", "독일어", "日本語", "日语", "日語", "일본어", "韓国語", "韩语", "韓語"}
    | {"韩国语", "한국어", "조선어", "中国語", "中文", "汉语", "漢語", "普通话", "普通話", "华语", "華語", "粤语"}
    | {"粵語", "广东话", "廣東話", "중국어", "アラビア語", "阿拉伯语", "아랍어", "ロシア語", "俄语", "俄語", "러시아어"}
    | {"ポルトガル語", "葡萄牙语", "포르투갈어", "イタリア語", "意大利语", "이탈리아어", "ヒンディー語", "印地语"}
    | {"힌디어", "トルコ語", "土耳其语", "터키어", "ภาษาไทย", "外国語", "外语", "외국어", "한국말", "日本语"}
)
"""Language names in scripts without spaces: found inside words ("한국어를", "日本語の")."""
LANGUAGE_EXAMS = _words(
    "jlpt ielts toefl toeic hsk topik delf dalf dele testdaf celpip cefr esl efl esol tefl tesol celta"
)
"""Exams and acronyms that name language learning on their own ("JLPT N5", "IELTS writing")."""
LANGUAGE_STUDY = _words(
    "grammar vocabulary vocab conversation conversations conversational pronunciation phrases phrasebook idioms",
    "verbs conjugation conjugations tenses fluency fluent alphabet hiragana katakana kanji hangul pinyin",
    "listening speaking dialogues",
    "grammaire vocabulaire conjugaison prononciation débutants debutants apprendre parler",
    "gramática gramatica vocabulario conversación conversacion pronunciación principiantes aprender hablar",
    "grammatik wortschatz aussprache anfänger anfanger lernen sprechen konversation",
    "grammatica vocabolario pronuncia principianti imparare conversazione",
    "vocabulário pronúncia iniciantes conversação conversacao",
    "грамматика лексика произношение начинающих разговорный учить изучение изучаем",
    "قواعد مفردات محادثة للمبتدئين تعلم",
    "व्याकरण शब्दावली बातचीत सीखें सीखना सीखिए शुरुआती",
)
"""Words that say a language is being learnt, in English and in the languages' own words."""
_STUDY_INSIDE = frozenset(
    {"会話", "会话", "회화", "文法", "语法", "語法", "문법", "語彙", "词汇", "詞彙", "어휘", "단어", "単語", "单词"}
    | {"発音", "发音", "발음", "入门", "入門", "初級", "初级", "초급", "中級", "中级", "중급", "上級", "高级", "고급"}
    | {"基础", "基礎", "기초", "講座", "课程", "강좌", "学习", "学習", "勉強", "공부", "배우", "읽기", "듣기", "말하기"}
)
_STUDY_AFTER_NAME = _words(
    "language lessons lesson course courses class classes tutor tutoring 101 102 201 i ii iii a1 a2 b1 b2 c1 c2",
    "for pour para für per для as язык языка языку lingua langue lengua sprache idioma",
)
"""A word right after a language name that makes it the subject: "Spanish lessons", "English for travel"."""
_STUDY_BEFORE_NAME = _words(
    "learn learning learnt study studying speak speaking practice practise practising master mastering",
    "business conversational everyday spoken written beginner beginners intermediate advanced elementary",
    "introductory intro basic survival travel medical academic legal",
    "cours curso kurs corso курс aprende apprends lerne impara",
)
"""A word right before a language name that makes it the subject: "learn Korean", "Business English"."""
LANGUAGE_TOPICS_ELSEWHERE = _words(
    "war wars revolution revolutions empire empires dynasty dynasties cuisine cooking food foods recipes dishes",
    "culture cultures literature novel novels poetry poets poems philosophy art arts painting paintings architecture",
    "music cinema film films movies politics political economy economics geography religion mythology folklore",
    "wine wines beer cars fashion dance dancing football soccer garden gardens calligraphy pottery ceramics",
    "medicine monarchy kings queens colonial renaissance impressionism people society government constitution",
    "elections army navy independence unification reunification wall cathedrals castles opera theatre theater",
    "baroque anime manga samurai shogun shogunate emperor emperors geisha zen buddhism origami sushi kimchi kpop",
    "drama dramas america american americans cats dogs breed breeds massage delight saints saint",
    "guerre révolution cuisine littérature peinture musique guerra cocina literatura pintura música krieg küche",
    "literatur kunst musik cucina letteratura война кухня литература музыка искусство حرب مطبخ أدب संस्कृति",
)
"""Words that make a language's name the adjective of another topic ("Japanese cuisine", "Korean War")."""
LANGUAGE_HISTORY = _words(
    "history histories historical evolution origins origin etymology philology histoire historia geschichte storia",
    "история تاريخ इतिहास",
)
_HISTORY_INSIDE = frozenset(
    {"歴史", "历史", "역사", "戦争", "战争", "전쟁", "料理", "요리", "文学", "문학", "音楽", "音乐"}
)
_HISTORY_INSIDE |= frozenset({"음악", "美術", "美术", "艺术", "미술", "映画", "电影", "영화", "政治", "哲学", "철학"})
_FILLER = _words(
    "the a an of for to in and basic basics beginner beginners intermediate advanced elementary intro introduction",
    "introductory level levels 1 2 3 101 102 201 i ii iii a1 a2 b1 b2 c1 c2 course courses class lessons lesson",
    "learn learning study studying speak speaking language languages fundamentals essentials foundations quick",
    "start crash complete guide everyday",
)
_MEDIUM = _words("in en auf em na")
"""A language name right after these is the medium, not the subject: "taught in English"."""
_NOT_LANGUAGE_AFTER = _words("america american americans dance dances jazz music quarter square alphabet")


def _language_names(text: Text) -> list[tuple[int, str]]:
    """(position, name) of each language name among the words (-1 for names found inside words)."""
    found: list[tuple[int, str]] = []
    for i, token in enumerate(text.tokens):
        after = text.tokens[i + 1] if i + 1 < len(text.tokens) else ""
        named = token in LANGUAGE_NAMES or token.startswith(_LANGUAGE_STEMS) or _ARABIC.match(token)
        if named and not (token == "latin" and after in _NOT_LANGUAGE_AFTER):
            found.append((i, token))
    found += [(-1, name) for name in text.inside(LANGUAGE_INSIDE)]
    return found


def _language(text: Text) -> list[str]:
    exams = sorted(LANGUAGE_EXAMS & text.words)
    if exams:
        return exams
    names = _language_names(text)
    phrases = text.any(_LANGUAGE_PHRASES)
    if not names and not phrases:
        return []
    tokens = text.tokens
    subject = [n for i, n in names if i < 0]  # a CJK language name says "the X language" itself
    for i, name in names:
        if i < 0:
            continue
        before = tokens[i - 1] if i > 0 else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if before in _STUDY_BEFORE_NAME or after in _STUDY_AFTER_NAME:
            subject.append(f"{before} {name} {after}".strip())
    spoken = [(i, n) for i, n in names if i < 0 or (tokens[i - 1] if i > 0 else "") not in _MEDIUM]
    study = sorted(LANGUAGE_STUDY & text.words) + text.inside(_STUDY_INSIDE)
    history = sorted(LANGUAGE_HISTORY & text.words) + text.inside(_HISTORY_INSIDE)
    elsewhere = sorted(LANGUAGE_TOPICS_ELSEWHERE & text.words)
    if study and (names or phrases):
        return [*study, *(n for _, n in names), *phrases]  # "Spanish vocabulary", "English grammar drills"
    if history:
        return []  # "German history", "the history of the English language"
    if subject or phrases:
        return [*subject, *phrases]  # "Japanese language and culture", "Business English", "Spanish for travel"
    if elsewhere or not spoken:
        return []  # "Japanese cuisine", "Korean War", "physics taught in English"
    spoken_at = {i for i, _ in spoken}
    rest = [t for i, t in enumerate(tokens) if i not in spoken_at and t not in _FILLER]
    return [n for _, n in spoken] if not rest else []  # "Spanish", "Intermediate German", "Español"


# ---------------------------------------------------------------- everything else, and subjects

GENERAL_SUBJECTS = _words(
    "mathematics math maths algebra calculus precalculus geometry trigonometry arithmetic fractions decimals",
    "statistics probability physics chemistry chemical biology ecology anatomy physiology astronomy geology",
    "science sciences history geography economics finance accounting marketing management business law",
    "literature poetry philosophy psychology sociology anthropology politics civics religion art arts music",
    "painting drawing photography cooking nutrition health medicine nursing fitness sports engineering",
    "mechanics thermodynamics electronics genetics botany zoology neuroscience linguistics education",
    "photosynthesis evolution climate environment environmental",
    "mathématiques mathematik matemáticas matematica matemática física physik química chimie chemie biología",
    "biologie biologia histoire historia geschichte storia géographie geografía математика физика химия",
    "биология история",
)
_GENERAL_INSIDE = frozenset({"数学", "수학", "物理", "물리", "化学", "화학", "生物", "생물", "歴史", "历史", "역사"})
_SUBJECT_LANGUAGE = _words("language languages linguistics foreign modern arts")


def _general(text: Text) -> list[str]:
    return (
        sorted((GENERAL_SUBJECTS | LANGUAGE_TOPICS_ELSEWHERE | LANGUAGE_HISTORY) & text.words)
        + text.inside(_GENERAL_INSIDE)
        + text.inside(_HISTORY_INSIDE)
    )


@dataclass(frozen=True)
class Topic:
    """A text's kind, and the words that decided it (none when nothing did and it is ``general`` by default)."""

    kind: str
    evidence: tuple[str, ...] = ()

    @property
    def decided(self) -> bool:
        """Whether something in the text (or the subject) named the kind, rather than nothing naming any."""
        return bool(self.evidence)


def _read(text: Text) -> Topic:
    programming = _programming(text)
    web = _web(text)
    if web:
        return Topic(WEB, tuple(web + programming))
    if programming:
        return Topic(PROGRAMMING, tuple(programming))
    for kind, found in ((AI, _ai(text)), (LANGUAGE, _language(text))):
        if found:
            return Topic(kind, tuple(found))
    return Topic(GENERAL, tuple(_general(text)))


def subject_kind(subject: str) -> str | None:
    """The kind a ``subject`` field names, or ``None`` when the mock does not recognise it."""
    text = Text(subject)
    if text.tokens and set(text.tokens) <= _SUBJECT_LANGUAGE and {"language", "languages"} & text.words:
        return LANGUAGE  # "languages", "foreign languages", "modern languages", "language arts"
    topic = _read(text)
    return topic.kind if topic.decided else None


def analyse(*texts: str | None, subject: str | None = None) -> Topic:
    """The kind of topic the texts (a prompt, a title, a description…) are about; ``subject`` decides where known."""
    if subject and subject.strip():
        kind = subject_kind(subject)
        if kind is not None:
            return Topic(kind, (f"subject: {subject}",))
        texts = (*texts, subject)
    return _read(Text(" ".join(t for t in texts if t)))


def classify(*texts: str | None, subject: str | None = None) -> str:
    """programming, web, ai, language or general (see the module's docstring)."""
    return analyse(*texts, subject=subject).kind
