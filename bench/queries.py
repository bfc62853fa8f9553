"""The query mix of the search benchmark (also run through both search paths by the tests)."""

# (q, filters): 1–3 words, some with facet filters, as readers search.
QUERY_MIX = [
    ("barnkonsekvensanalys", {}), ("ungdomsdialog", {}), ("dialog", {}), ("ombud", {}),
    ("bokslut", {}), ("fritidsgårdar", {}), ("skolgården", {}), ("elevråd", {}),
    ("delaktighet", {}), ("barnets bästa", {}), ("trygghet skola", {}),
    ("utbildning personal", {}), ("familjecentral föräldrar", {}), ("feriearbete unga", {}),
    ("läxhjälp biblioteket", {}), ("våld unga", {}), ("tandvården", {}),
    ("medborgardialog budget", {}), ("elevhälsan psykisk hälsa", {}), ("kollektivtrafiken", {}),
    ("barnrättsstrateg styrning", {}), ("språkutveckling förskola barn", {}),
    ("delaktighet", {"county": "Skåne län"}), ("fritid", {"tag": "idrott"}),
    ("barnkonventionen", {"organisation_type": "region"}), ("trygghet", {"year_from": 2015, "year_to": 2020}),
    ("skola unga", {"tag": "skola", "county": "Stockholms län"}), ("", {"tag": "delaktighet"}),
]



def mix_filters(filters: dict):
    """A mix entry's filters (one value each) as the search's :class:`kb.filters.Filters`."""
    from kb.filters import Filters

    def one(name: str) -> tuple[str, ...]:
        return (filters[name],) if name in filters else ()

    return Filters(tags=one("tag"), counties=one("county"), organisation_types=one("organisation_type"),
                   year_from=filters.get("year_from"), year_to=filters.get("year_to"))
