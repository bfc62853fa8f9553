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
