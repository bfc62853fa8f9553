"""Synthetic Swedish cases for the benchmark: N case files in the import format.

Deterministic (seeded): the same N gives the same corpus. Municipalities and counties come
from seed_data/reference; text is put together from the field's vocabulary, so compounds,
inflections and facets look like the real thing. Beside it, every section has free text
drawn from the Swedish word list (seed_data/search/swedish-words.txt, 116,000 word forms)
with Zipf-like frequencies and new compounds, so that the vocabulary grows with N as editors'
real texts do (≈ 25,000 distinct words at 1,000 cases, ≈ 125,000 words and compounds at
10,000), not a few hundred words.
"""
from __future__ import annotations

import itertools
import random
from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

TOPICS = [
    ("barnkonsekvensanalys", "barnkonsekvensanalyser", "barnkonsekvensanalysen"),
    ("ungdomsdialog", "ungdomsdialoger", "ungdomsdialogen"),
    ("barnrättsombud", "barnrättsombuden", "barnrättsombudet"),
    ("barnbokslut", "barnbokslutet", "barnboksluten"),
    ("barnrättsstrateg", "barnrättsstrategen", "barnrättsstrateger"),
    ("feriearbete", "feriearbetet", "feriearbeten"),
    ("fritidsgård", "fritidsgården", "fritidsgårdar"),
    ("familjecentral", "familjecentralen", "familjecentraler"),
    ("skolgård", "skolgården", "skolgårdar"),
    ("elevråd", "elevrådet", "elevråden"),
    ("ungdomsråd", "ungdomsrådet", "ungdomsråden"),
    ("trygghetsvandring", "trygghetsvandringen", "trygghetsvandringar"),
    ("läxhjälp", "läxhjälpen", "läxhjälpen"),
    ("fritidskort", "fritidskortet", "fritidskorten"),
    ("medborgardialog", "medborgardialogen", "medborgardialoger"),
    ("barnbudget", "barnbudgeten", "barnbudgetar"),
    ("våldsprevention", "våldsförebyggande arbete", "våldsförebyggande insatser"),
    ("språkutveckling", "språkutvecklingen", "språkstöd"),
    ("föräldraskapsstöd", "föräldraskapsstödet", "föräldragrupper"),
    ("elevhälsa", "elevhälsan", "elevhälsoteam"),
    ("tandvård", "tandvården", "folktandvården"),
    ("kollektivtrafik", "kollektivtrafiken", "busslinjer"),
    ("stadsplanering", "detaljplanen", "samhällsplaneringen"),
    ("mänskliga rättigheter", "MR-arbetet", "rättighetsbaserat arbetssätt"),
]
TAGS = [
    "delaktighet", "barnets bästa", "styrning", "uppföljning", "skola", "fritid", "socialtjänst",
    "hälso- och sjukvård", "demokrati", "samverkan", "kompetensutveckling", "trygghet", "unga",
    "förskola", "integration", "psykisk hälsa", "funktionsnedsättning", "ekonomisk utsatthet",
    "nationella minoriteter", "våld i nära relationer", "kultur", "idrott", "bibliotek", "boende",
    "ensamkommande", "jämställdhet", "hbtq", "digitalisering", "miljö", "läsning",
]
GROUPS = ["barn", "unga", "elever", "vårdnadshavare", "förskolebarn", "nyanlända barn",
          "barn i familjehem", "ensamkommande ungdomar", "barn med funktionsnedsättning"]
ACTORS = ["socialtjänsten", "skolan", "förskolan", "fritidsförvaltningen", "biblioteket",
          "kultur- och fritidsnämnden", "barn- och utbildningsnämnden", "elevhälsan",
          "regionens barnhälsovård", "länsstyrelsen", "civilsamhället", "föreningslivet"]
SENTENCES = [
    "{Actor} har arbetat med {topic} sedan {year} för att stärka {group}s rättigheter.",
    "Arbetet med {topic2} bygger på barnkonventionen och särskilt artikel {article}.",
    "{Group} har fått vara med och påverka genom enkäter, workshoppar och samtal.",
    "Under året genomfördes {number} träffar där {group} och politiker diskuterade {topic2}.",
    "En utvärdering visar att {group} upplever mer inflytande och större trygghet.",
    "Personalen har fått utbildning i barnrättsperspektivet och i hur {topic} används.",
    "{Actor} samverkar med {actor2} kring {topic3}.",
    "Kostnaderna var låga eftersom arbetet ingick i ordinarie verksamhet.",
    "Resultaten redovisas varje år till kommunfullmäktige tillsammans med barnbokslutet.",
    "Lärdomen är att det tar tid att bygga förtroende men att det lönar sig.",
    "Nästa steg är att sprida {topic2} till fler verksamheter i {place}.",
    "Både flickor och pojkar deltog, och tolkar fanns på plats vid behov.",
]
ZIPF_S = 1.05  # frequency of the word of rank r ∝ 1 / (r + 10) ** ZIPF_S
COMPOUND_SHARE = 0.08  # of free-text words: a new compound of two words from the list
ORG_TYPES = ["kommun"] * 8 + ["region", "länsstyrelse", "idéburen organisation"]


@lru_cache(maxsize=1)
def vocabulary() -> tuple[list[str], list[float]]:
    """The word list in a fixed rank order (shorter words tend to rank higher, as in real
    text) and the cumulative Zipf weights of the ranks."""
    words = (ROOT / "seed_data" / "search" / "swedish-words.txt").read_text("utf-8").split()
    rng = random.Random(7)
    ranked = sorted(words, key=lambda w: len(w) + rng.random() * 8)
    return ranked, list(itertools.accumulate(1 / (r + 10) ** ZIPF_S for r in range(len(ranked))))


def _compound(first: str, second: str, rng: random.Random) -> str:
    link = "s" if first[-1] not in "aeiouyåäös" and rng.random() < 0.4 else ""
    return first + link + second


def free_text(rng: random.Random, words: int) -> str:
    """Sentences of words drawn by Zipf frequency, a compound now and then."""
    ranked, weights = vocabulary()
    drawn = rng.choices(ranked, cum_weights=weights, k=words * 2)
    out = [_compound(drawn[i], drawn[words + i], rng) if rng.random() < COMPOUND_SHARE else drawn[i]
           for i in range(words)]
    sentences, at = [], 0
    while at < len(out):
        size = rng.randint(6, 12)
        sentence = " ".join(out[at:at + size])
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
        at += size
    return " ".join(sentences)


def vocabulary_queries(count: int = 16) -> list[str]:
    """Queries of words from the long tail of the vocabulary: single words, pairs and
    compounds (each read for the first time by its first search)."""
    ranked, _ = vocabulary()
    rng = random.Random(11)
    singles = [ranked[rng.randint(100, 6000)] for _ in range(count // 2)]
    pairs = [f"{ranked[rng.randint(30, 1500)]} {ranked[rng.randint(30, 1500)]}" for _ in range(count // 4)]
    compounds = [_compound(ranked[rng.randint(30, 800)], ranked[rng.randint(30, 800)], rng)
                 for _ in range(count - len(singles) - len(pairs))]
    return singles + pairs + compounds


def _municipalities() -> list[dict]:
    return yaml.safe_load((ROOT / "seed_data" / "reference" / "municipalities.yaml").read_text("utf-8"))


def _sentence(rng: random.Random, topic: tuple[str, ...], place: str, year: int) -> str:
    template = rng.choice(SENTENCES)
    actor, actor2 = rng.sample(ACTORS, 2)
    group = rng.choice(GROUPS)
    return template.format(
        Actor=actor[0].upper() + actor[1:], actor2=actor2, topic=topic[0], topic2=topic[1],
        topic3=topic[2], group=group, Group=group[0].upper() + group[1:], year=year,
        article=rng.choice((3, 6, 12, 24, 31)), number=rng.randint(3, 40), place=place)


def case(i: int, rng: random.Random, municipalities: list[dict], words: int = 16) -> dict:
    """The ``i``-th synthetic case (front matter plus ``body``), with about ``words`` words
    of free text per section."""
    place = rng.choice(municipalities)
    topic, second = rng.sample(TOPICS, 2)
    org_type = rng.choice(ORG_TYPES)
    county = place["county"]
    organisation = {
        "kommun": f"{place['name']}s kommun",
        "region": f"Region {county.replace(' län', '').rstrip('s')}",
        "länsstyrelse": f"Länsstyrelsen i {county}",
        "idéburen organisation": f"Föreningen {topic[0].capitalize()} {place['name']}",
    }[org_type]
    year = rng.randint(2008, 2024)
    paragraphs = []
    for heading in ("Bakgrund", "Genomförande", "Resultat", "Lärdomar"):
        sentences = [_sentence(rng, rng.choice((topic, topic, second)), place["name"], year)
                     for _ in range(rng.randint(2, 4))]
        if words:
            sentences.append(free_text(rng, rng.randint(words // 2, words + words // 2)))
        paragraphs.append(f"## {heading}\n\n" + " ".join(sentences))
    return {
        "title": f"{topic[1].capitalize()} i {place['name']} – {second[0]} och {rng.choice(GROUPS)}",
        "slug": f"bench-{i}",
        "summary": (f"{organisation} arbetar med {topic[0]} och {second[2]} för att "
                    f"{rng.choice(GROUPS)} ska få sina rättigheter tillgodosedda."),
        "organisation": organisation,
        "organisation_type": org_type,
        "county": county,
        "municipalities": [place["name"]] if org_type == "kommun" else [],
        "year": year,
        "published": (f"{min(year + rng.randint(0, 2), 2025)}-"
                      f"{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"),
        "tags": sorted(rng.sample(TAGS, rng.randint(2, 4))),
        "articles": sorted(rng.sample(range(1, 55), rng.randint(1, 3))),
        "status": "draft" if i % 10 == 9 else "published",
        "body": "\n\n".join(paragraphs),
    }


def generate(n: int, seed: int = 2026, words: int = 16) -> list[dict]:
    """``n`` cases; ``words=0`` gives the small-vocabulary corpus of earlier benchmarks."""
    rng = random.Random(seed)
    municipalities = _municipalities()
    return [case(i, rng, municipalities, words) for i in range(n)]


def write_files(cases: list[dict], folder: Path) -> None:
    """Write ``cases`` as import files (YAML front matter, Markdown body)."""
    folder.mkdir(parents=True, exist_ok=True)
    for data in cases:
        header = {k: v for k, v in data.items() if k != "body"}
        text = "---\n" + yaml.safe_dump(header, allow_unicode=True, sort_keys=False) + "---\n\n"
        (folder / f"{data['slug']}.md").write_text(text + data["body"] + "\n", encoding="utf-8")
