"""Synthetic Swedish cases for the benchmark: N case files in the import format.

Deterministic (seeded): the same N gives the same corpus. Municipalities and counties come
from seed_data/reference; text is put together from the field's vocabulary, so compounds,
inflections and facets look like the real thing.
"""
from __future__ import annotations

import random
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
ORG_TYPES = ["kommun"] * 8 + ["region", "länsstyrelse", "idéburen organisation"]


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


def case(i: int, rng: random.Random, municipalities: list[dict]) -> dict:
    """The ``i``-th synthetic case (front matter plus ``body``)."""
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


def generate(n: int, seed: int = 2026) -> list[dict]:
    rng = random.Random(seed)
    municipalities = _municipalities()
    return [case(i, rng, municipalities) for i in range(n)]


def write_files(cases: list[dict], folder: Path) -> None:
    """Write ``cases`` as import files (YAML front matter, Markdown body)."""
    folder.mkdir(parents=True, exist_ok=True)
    for data in cases:
        header = {k: v for k, v in data.items() if k != "body"}
        text = "---\n" + yaml.safe_dump(header, allow_unicode=True, sort_keys=False) + "---\n\n"
        (folder / f"{data['slug']}.md").write_text(text + data["body"] + "\n", encoding="utf-8")
