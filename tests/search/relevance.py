"""The relevance corpus and its metrics (used by the tests and by ``make bench``)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CORPUS = Path(__file__).parent / "corpus"
TOP = 10


def load_cases() -> list[dict]:
    cases = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
    for case in cases:
        case["published"] = str(case["published"])
        case.setdefault("status", "published")
    return cases


def save_and_index_corpus() -> None:
    """Save the corpus's cases in the current app's database and index them (in an app
    context, on a migrated database)."""
    from kb import search
    from kb.extensions import db
    from kb.services.cases import save_case

    for data in load_cases():
        save_case(data)
    db.session.commit()
    search.sync_index()


def load_queries() -> list[dict]:
    return yaml.safe_load((CORPUS / "queries.yaml").read_text(encoding="utf-8"))


@dataclass
class Report:
    """recall@10 (share of queries with every relevant case in the top 10), mean recall@10,
    MRR, P@1 (first hit relevant), R-precision (of the first R results, R = relevant cases,
    the share relevant), precision of the returned set, false friends in the top 10."""

    queries: int = 0
    full_recall: float = 0.0
    mean_recall: float = 0.0
    mrr: float = 0.0
    first_relevant: float = 0.0
    r_precision: float = 0.0
    set_precision: float = 0.0
    false_friends: int = 0
    failures: list[str] = field(default_factory=list)

    def line(self, name: str) -> str:
        return (f"{name:<34} recall@10 {self.full_recall:6.1%}  mean recall@10 {self.mean_recall:6.1%}  "
                f"MRR {self.mrr:.3f}  P@1 {self.first_relevant:6.1%}  R-prec {self.r_precision:6.1%}  "
                f"set precision {self.set_precision:6.1%}  false friends {self.false_friends}")


def evaluate(search: Callable[[str], tuple[list[str], int]], queries: list[dict]) -> Report:
    """``search(q)`` returns (slugs in rank order, at least the top 10; total hits)."""
    report = Report(queries=len(queries))
    full = recall = rr = first = precision = r_precision = 0.0
    for item in queries:
        relevant = set(item["relevant"])
        ranked, total = search(item["q"])
        top = ranked[:TOP]
        found = relevant & set(top)
        recall += len(found) / len(relevant)
        full += found == relevant
        rank = next((i for i, slug in enumerate(top, 1) if slug in relevant), None)
        rr += 1 / rank if rank else 0
        first += rank == 1
        r_precision += len(relevant & set(ranked[:len(relevant)])) / len(relevant)
        precision += len(relevant & set(ranked)) / total if total else 0
        friends = set(item.get("not_relevant", [])) & set(top)
        report.false_friends += len(friends)
        if found != relevant or rank != 1 or friends:
            report.failures.append(f"{item['q']!r}: top {top[:5]} missing {sorted(relevant - found)}"
                                   + (f" false friends {sorted(friends)}" if friends else ""))
    n = len(queries) or 1
    report.full_recall, report.mean_recall = full / n, recall / n
    report.mrr, report.first_relevant, report.set_precision = rr / n, first / n, precision / n
    report.r_precision = r_precision / n
    return report


KINDS = ("own words", "articles", "everyday", "english", "misspelt")


def by_kind(queries: list[dict]) -> dict[str, list[dict]]:
    """The queries grouped by what they test (queries.yaml's ``kind``)."""
    return {kind: [q for q in queries if q.get("kind", "own words") == kind] for kind in KINDS}
