"""The site under stress: a private PostgreSQL cluster, a corpus, accounts and gunicorn."""
from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
import yaml

from stress.cluster import PostgresCluster, RedisServer, private_redis_url
from tests.databases import PostgresSchemas
from tests.production.servers import ROOT, Server, create_user

KB = str(Path(sys.executable).with_name("kb"))
PASSWORD = "Stress-test-losenord-2026"
# Five workers importing a fresh clone's code at nice 19 on a saturated 2-core machine took
# over the tests' 120 s to answer /healthz; a generous bound, not a speed goal.
STARTUP_TIMEOUT = 600.0
TOPICS = ["barnkonsekvensanalys", "delaktighet", "skola", "fritid", "socialtjänst", "hälsa",
          "ungdomsråd", "våld i nära relationer", "budget", "styrning", "bibliotek", "idrott",
          "föräldraskap", "psykisk hälsa", "placerade barn", "nyanlända", "funktionsnedsättning"]
PLACES = [("Uppsala län", "Uppsala"), ("Skåne län", "Malmö"), ("Stockholms län", "Solna"),
          ("Västra Götalands län", "Borås"), ("Norrbottens län", "Luleå"), ("Dalarnas län", "Falun")]
WORDS = ["läxhjälp", "samråd", "barnombud", "enkät", "fokusgrupp", "utbildning", "nätverk",
         "handbok", "mötesplats", "kartläggning", "uppföljning", "workshop", "dialog", "rådslag"]


@dataclass
class Site:
    workdir: Path
    workers: int
    cluster: PostgresCluster = field(init=False)
    redis: RedisServer | None = field(init=False)
    schemas: PostgresSchemas = field(init=False)
    url: str = field(init=False)
    env: dict[str, str] = field(init=False)
    server: Server = field(init=False)
    editors: list[str] = field(default_factory=list)
    password: str = PASSWORD

    def __post_init__(self) -> None:
        self.cluster, self.redis = PostgresCluster(), None
        try:
            self.cluster.start()
            self.cluster.create_database("test")
            redis_url, self.redis = private_redis_url()
            self.schemas = PostgresSchemas(self.cluster.url)
        except BaseException:
            self.remove_servers()
            raise
        self.schema = self.schemas.new("stress")
        self.url = self.schemas.url(self.schema) + "&connect_timeout=3"
        self.index_dir = self.workdir / "index"
        self.server = Server(self.url, self.index_dir, workers=self.workers,
                             log=self.workdir / "gunicorn.log",
                             env={"KB_RATELIMIT_STORAGE_URI": redis_url})
        self.env = self.server.env

    def kb(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([KB, *args], env=self.env, cwd=ROOT, text=True,  # noqa: S603
                              capture_output=True, check=check)

    def prepare(self, cases: int, editors: int) -> None:
        """Migrate, import the seed cases plus ``cases`` synthetic ones, create accounts."""
        self.kb("db", "upgrade")
        corpus = self.workdir / "corpus"
        write_corpus(corpus, cases)
        self.kb("import", str(ROOT / "seed_data" / "cases"), str(corpus))
        for n in range(editors):
            email = f"redaktor{n}@stress.example"
            create_user(self.env, email, PASSWORD, role="reviewer")
            self.editors.append(email)

    def engine(self) -> sa.Engine:
        url = self.url.replace("postgresql://", "postgresql+psycopg://", 1)
        return sa.create_engine(url, pool_pre_ping=True)

    def close(self) -> None:
        """Stop gunicorn, then remove the private cluster and Redis with everything in them."""
        try:
            self.server.stop()
            self.schemas.conn.close()
        finally:
            self.remove_servers()

    def remove_servers(self) -> None:
        self.cluster.remove()
        if self.redis:
            self.redis.remove()


def write_corpus(directory: Path, count: int) -> None:
    """``count`` plausible published cases as import files (fixed seed: same corpus each run)."""
    rng = random.Random(6)
    directory.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        topic, word = rng.choice(TOPICS), rng.choice(WORDS)
        county, municipality = rng.choice(PLACES)
        head = {
            "title": f"{word.capitalize()} om {topic} i {municipality} {n}",
            "slug": f"stress-{n}",
            "summary": f"{municipality} kommun arbetar med {topic} genom {word}.",
            "organisation": f"{municipality} kommun", "organisation_type": "kommun",
            "county": county, "municipalities": [municipality], "year": 2015 + n % 10,
            "published": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "tags": sorted({topic, rng.choice(TOPICS)}), "articles": [3, 12],
            "status": "published",
        }
        body = " ".join(rng.choice(WORDS + TOPICS) for _ in range(120))
        text = "---\n" + yaml.safe_dump(head, allow_unicode=True, sort_keys=False) + "---\n\n" + body + "\n"
        (directory / f"stress-{n}.md").write_text(text, encoding="utf-8")


def slugs(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT slug FROM cases WHERE status = 'published'")).scalars())

