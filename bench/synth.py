"""A deterministic synthetic corpus for scale benchmarks, made from the seed's passages.

    .venv/bin/python bench/synth.py OUT_DIR --passages 10000 [--seed 0] [--corpus corpus]
    .venv/bin/python bench/synth.py OUT_DIR --years 2022,2023,2024,2025   # one committee's years

Every generated document is a plain-text budget remark with a sidecar TOML, in the seed's own
format, so the real parser ingests it: a municipality x committee x year, holding a random
subset of the seed's areas (each with all of its passages, in the seed's order of sections),
with the municipality's name put in for the seed's, amounts and the net budget scaled per
document, years shifted to the document's year and the sentences of every passage shuffled.
The same arguments always write the same bytes.

`SynthEncoder` stands in for the model when building large indexes: it gives each passage the
real vector of the seed passage it was made from plus small seeded noise, re-normalised (the
seed's vectors are embedded once with the real model), so a 100k-passage index does not take an
hour of embedding. Queries are still encoded by the real model.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from index.building.embed_texts import embed_text  # noqa: E402
from index.documents.corpus import load_corpus  # noqa: E402
from index.documents.document import Passage  # noqa: E402
from index.embedding.encoder import Encoder  # noqa: E402

SEED_CORPUS = ROOT / "corpus"
SEED_MUNICIPALITY = "Kalundborg"
SEED_YEAR = 2024

#: The 98 Danish municipalities.
MUNICIPALITIES = (
    "København Frederiksberg Albertslund Ballerup Brøndby Dragør Gentofte Gladsaxe Glostrup "
    "Herlev Hvidovre Høje-Taastrup Ishøj Lyngby-Taarbæk Rødovre Tårnby Vallensbæk Allerød "
    "Egedal Fredensborg Frederikssund Furesø Gribskov Halsnæs Helsingør Hillerød Hørsholm "
    "Rudersdal Bornholm Greve Køge Lejre Roskilde Solrød Faxe Guldborgsund Holbæk Kalundborg "
    "Lolland Næstved Odsherred Ringsted Slagelse Sorø Stevns Vordingborg Assens "
    "Faaborg-Midtfyn Kerteminde Langeland Middelfart Nordfyn Nyborg Odense Svendborg Ærø "
    "Billund Esbjerg Fanø Fredericia Haderslev Kolding Sønderborg Tønder Varde Vejen Vejle "
    "Aabenraa Favrskov Hedensted Horsens Norddjurs Odder Randers Samsø Silkeborg Skanderborg "
    "Syddjurs Aarhus Herning Holstebro Ikast-Brande Lemvig Ringkøbing-Skjern Skive Struer "
    "Viborg Brønderslev Frederikshavn Hjørring Jammerbugt Læsø Mariagerfjord Morsø Rebild "
    "Thisted Vesthimmerland Aalborg"
).split()
COMMITTEES = (
    "Økonomiudvalget",
    "Børne- og Ungeudvalget",
    "Social- og Sundhedsudvalget",
    "Teknik- og Miljøudvalget",
    "Kultur- og Fritidsudvalget",
    "Beskæftigelsesudvalget",
    "Ældreudvalget",
    "Klima- og Planudvalget",
)
YEARS = tuple(range(2019, 2027))
#: Beyond the 98 x 8 x 8 documents above (~240k passages): more committees and the years back
#: to the 2007 reform, used only once those are exhausted (so smaller sizes stay the same bytes);
#: 98 x 14 x 20 documents hold ~1.05M passages.
MORE_COMMITTEES = (
    "Erhvervs- og Turismeudvalget",
    "Sundheds- og Forebyggelsesudvalget",
    "Plan- og Boligudvalget",
    "Integrationsudvalget",
    "Skole- og Uddannelsesudvalget",
    "Børne- og Familieudvalget",
)
MORE_YEARS = tuple(range(2007, 2019))

_FIRST = {(c, y) for c in COMMITTEES for y in YEARS}

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"”(]?[A-ZÆØÅ0-9])")
#: Danish amounts: 50.190.100 (thousands with dots) or 0,2 / 1,5 before mio./mia.
_AMOUNT = re.compile(r"\b\d{1,3}(?:\.\d{3})+\b|\b\d+,\d+(?=\s*mi[oa]\.)")
_YEAR = re.compile(r"\b20[12]\d\b")


def slug(text: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "ae", "Ø": "oe", "Å": "aa"})
    return re.sub(r"[^a-z0-9]+", "-", text.translate(table).lower()).strip("-")


@dataclass(frozen=True)
class SeedArea:
    title: str
    amount_kr: int | None
    passages: tuple[Passage, ...]


def seed_areas(corpus_dir: Path = SEED_CORPUS) -> list[SeedArea]:
    """The seed corpus's areas, each with its passages, in document order."""
    report = load_corpus(corpus_dir)
    return [SeedArea(a.title, a.amount_kr, a.passages) for d in report.documents for a in d.areas]


def _scale_amount(match: re.Match[str], factor: float) -> str:
    raw = match.group(0)
    if "," in raw:  # 0,2 (mio.)
        value = float(raw.replace(",", ".")) * factor
        return f"{value:.1f}".replace(".", ",")
    value = int(raw.replace(".", "")) * factor
    return f"{round(value, -2):,.0f}".replace(",", ".")


def vary(text: str, rng: random.Random, municipality: str, year: int, factor: float) -> str:
    """The seed text with another name, scaled amounts, shifted years and shuffled sentences."""
    text = text.replace(SEED_MUNICIPALITY, municipality)
    text = _AMOUNT.sub(lambda m: _scale_amount(m, factor), text)
    text = _YEAR.sub(lambda m: str(int(m.group(0)) + year - SEED_YEAR), text)
    sentences = _SENTENCE.split(text)
    rng.shuffle(sentences)
    return " ".join(sentences)


def _paragraph(text: str) -> list[str]:
    return textwrap.wrap(text, width=92, break_on_hyphens=False, break_long_words=False)


def render_document(
    areas: Sequence[SeedArea], rng: random.Random, municipality: str, committee: str, year: int,
    factor: float | None = None,
) -> str:
    """One document; amounts (net budgets and those in the text) scaled by `factor` (drawn when
    None)."""
    factor = rng.uniform(0.4, 2.5) if factor is None else factor
    lines = [f"Bemærkninger - {committee}", ""]
    for area in areas:
        lines += [area.title, ""]
        if area.amount_kr is not None:
            amount = f"{round(area.amount_kr * factor, -2):,.0f}".replace(",", ".")
            lines += [f"Samlet nettobudget for området: {amount} kr.", ""]
        section = subsection = None
        for p in area.passages:
            if p.section != section:
                lines += [p.section, ""] if p.section else []
                section, subsection = p.section, ""
            if p.subsection != subsection:
                lines += [p.subsection, ""] if p.subsection else []
                subsection = p.subsection
            lines += _paragraph(vary(p.text, rng, municipality, year, factor)) + [""]
        lines.append("")
    return "\n".join(lines)


@dataclass(frozen=True)
class SynthReport:
    out_dir: Path
    documents: int
    passages: int  # passages written (one paragraph each; the parser keeps them one each)


def generate(
    out_dir: Path, passages: int, *, seed: int = 0, corpus_dir: Path = SEED_CORPUS
) -> SynthReport:
    """Write at least `passages` passages (whole areas) as documents under `out_dir`."""
    out_dir = Path(out_dir)
    areas = seed_areas(corpus_dir)
    if not areas:
        raise ValueError(f"no areas in the seed corpus {corpus_dir}")
    rng = random.Random(seed)
    combos = [(m, c, y) for m in MUNICIPALITIES for c in COMMITTEES for y in YEARS]
    rng.shuffle(combos)
    more = [
        (m, c, y)
        for m in MUNICIPALITIES
        for c in COMMITTEES + MORE_COMMITTEES
        for y in MORE_YEARS + YEARS
        if (c, y) not in _FIRST
    ]
    random.Random(seed + 1).shuffle(more)
    combos += more
    written = docs = 0
    for municipality, committee, year in combos:
        if written >= passages:
            break
        chosen = [a for a in areas if rng.random() < 0.7] or [rng.choice(areas)]
        picked: list[SeedArea] = []
        for a in chosen:
            if written >= passages:
                break
            picked.append(a)
            written += len(a.passages)
        name = f"{municipality} Kommune"
        text = render_document(picked, rng, municipality, committee, year)
        path = out_dir / slug(municipality) / str(year) / f"{slug(committee)}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        path.with_suffix(".toml").write_text(
            f'title = "Bemærkninger - {committee}"\nmunicipality = "{name}"\n'
            f'committee = "{committee}"\nyear = {year}\n',
            encoding="utf-8",
        )
        docs += 1
    else:
        if written < passages:
            raise ValueError(f"{len(combos)} documents hold only {written} of {passages} passages")
    return SynthReport(out_dir, docs, written)


#: The areas a years corpus follows (seed titles), and the rename it makes in its last year.
YEAR_AREAS = ("Jobcenter", "Borgerservice", "Digitalisering og IT", "Vestsjællands Brandvæsen",
              "Fagcenter Børn, Læring og Uddannelse")  # fmt: skip
YEAR_RENAME = ("Digitalisering og IT", "IT og Digitalisering")


def generate_years(
    out_dir: Path, years: Sequence[int] = (2022, 2023, 2024, 2025), *, seed: int = 0,
    municipality: str = "Holbæk", committee: str = "Økonomiudvalget",
    areas: Sequence[str] = YEAR_AREAS, corpus_dir: Path = SEED_CORPUS,
) -> dict[str, list[tuple[int, str, int]]]:
    """Several years of one municipality and committee (an area across the years): the same
    seed areas each year, each net budget drifting by -8 % to +12 % a year; every other year
    writes "Fagcenter Børn, …" without its prefix, and the last year renames YEAR_RENAME,
    saying so in its sidecar's [renamed] table. Returns what was written, per seed title:
    [(year, title that year, net budget)], for tests to check against."""
    out_dir = Path(out_dir)
    chosen = [a for a in seed_areas(corpus_dir) if a.title in areas]
    rng = random.Random(seed)
    amounts = {a.title: a.amount_kr or 0 for a in chosen}
    written: dict[str, list[tuple[int, str, int]]] = {a.title: [] for a in chosen}
    name = f"{municipality} Kommune"
    for n, year in enumerate(sorted(years)):
        last = n == len(years) - 1
        this_year = []
        for a in chosen:
            if n:
                amounts[a.title] = int(round(amounts[a.title] * rng.uniform(0.92, 1.12), -2))
            title = a.title
            if n % 2 and title.startswith("Fagcenter "):
                title = title.removeprefix("Fagcenter ")
            if last and title == YEAR_RENAME[0]:
                title = YEAR_RENAME[1]
            this_year.append(SeedArea(title, amounts[a.title], a.passages))
            written[a.title].append((year, title, amounts[a.title]))
        text = render_document(this_year, rng, municipality, committee, year, factor=1.0)
        path = out_dir / slug(municipality) / str(year) / f"{slug(committee)}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        renamed = f'\n[renamed]\n"{YEAR_RENAME[1]}" = "{YEAR_RENAME[0]}"\n' if last else ""
        path.with_suffix(".toml").write_text(
            f'title = "Bemærkninger - {committee}"\nmunicipality = "{name}"\n'
            f'committee = "{committee}"\nyear = {year}\n{renamed}',
            encoding="utf-8",
        )
    return written


class SynthEncoder:
    """A passage encoder that synthesises vectors from the seed's real ones (see module doc).

    Wraps a real encoder: `model_id`, `dim` and queries are the real model's. A passage's vector
    is the real vector of the seed passage with the same area/section/subsection whose words it
    shares most, plus Gaussian noise seeded by the text's hash, re-normalised (cosine ~0.95).
    """

    NOISE = 0.015

    def __init__(self, real: Encoder, corpus_dir: Path = SEED_CORPUS) -> None:
        self.real = real
        self.model_id: str = real.model_id
        self.dim: int = real.dim
        seed = [p for a in seed_areas(corpus_dir) for p in a.passages]
        texts = [embed_text(p) for p in seed]
        self.vectors = np.asarray(real.encode_passages(texts), dtype=np.float32)
        self.words = [set(t.casefold().split()) for t in texts]
        self.by_where: dict[str, list[int]] = {}
        for i, t in enumerate(texts):
            where = t[: len(t) - len(seed[i].text) - 2]
            self.by_where.setdefault(where, []).append(i)
        self.wheres = sorted(self.by_where, key=len, reverse=True)

    def encode_query(self, text: str) -> np.ndarray:
        return self.real.encode_query(text)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.real.encode_queries(texts)

    def source(self, text: str) -> int:
        """Index of the seed passage `text` was made from."""
        where = next((w for w in self.wheres if text.startswith(w + ": ")), None)
        candidates = self.by_where[where] if where is not None else range(len(self.words))
        words = set(text.casefold().split())
        return max(
            candidates, key=lambda i: len(words & self.words[i]) / len(words | self.words[i])
        )

    def encode_passages(
        self, texts: list[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for n, text in enumerate(texts):
            digest = hashlib.sha1(text.encode()).digest()
            rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
            v = self.vectors[self.source(text)] + rng.normal(0, self.NOISE, self.dim)
            out[n] = v / np.linalg.norm(v)
        return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--passages", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", type=Path, default=SEED_CORPUS)
    ap.add_argument("--years", help="instead: these years (2022,2023,…) of one municipality and "
                    "committee, an area across the years")  # fmt: skip
    args = ap.parse_args(argv)
    if args.years:
        years = [int(y) for y in args.years.split(",")]
        generate_years(args.out_dir, years, seed=args.seed, corpus_dir=args.corpus)
        print(f"wrote {len(years)} years of one committee to {args.out_dir}")
        return
    r = generate(args.out_dir, args.passages, seed=args.seed, corpus_dir=args.corpus)
    print(f"wrote {r.documents} documents, {r.passages} passages to {r.out_dir}")


if __name__ == "__main__":
    main()
