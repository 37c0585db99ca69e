"""Test helper: budget remarks of a made-up municipality (Solbjerg Kommune, 2025) whose amounts
and stated totals are known, for the tests of where each amount was read and of reconciliation.

- Teknik- og Miljøudvalget: an area table in 1.000 kr. (budget year and an overslag column)
  whose "I alt" row agrees with its areas, then prose per area;
- Kultur- og Fritidsudvalget: an area table whose "I alt" is 500.000 kr. more than its areas;
- Social- og Sundhedsudvalget: title and net budget line per area, and the committee's total
  ("Samlet nettobudget for udvalget") at the end, which agrees.
"""

from __future__ import annotations

from pathlib import Path

MUNICIPALITY = "Solbjerg Kommune"
YEAR = 2025

TEKNIK = """\
Budgetbemærkninger 2025 – Teknik- og Miljøudvalget

Udvalgets budget fordeler sig på fire bevillingsområder. Tabellen viser budget 2025 og
overslagsåret 2026.

| Bevillingsområde | Budget 2025 (1.000 kr.) | Overslag 2026 (1.000 kr.) |
| Veje og trafik | 45.250 | 45.900 |
| Parker og grønne områder | 18.730 | 18.730 |
| Kollektiv trafik | 31.005 | 31.500 |
| Natur og miljø | 6.415 | 6.200 |
| I alt | 101.400 | 102.330 |

Veje og trafik
Området omfatter drift og vedligeholdelse af kommunens veje, fortove, cykelstier og broer
samt vintertjenesten. Budgettet er øget med 1,2 mio. kr. til asfaltpuljen.

Parker og grønne områder
Området dækker pleje af parker, legepladser og bynære grønne arealer.

Kollektiv trafik
Kommunens andel af udgifterne til Movia, herunder lokalbusser og flextrafik.

Natur og miljø
Naturpleje, vandløbsvedligeholdelse og miljøtilsyn med virksomheder og landbrug.
"""

KULTUR = """\
Budgetbemærkninger 2025 – Kultur- og Fritidsudvalget

| Bevillingsområde | Budget 2025 (1.000 kr.) |
| Biblioteker | 22.140 |
| Idræt og haller | 17.865 |
| Musikskole | 4.310 |
| I alt | 44.815 |

Biblioteker
Hovedbiblioteket og tre filialer holder åbent bibliotek alle ugens dage.

Idræt og haller
Tilskud til idrætsforeninger og drift af kommunens haller og svømmehal.
"""

SOCIAL = """\
Bemærkninger - Social- og Sundhedsudvalget

Hjemmepleje
Samlet nettobudget for området: 78.250.000 kr.
Budgetgrundlag
Budgettet dækker personlig pleje og praktisk hjælp til borgere i eget hjem.

Sundhedspleje
Samlet nettobudget for området: 34.250.000 kr.
Budgetgrundlag
Sundhedsplejen besøger alle nyfødte og følger børnene gennem skolealderen.

Samlet nettobudget for udvalget: 112.500.000 kr.
"""

#: document id -> (committee, text)
DOCUMENTS = {
    "solbjerg/2025/teknik": ("Teknik- og Miljøudvalget", TEKNIK),
    "solbjerg/2025/kultur": ("Kultur- og Fritidsudvalget", KULTUR),
    "solbjerg/2025/social": ("Social- og Sundhedsudvalget", SOCIAL),
}

#: (document, area) -> (amount in kroner, the amount as the document writes it)
AMOUNTS = {
    ("solbjerg/2025/teknik", "Veje og trafik"): (45_250_000, "45.250"),
    ("solbjerg/2025/teknik", "Parker og grønne områder"): (18_730_000, "18.730"),
    ("solbjerg/2025/teknik", "Kollektiv trafik"): (31_005_000, "31.005"),
    ("solbjerg/2025/teknik", "Natur og miljø"): (6_415_000, "6.415"),
    ("solbjerg/2025/kultur", "Biblioteker"): (22_140_000, "22.140"),
    ("solbjerg/2025/kultur", "Idræt og haller"): (17_865_000, "17.865"),
    ("solbjerg/2025/kultur", "Musikskole"): (4_310_000, "4.310"),
    ("solbjerg/2025/social", "Hjemmepleje"): (78_250_000, "78.250.000"),
    ("solbjerg/2025/social", "Sundhedspleje"): (34_250_000, "34.250.000"),
}


def write_corpus(corpus: Path) -> Path:
    """The three documents and their sidecars under `corpus`."""
    for doc_id, (committee, text) in DOCUMENTS.items():
        path = corpus / f"{doc_id}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        path.with_suffix(".toml").write_text(
            f'title = "Bemærkninger - {committee}"\nmunicipality = "{MUNICIPALITY}"\n'
            f'committee = "{committee}"\nyear = {YEAR}\n',
            encoding="utf-8",
        )
    return corpus
