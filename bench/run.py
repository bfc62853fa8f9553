"""``make bench [N=1000]``: search benchmark of Kunskapsbanken.

Generates N synthetic Swedish cases, imports and indexes them, and prints: import and index
time, index size, search latency p50/p95 over a fixed query mix (1–3 words, with facets and
highlighted top 10) in-process and through HTTP (gunicorn), the same mix on SQLite FTS5 over
the same corpus, and the relevance of the alternatives on the relevance corpus.
"""
from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import platform
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import generate, vocabulary_queries, write_files  # noqa: E402
from bench.queries import QUERY_MIX, mix_filters  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def mix() -> list[tuple[str, dict]]:
    """The bench's query mix plus queries from the long tail of the generated vocabulary."""
    return QUERY_MIX + [(q, {}) for q in vocabulary_queries()]


def timed(fn, rounds: int, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock milliseconds per search (and CPU milliseconds of this process into ``cpu``)."""
    times = []
    for _ in range(rounds):
        for q, filters in mix():
            start, start_cpu = time.perf_counter(), time.process_time()
            fn(q, filters)
            times.append((time.perf_counter() - start) * 1000)
            if cpu is not None:
                cpu.append((time.process_time() - start_cpu) * 1000)
    return times


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the importer's workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def clock(fn) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``fn()`` (this process and the workers it started)."""
    start, start_cpu = time.perf_counter(), _cpu()
    fn()
    return time.perf_counter() - start, _cpu() - start_cpu


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def latency_line(name: str, times: list[float]) -> str:
    return (f"  {name:<36} p50 {statistics.median(times):7.1f} ms   p95 {percentile(times, 95):7.1f} ms"
            f"   ({len(times)} searches)")


def whoosh_search(app):
    """One search of the mix in-process, as a reader's request makes it."""
    from kb import search

    def run(q, filters):
        params = search.SearchParams(q=q, filters=mix_filters(filters))
        with app.app_context():
            result = search.search(params)
            assert result.total >= 0
    return run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def over_http(env: dict[str, str], rounds: int) -> list[float]:
    """The same mix against gunicorn (one worker, the project's gunicorn.conf.py)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
        cwd=ROOT, env={**env, "KB_BIND": f"127.0.0.1:{port}", "KB_WORKERS": "1", "KB_ACCESS_LOG": "",
                       "KB_LOG_LEVEL": "warning"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)

        def run(q, filters):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": q, **filters}))
            response = conn.getresponse()
            response.read()
            conn.close()
            assert response.status == 200, response.status
        run("barn", {})
        return timed(run, rounds)
    finally:
        server.terminate()
        server.wait(timeout=30)


def fts5_build(db_path: Path) -> float:
    """Reference: SQLite FTS5 over the same published cases; returns the build seconds."""
    con = sqlite3.connect(db_path)
    start = time.perf_counter()
    con.executescript("""
        DROP TABLE IF EXISTS bench_fts;
        CREATE VIRTUAL TABLE bench_fts USING fts5(title, summary, tags, body,
            tokenize='unicode61 remove_diacritics 2');
        INSERT INTO bench_fts(rowid, title, summary, tags, body)
            SELECT c.id, c.title, c.summary,
                   (SELECT group_concat(t.name, ' . ') FROM case_tags ct JOIN tags t ON t.id = ct.tag_id
                     WHERE ct.case_id = c.id), c.body
            FROM cases c WHERE c.status = 'published';
    """)
    con.commit()
    con.close()
    return time.perf_counter() - start


FTS5_FACETS = {
    "tag": "SELECT t.name, count(*) FROM case_tags ct JOIN tags t ON t.id = ct.tag_id "
           "WHERE ct.case_id IN ({ids}) GROUP BY t.name",
    "county": "SELECT county_code, count(*) FROM cases WHERE id IN ({ids}) GROUP BY county_code",
    "organisation_type": "SELECT o.organisation_type, count(*) FROM cases c JOIN organisations o "
                         "ON o.id = c.organisation_id WHERE c.id IN ({ids}) GROUP BY 1",
    "article": "SELECT article_number, count(*) FROM case_articles WHERE case_id IN ({ids}) GROUP BY 1",
    "year": "SELECT year, count(*) FROM cases WHERE id IN ({ids}) GROUP BY year",
}


def fts5_search(db_path: Path):
    """One search of the mix on the FTS5 table: the same work (count, facets, snippets of the top 10)."""
    con = sqlite3.connect(db_path)

    def run(q, filters):
        terms = " AND ".join(f'"{w}"' for w in q.split())
        if terms:
            ids = "SELECT rowid FROM bench_fts WHERE bench_fts MATCH :q"
        else:
            ids = "SELECT id FROM cases WHERE status = 'published'"
        if "tag" in filters:
            ids += (" AND rowid IN (SELECT ct.case_id FROM case_tags ct JOIN tags t ON t.id = ct.tag_id "
                    "WHERE t.name = :tag)") if terms else (
                " AND id IN (SELECT ct.case_id FROM case_tags ct JOIN tags t ON t.id = ct.tag_id "
                "WHERE t.name = :tag)")
        args = {"q": terms, "tag": filters.get("tag")}
        con.execute(f"SELECT count(*) FROM ({ids})", args).fetchone()
        for sql in FTS5_FACETS.values():
            con.execute(sql.format(ids=ids), args).fetchall()
        if terms:
            con.execute("SELECT rowid, snippet(bench_fts, 3, '<mark>', '</mark>', '…', 20) FROM bench_fts "
                        "WHERE bench_fts MATCH :q ORDER BY bm25(bench_fts, 3, 2, 2.5, 1) LIMIT 10",
                        args).fetchall()
    return run


def latency_child(rounds: int, fts: bool) -> dict[str, list[float]]:
    """In a fresh process: warm up as a gunicorn worker does (kb.search.warm_up), but
    without reading any query term (the word list, the speller's, synonyms' and glossary's
    tables, the searcher and the facet tables), then the mix once (first pass: every
    query's terms read for the first time in the process) and ``rounds`` more times
    (repeated), each Whoosh search followed by the same one on FTS5 (same load)."""
    from kb import create_app, search
    from kb.search import analysis, english, spelling, synonyms

    app = create_app()
    with app.app_context():
        analysis.lexicon()
        spelling.warm_up()
        synonyms.load_related()
        english.glossary()
        search.search(search.SearchParams())
    ours = whoosh_search(app)
    theirs = fts5_search(Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))) if fts else None
    if theirs:
        theirs("", {})
    out: dict[str, list[float]] = {"first": [], "first_cpu": [], "repeat": [], "repeat_cpu": [],
                                   "fts_first": [], "fts_repeat": [], "load": [os.getloadavg()[0]]}
    for round_ in range(1 + rounds):
        kind = "first" if round_ == 0 else "repeat"
        for q, filters in mix():
            start, start_cpu = time.perf_counter(), time.process_time()
            ours(q, filters)
            out[kind].append((time.perf_counter() - start) * 1000)
            out[kind + "_cpu"].append((time.process_time() - start_cpu) * 1000)
            if theirs:
                start = time.perf_counter()
                theirs(q, filters)
                out["fts_" + kind].append((time.perf_counter() - start) * 1000)
    out["load"].append(os.getloadavg()[0])
    return out


def bulk_load(cases: list[dict]) -> None:
    """Insert ``cases`` with plain SQL (no validation, Markdown or revisions): for large N,
    where `kb import` alone would take most of an hour. The change log gets a row per case,
    as save_case would write."""
    import datetime as dt

    from kb.extensions import db
    from kb.models import Case, County, IndexChange, Organisation, Tag, case_articles, case_tags

    counties = {c.name: c.code for c in db.session.scalars(db.select(County))}
    organisations = sorted({(c["organisation"], c["organisation_type"]) for c in cases})
    db.session.execute(db.insert(Organisation),
                       [{"name": n, "organisation_type": t} for n, t in organisations])
    org_ids = dict(db.session.execute(db.select(Organisation.name, Organisation.id)).all())
    tag_names = sorted({t for c in cases for t in c["tags"]})
    db.session.execute(db.insert(Tag), [{"name": n, "slug": f"t{i}"} for i, n in enumerate(tag_names)])
    tag_ids = dict(db.session.execute(db.select(Tag.name, Tag.id)).all())
    now = dt.datetime.now(dt.UTC)
    for start in range(0, len(cases), 5000):
        chunk = cases[start:start + 5000]
        db.session.execute(db.insert(Case), [{
            "id": start + i + 1, "slug": c["slug"], "title": c["title"], "summary": c["summary"],
            "body": c["body"], "body_html": "", "organisation_id": org_ids[c["organisation"]],
            "county_code": counties.get(c["county"]), "year": c["year"],
            "published": dt.date.fromisoformat(c["published"]), "status": c["status"], "version": 1,
            "created_at": now, "updated_at": now} for i, c in enumerate(chunk)])
        db.session.execute(case_tags.insert(), [
            {"case_id": start + i + 1, "tag_id": tag_ids[t]} for i, c in enumerate(chunk) for t in c["tags"]])
        db.session.execute(case_articles.insert(), [
            {"case_id": start + i + 1, "article_number": a}
            for i, c in enumerate(chunk) for a in c["articles"]])
        db.session.execute(db.insert(IndexChange),
                           [{"case_id": start + i + 1} for i in range(len(chunk))])
    db.session.commit()


def corpus_app(folder: Path):
    """An app whose database and index hold the relevance corpus."""
    from flask_migrate import upgrade

    from kb import create_app
    from tests.search.relevance import save_and_index_corpus

    folder.mkdir(parents=True)
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'kb.sqlite3'}",
                      "INDEX_DIR": str(folder / "index")})
    with app.app_context():
        upgrade()
        save_and_index_corpus()
    return app


def relevance_table(folder: Path) -> list[str]:
    from bench.alternatives import compare

    counter = iter(range(100))
    reports = compare(corpus_app(folder / "corpus"),
                      build_app=lambda: corpus_app(folder / f"ablation-{next(counter)}"))
    return [report.line(name) for name, report in reports]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="number of synthetic cases (default 1000)")
    parser.add_argument("--rounds", type=int, default=0, help="rounds of the query mix (default by N)")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--bulk", action="store_true",
                        help="insert with plain SQL instead of `kb import` (default above 20,000 cases)")
    parser.add_argument("--skip-relevance", action="store_true")
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--skip-fts5", action="store_true", help="no SQLite FTS5 reference (slow at 100,000)")
    parser.add_argument("--keep", metavar="DIR", type=Path,
                        help="build the database and index in DIR and keep them (for --reuse)")
    parser.add_argument("--reuse", metavar="DIR", type=Path,
                        help="time the searches on a DIR kept by --keep (no generation or import)")
    parser.add_argument("--small-vocabulary", action="store_true",
                        help="the earlier corpus: the field's few hundred words (no word-list free text)")
    parser.add_argument("--public-api", action="store_true",
                        help="search through Whoosh's public API only (KB_SEARCH_FAST_PATH=0)")
    parser.add_argument("--latency-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.latency_child:
        logging.disable(logging.WARNING)
        print(json.dumps(latency_child(args.rounds or 3, not args.skip_fts5)))
        return 0
    rounds = args.rounds or (8 if args.n <= 10_000 else 3)
    logging.disable(logging.WARNING)
    tmp = (args.reuse or args.keep or Path(tempfile.mkdtemp(prefix="kb-bench-"))).resolve()
    if args.keep:
        tmp.mkdir(parents=True, exist_ok=False)
    env = {**os.environ, "KB_DATABASE_URL": f"sqlite:///{tmp / 'kb.sqlite3'}",
           "KB_INDEX_DIR": str(tmp / "index"), "KB_SECRET_KEY": "bench", "KB_INSTANCE_PATH": str(tmp),
           "KB_SEARCH_FAST_PATH": "0" if args.public_api else "1", "KB_BASE_URL": "http://127.0.0.1:5000"}
    os.environ.update({k: env[k] for k in ("KB_DATABASE_URL", "KB_INDEX_DIR", "KB_SECRET_KEY",
                                           "KB_INSTANCE_PATH", "KB_SEARCH_FAST_PATH", "KB_BASE_URL")})
    print(f"Kunskapsbanken search benchmark: N = {args.n} cases, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    from flask_migrate import upgrade

    from kb import create_app, search
    from kb.extensions import db
    from kb.services.importer import import_paths

    app = create_app()
    app.config["BULK_WORKERS"] = True  # as `kb import` runs
    if args.reuse:
        return searches(app, env, tmp, rounds, args)
    with app.app_context():
        upgrade()
    cases = generate(args.n, words=0 if args.small_vocabulary else 16)
    bulk = args.bulk or args.n > 20_000
    if not bulk:
        write_files(cases, tmp / "cases")
    published = sum(1 for c in cases if c["status"] == "published")
    with app.app_context():
        if bulk:
            imported = clock(lambda: bulk_load(cases))
        else:
            imported = clock(lambda: (import_paths([tmp / "cases"]), db.session.commit()))
        indexed = clock(search.sync_index)
        status = search.index_status()
        assert status["in_sync"], status
        rebuilt = (0.0, 0.0) if args.skip_rebuild else clock(search.rebuild_index)
        live = Path(search.index_status()["index"])
    load = os.getloadavg()[0]
    busy = " (busy machine: wall-clock figures are inflated; see CPU time)" if load > os.cpu_count() else ""
    print(f"\nLoad average during the run: {load:.1f} on {os.cpu_count()} cores{busy}")
    how = "bulk SQL insert, not `kb import`" if bulk else "`kb import` = import + sync_index"
    print(f"\nImport and index ({published} published of {args.n}; {how}):")
    print("                                         wall      CPU")
    print(f"  import into the database            {imported[0]:7.1f} s {imported[1]:7.1f} s")
    print(f"  index from the change log           {indexed[0]:7.1f} s {indexed[1]:7.1f} s")
    print(f"  import + index                      {imported[0] + indexed[0]:7.1f} s "
          f"{imported[1] + indexed[1]:7.1f} s")
    print(f"  full rebuild (kb reindex)           {rebuilt[0]:7.1f} s {rebuilt[1]:7.1f} s")
    print(f"  index size                          {folder_size(live) / 1e6:7.1f} MB "
          f"(database {(tmp / 'kb.sqlite3').stat().st_size / 1e6:.1f} MB)")
    searches(app, env, tmp, rounds, args)
    if not args.skip_relevance:
        print("\nRelevance on tests/search/corpus (33 cases, 62 queries; "
              "recall@10 = all relevant in the top 10):")
        for line in relevance_table(tmp):
            print("  " + line)
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def searches(app, env: dict[str, str], tmp: Path, rounds: int, args) -> int:
    """The search-latency part: first and repeated passes in a fresh process, Whoosh and FTS5
    alternating query by query; then through HTTP."""
    if args.reuse:
        print(f"Reusing {tmp}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    queries = mix()
    fts = not args.skip_fts5
    if fts:
        print(f"\nSQLite FTS5 table built in {fts5_build(tmp / 'kb.sqlite3'):.1f} s")
    print(f"\nSearch latency, {len(queries)} queries ({len(QUERY_MIX)} of the mix, "
          f"{len(queries) - len(QUERY_MIX)} from the vocabulary's long tail), facets and snippets of "
          f"the top 10, in a fresh process: the first pass, then {rounds} repeated passes"
          + (", each search followed by the same one on FTS5:" if fts else ":"))
    child = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--latency-child",
                            "--rounds", str(rounds), *(["--skip-fts5"] if not fts else [])],
                           cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    found = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"  load average {found['load'][0]:.1f} before, {found['load'][1]:.1f} after "
          f"({os.cpu_count()} cores)")
    print(latency_line("Whoosh, first pass", found["first"]))
    print(latency_line("  CPU time of those searches", found["first_cpu"]))
    print(latency_line("Whoosh, repeated passes", found["repeat"]))
    print(latency_line("  CPU time of those searches", found["repeat_cpu"]))
    if fts:
        print(latency_line("SQLite FTS5, first pass", found["fts_first"]))
        print(latency_line("SQLite FTS5, repeated passes", found["fts_repeat"]))
        for kind in ("first", "repeat"):
            ours, theirs = found[kind], found["fts_" + kind]
            print(f"  Whoosh/FTS5 ({kind}): p50 {statistics.median(ours) / statistics.median(theirs):.2f}×, "
                  f"p95 {percentile(ours, 95) / percentile(theirs, 95):.2f}×")
    if not args.skip_http:
        print(latency_line("Whoosh through HTTP (gunicorn)", over_http(env, rounds)))
    print(f"Load average after the searches: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
