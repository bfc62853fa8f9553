"""Readers: a search-and-read mix (run by locust in its own process, see stress/load.py).

Every 5xx counts as a failure named "5xx"; other unexpected statuses are failures too, under
their own name, so the report tells them apart.
"""
from __future__ import annotations

import os
import random
from pathlib import Path

from locust import HttpUser, between, task

SLUGS = Path(os.environ["STRESS_SLUGS"]).read_text(encoding="utf-8").split()
QUERIES = ["barn", "delaktighet skola", "barnkonsekvensanalys", "läxhjälp", "ungdomsråd budget",
           "psykisk hälsa", "fritid", "socialtjänsten", "\"placerade barn\"", "nätverk uppföljning",
           "våld", "bibliotek", "handbok", "enkät", "dialog"]
FACETS = ["", "&organisation_type=kommun", "&county=Sk%C3%A5ne+l%C3%A4n", "&sort=date", "&page=2"]
# The site's name when the load goes to nginx by address (bench/mix.py): nginx answers
# only for its server_name.
HOST_HEADER = os.environ.get("STRESS_HOST_HEADER")


class Reader(HttpUser):
    wait_time = between(0.0, 0.1)

    def on_start(self) -> None:
        if HOST_HEADER:
            self.client.headers["Host"] = HOST_HEADER

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code >= 500:
                response.failure("5xx")
            elif response.status_code not in (200, 301, 302, 304):
                response.failure(f"HTTP {response.status_code}")
            else:
                response.success()

    @task(4)
    def search(self) -> None:
        query = random.choice(QUERIES).replace(" ", "+")
        self._get(f"/sok?q={query}{random.choice(FACETS)}", "/sok")

    @task(4)
    def read_case(self) -> None:
        self._get(f"/exempel/{random.choice(SLUGS)}", "/exempel/[slug]")

    @task(1)
    def front_page(self) -> None:
        self._get("/", "/")

    @task(1)
    def case_list(self) -> None:
        self._get(f"/exempel?page={random.randint(1, 5)}", "/exempel")

    @task(1)
    def api_search(self) -> None:
        self._get(f"/api/v1/search?q={random.choice(QUERIES).replace(' ', '+')}", "/api/v1/search")
