"""Test helper: budget PDFs in the styles municipalities publish, each with its truth.

Rendered with fpdf2 (DejaVu fonts) into a folder, with a TOML sidecar per PDF; nothing binary is
committed. Each `Layout` says what a careful reader sees in its PDF, decided before the reader was
run on it: `areas` maps every area title to its net budget in whole kroner (None: the PDF shows
the area but a reader cannot tell its budget for the year), and `also` lists titles that may carry
an amount without being required: any other title with an amount is a stray (a committee's total
over its areas, in a two-level document, is no area's amount: every sum would count it twice).

Styles: bold headings with a net budget line; a heading directly over a small R/B/BO table; two
levels (committee, areas) under running headers and "Side N af M" footers; a Bevillingsoversigt
across a page break with its header repeated; mio. kr. with one decimal and negative income; the
budget-year column last; prose with budget sentences; a cover and a contents page with dot
leaders; hyphenated line ends; two columns of text; negatives written three ways; a breakdown
table under each heading.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF

from pdf_render import FONT_DIR

LINE = 5.0


@dataclass
class Layout:
    name: str
    municipality: str
    committee: str
    year: int
    areas: dict[str, int | None]
    draw: Callable[[Doc], None]
    also: dict[str, int] = field(default_factory=dict)
    header: str = ""  # a running header on every page after the first `plain` pages
    footer: bool = False  # "Side N af M"
    plain: int = 0  # leading pages (cover, contents) without header and footer


class Doc(FPDF):
    """An A4 page of DejaVu text with an optional running header and "Side N af M" footer."""

    def __init__(self, layout: Layout) -> None:
        super().__init__(format="A4")
        self.layout = layout
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 15, 18)
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.add_page()

    def header(self) -> None:
        if self.layout.header and self.page_no() > self.layout.plain:
            self.set_font("DejaVu", "", 7)
            self.cell(0, 5, self.layout.header, align="R", new_x="LMARGIN", new_y="NEXT")
            self.ln(4)

    def footer(self) -> None:
        if self.layout.footer and self.page_no() > self.layout.plain:
            self.set_y(-12)
            self.set_font("DejaVu", "", 7)
            self.cell(0, 5, f"Side {self.page_no()} af {{nb}}", align="C")

    # the pieces a document is made of
    def h1(self, text: str) -> None:
        self.ln(3)
        self.set_font("DejaVu", "B", 13)
        self.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def h2(self, text: str, gap: bool = True) -> None:
        if gap:
            self.ln(3)
        self.set_font("DejaVu", "B", 10)
        self.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")

    def line(self, text: str, bold: bool = False) -> None:
        self.set_font("DejaVu", "B" if bold else "", 9)
        self.cell(0, LINE, text, new_x="LMARGIN", new_y="NEXT")

    def para(self, text: str) -> None:
        """A paragraph wrapped by fpdf2, then a paragraph gap."""
        self.set_font("DejaVu", "", 9)
        self.multi_cell(0, LINE, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(2.5)

    def lines(self, *texts: str) -> None:
        """Lines broken where the text says (hyphenated line ends), then a paragraph gap."""
        for t in texts:
            self.line(t)
        self.ln(2.5)

    def table(self, head: list[str], rows: list[list[str]], widths: list[float],
              caption: str = "", repeat_head: bool = False,
              bold_last: bool = False) -> None:  # fmt: skip
        """Cells: the first column left, figures right; a bold header row under a caption; with
        `repeat_head`, the header again at the top of a new page."""
        if caption:
            self.set_font("DejaVu", "B", 9)
            self.cell(0, LINE, caption, new_x="LMARGIN", new_y="NEXT")

        def head_row() -> None:
            self.set_font("DejaVu", "B", 8)
            for i, (h, w) in enumerate(zip(head, widths, strict=True)):
                self.cell(w, LINE, h, border="B", align="L" if i == 0 else "R")
            self.ln(LINE)

        head_row()
        for n, row in enumerate(rows):
            if repeat_head and self.will_page_break(LINE):
                self.add_page()
                head_row()
            last = bold_last and n == len(rows) - 1
            self.set_font("DejaVu", "B" if last else "", 8)
            for i, (c, w) in enumerate(zip(row, widths, strict=True)):
                self.cell(w, LINE, c, align="L" if i == 0 else "R")
            self.ln(LINE)
        self.ln(3)


def _bold_net_lines(d: Doc) -> None:
    d.h1("Bemærkninger til budget 2025 - Social- og Sundhedsudvalget")
    d.para("Udvalget har ansvaret for ældreområdet, sundhed og socialområdet for voksne. "
           "Nedenfor beskrives de enkelte områder med deres nettobudget.")  # fmt: skip
    d.h2("Hjemmepleje")
    d.para("Hjemmeplejen leverer personlig pleje og praktisk hjælp til borgere i eget hjem. "
           "Der er i 2025 afsat midler til flere visiterede timer.")  # fmt: skip
    d.line("Samlet nettobudget for området: 184.320.500 kr.")
    d.h2("Plejecentre")
    d.para("Kommunen driver seks plejecentre med i alt 412 pladser.")
    d.line("Samlet nettobudget for området: 231.904.000 kr.")
    d.h2("Sundhedsfremme og forebyggelse")
    d.para("Området omfatter sundhedscentret, rygestop og forebyggende hjemmebesøg.")
    d.line("Samlet nettobudget for området: 18.450.200 kr.")
    d.h2("Huslejeindtægter, ældreboliger")
    d.para("Lejeindtægterne fra kommunens ældreboliger overstiger driftsudgifterne.")
    d.line("Samlet nettobudget for området: -6.215.000 kr.")


def _heading_small_table(d: Doc) -> None:
    d.h1("Teknik- og Miljøudvalget - budgetbemærkninger")
    d.para("Beløb i 1.000 kr. R = regnskab, B = budget, BO = budgetoverslag.")
    for title, rows, text in [
        ("Vej og Park", ["31.872", "33.410", "34.905", "34.905"],
         "Området dækker vedligehold af veje, stier, broer og grønne arealer."),
        ("Kollektiv trafik", ["22.118", "23.050", "24.480", "24.100"],
         "Bidraget til trafikselskabet stiger i 2025."),
        ("Affald og genbrug", ["-1.204", "-850", "-1.120", "-1.120"],
         "Affaldsområdet er brugerfinansieret; overskuddet skyldes salg af genanvendelige "
         "materialer."),
    ]:  # fmt: skip
        d.h2(title)
        d.table(["1.000 kr.", "R2023", "B2024", "B2025", "BO2026"],
                [["Nettodriftsudgifter", *rows]], [70, 25, 25, 25, 25])  # fmt: skip
        d.para(text)


def _two_level(d: Doc) -> None:
    committees = [
        ("Børne- og Ungeudvalget", [
            ("Dagtilbud", "312.450.000"), ("Skoler", "598.120.300"),
            ("Ungdomsskolen", "14.780.000"), ("Specialundervisning", "88.905.000")]),
        ("Kultur- og Fritidsudvalget", [
            ("Biblioteker", "31.240.000"), ("Idrætsfaciliteter", "27.615.500"),
            ("Musikskolen", "9.870.000")]),
        ("Beskæftigelsesudvalget", [
            ("Jobcenter", "50.190.100"), ("Forsørgelsesydelser", "402.330.000"),
            ("Integration", "12.004.000")]),
    ]  # fmt: skip
    first = True
    for committee, areas in committees:
        if not first:
            d.add_page()
        first = False
        d.h1(committee)
        d.para(f"{committee} har ansvaret for områderne nedenfor. Afsnittet beskriver opgaver, "
               "udfordringer og budgettets forudsætninger for hvert område.")  # fmt: skip
        total = sum(int(a.replace(".", "")) for _, a in areas)
        d.line(f"Samlet nettobudget for udvalget: {total:,} kr.".replace(",", "."))
        d.ln(2.5)
        for area, amount in areas:
            d.h2(area)
            d.para(f"{area} omfatter kommunens opgaver efter lovgivningen på området. Der er "
                   "i budgettet taget højde for den demografiske udvikling, pris- og "
                   "lønfremskrivning samt vedtagne politiske prioriteringer. Der er "
                   "ingen nye effektiviseringskrav ud over de tidligere vedtagne.")  # fmt: skip
            d.line(f"Samlet nettobudget for området: {amount} kr.")


BEVILLING = [
    ("Administration", "142.310", "145.920", "151.004", "151.004"),
    ("IT og digitalisering", "38.400", "41.250", "43.870", "43.870"),
    ("Borgerservice", "21.905", "22.400", "23.115", "23.115"),
    ("HR og personale", "12.750", "13.100", "13.620", "13.620"),
    ("Jobcenter", "48.760", "49.900", "50.190", "50.190"),
    ("Kontanthjælp", "110.420", "108.300", "104.875", "102.000"),
    ("Førtidspension", "212.400", "215.800", "219.310", "222.000"),
    ("Sygedagpenge", "88.140", "90.050", "92.700", "92.700"),
    ("Dagtilbud", "301.200", "308.900", "312.450", "312.450"),
    ("Skoler", "580.330", "590.010", "598.120", "598.120"),
    ("Specialundervisning", "84.300", "86.450", "88.905", "88.905"),
    ("Sundhedspleje", "9.840", "10.120", "10.410", "10.410"),
    ("Tandpleje", "15.230", "15.600", "16.045", "16.045"),
    ("Hjemmepleje", "178.400", "181.000", "184.320", "184.320"),
    ("Plejecentre", "224.100", "228.700", "231.904", "231.904"),
    ("Hjælpemidler", "33.800", "34.250", "35.010", "35.010"),
    ("Handicap og psykiatri", "260.400", "266.100", "271.380", "271.380"),
    ("Misbrugsbehandling", "14.020", "14.300", "14.650", "14.650"),
    ("Biblioteker", "30.100", "30.800", "31.240", "31.240"),
    ("Idrætsfaciliteter", "26.900", "27.100", "27.615", "27.615"),
    ("Musikskolen", "9.500", "9.700", "9.870", "9.870"),
    ("Vej og Park", "31.872", "33.410", "34.905", "34.905"),
    ("Kollektiv trafik", "22.118", "23.050", "24.480", "24.100"),
    ("Natur og miljø", "7.350", "7.600", "7.910", "7.910"),
    ("Byggesag", "-1.840", "-2.100", "-2.350", "-2.350"),
    ("Beredskab", "18.200", "18.650", "19.030", "19.030"),
    ("Erhverv og turisme", "6.740", "6.900", "7.120", "7.120"),
    ("Ejendomsdrift", "64.300", "65.800", "67.415", "67.415"),
    ("Forsyning og renovation", "-3.100", "-3.250", "-3.400", "-3.400"),
    ("Politisk organisation", "11.020", "11.300", "11.560", "11.560"),
    ("Puljer og reserver", "4.000", "5.500", "8.000", "8.000"),
]


def _bevillingsoversigt(d: Doc) -> None:
    d.h1("Budget 2025 - Bevillingsoversigt")
    d.para("Oversigten viser nettodriftsudgifterne pr. bevillingsområde. Beløbene er i 1.000 kr. "
           "og i 2025-prisniveau. Tabellen fortsætter på næste side.")  # fmt: skip
    for _ in range(14):  # the page fills with text first, so the table breaks across the page
        d.para("Budgettet er udarbejdet på grundlag af de økonomiske rammer, som "
               "Økonomiudvalget fastlagde i foråret, og de forudsætninger om pris- og "
               "lønudvikling, som KL har udmeldt.")  # fmt: skip
    totals = [sum(int(r[c].replace(".", "")) for r in BEVILLING) for c in range(1, 5)]
    rows = [list(r) for r in BEVILLING]
    rows.append(["I alt", *(f"{t:,}".replace(",", ".") for t in totals)])
    d.table(["Bevillingsområde (1.000 kr.)", "Regnskab 2023", "Budget 2024", "Budget 2025",
             "Overslag 2026"], rows, [64, 27, 27, 27, 29],
            caption="Bevillingsoversigt, drift", repeat_head=True, bold_last=True)  # fmt: skip


def _mio_decimal(d: Doc) -> None:
    d.h1("Børne- og Skoleudvalget")
    d.para("Udvalgets driftsbudget fordeler sig på politikområderne i tabellen. Alle beløb er "
           "i mio. kr. i 2024-priser.")  # fmt: skip
    d.table(["Politikområde (mio. kr.)", "Budget 2024", "Overslag 2025", "Overslag 2026"],
            [["Dagtilbud", "412,3", "415,0", "417,8"],
             ["Folkeskoler", "601,7", "598,2", "596,0"],
             ["Specialtilbud", "96,4", "97,1", "98,0"],
             ["Forældrebetaling", "-85,4", "-86,0", "-86,5"],
             ["Fritidstilbud", "44,9", "45,3", "45,3"],
             ["I alt", "1.069,9", "1.069,6", "1.070,6"]],
            [70, 30, 30, 30], caption="Driftsbudget 2024")  # fmt: skip
    d.para("Forældrebetalingen er en indtægt og er derfor vist med negativt fortegn.")


def _year_last(d: Doc) -> None:
    d.h1("Miljø- og Teknikudvalget: driftsbudget")
    d.para("Tabellen viser regnskab 2022, budget 2023 og budget 2024 for udvalgets områder. "
           "Beløb i 1.000 kr.")  # fmt: skip
    d.table(["Område (1.000 kr.)", "Regnskab 2022", "Budget 2023", "Budget 2024"],
            [["Grønne områder", "18.220", "19.040", "19.875"],
             ["Vejvedligeholdelse", "41.300", "42.110", "43.560"],
             ["Vintertjeneste", "9.870", "8.500", "8.750"],
             ["Parkering", "-4.120", "-4.300", "-4.650"],
             ["Kollektiv trafik", "25.400", "26.180", "27.010"]],
            [70, 32, 32, 32])  # fmt: skip
    d.para("Parkering giver en nettoindtægt fra betalingsparkering og afgifter.")


def _prose(d: Doc) -> None:
    d.h1("Budget 2025 i hovedtræk - Kultur- og Fritidsudvalget")
    d.h2("Biblioteker")
    d.para("Bibliotekerne har i 2025 et nettobudget på 31,2 mio. kr. Budgettet er reduceret "
           "med 0,4 mio. kr. i forhold til 2024 som følge af kortere åbningstider på to "
           "filialer.")  # fmt: skip
    d.h2("Museer")
    d.para("Området har et samlet nettobudget på 12,6 mio. kr. i 2025. Heraf går 3,1 mio. kr. "
           "til driftstilskud til lokalhistoriske arkiver.")  # fmt: skip
    d.h2("Idræt og foreninger")
    d.para("Der er afsat 2,5 mio. kr. til nye kunstgræsbaner. Området har desuden et "
           "merforbrug på 1,3 mio. kr. i 2024, som forventes indhentet.")  # fmt: skip
    d.h2("Kulturhuse")
    d.para("Kulturhusenes nettobudget udgør 8,4 mio. kr. i 2025. Husene modtager derudover "
           "entréindtægter, som ikke indgår i nettobudgettet.")  # fmt: skip


def _cover_and_contents(d: Doc) -> None:
    areas = [("Jobcenter", "50.190.100"), ("Borgerservice", "23.115.000"),
             ("Kultur og Fritid", "68.725.000"), ("Erhvervsudlejning", "-2.350.000"),
             ("Digitalisering og IT", "43.870.250")]  # fmt: skip
    d.set_font("DejaVu", "B", 22)
    d.ln(70)
    d.multi_cell(0, 11, "Næstved Kommune\nBudget 2025", align="C", new_x="LMARGIN",
                 new_y="NEXT")  # fmt: skip
    d.set_font("DejaVu", "", 14)
    d.ln(8)
    d.multi_cell(0, 8, "Budgetbemærkninger\nØkonomiudvalget", align="C", new_x="LMARGIN",
                 new_y="NEXT")  # fmt: skip
    d.add_page()
    d.set_font("DejaVu", "B", 13)
    d.cell(0, 8, "Indholdsfortegnelse", new_x="LMARGIN", new_y="NEXT")
    d.set_font("DejaVu", "", 9)
    for n, (title, _) in enumerate(areas):
        d.cell(160, LINE, f"{title} " + "." * (80 - len(title)), new_x="RIGHT", new_y="TOP")
        d.cell(0, LINE, str(3 + n), align="R", new_x="LMARGIN", new_y="NEXT")
    for title, amount in areas:
        d.add_page()
        d.h1(title)
        d.para(f"{title} hører under Økonomiudvalget. Afsnittet beskriver områdets opgaver og "
               "de væsentligste ændringer i budgettet for 2025 i forhold til 2024. Der er "
               "ingen nye effektiviseringer på området.")  # fmt: skip
        d.line(f"Nettobudget 2025: {amount} kr.", bold=False)


def _hyphenated(d: Doc) -> None:
    d.h1("Sundhedsudvalget - bemærkninger til budget 2025")
    d.h2("Genoptræning")
    d.lines("Genoptræningsområdet omfatter vederlagsfri fysioterapi og genoptræ-",
            "ning efter sygehusophold. Efterspørgslen er steget, og kapaciteten ud-",
            "bygges i 2025 med to nye terapeutstillinger.")  # fmt: skip
    d.line("Samlet nettobudget for området: 42.615.000 kr.")
    d.h2("Sygepleje")
    d.lines("Sygeplejen varetager den kommunale akutfunktion og sygeplejeklinikker-",
            "ne i de tre største byer. Der er ikke afsat midler til nye klinikker.")  # fmt: skip
    d.line("Samlet nettobudget for området: 61.080.400 kr.")
    d.h2("Aktivitetsbestemt medfinansiering")
    d.lines("Kommunens medfinansiering af sygehusvæsenet er budgetteret ud fra lan-",
            "dets forventede aktivitet. Samlet nettobud-",
            "get for området: 198.400.000 kr.")  # fmt: skip


def _two_columns(d: Doc) -> None:
    d.h1("Budget 2025 - Klima- og Planudvalget")
    d.para("Udvalgets fire områder er beskrevet herunder i to spalter.")
    text = []
    for title, amount, body in [
        ("Klimatilpasning", "14.250.000", "Området dækker kommunens andel af "
         "klimatilpasningsprojekter langs kysten og ved åerne."),
        ("Byplanlægning", "9.480.000", "Planafdelingen udarbejder lokalplaner og "
         "kommuneplantillæg og behandler dispensationer."),
        ("Landdistrikter", "3.115.500", "Puljen til landdistrikter støtter lokale "
         "projekter og forsamlingshuse."),
        ("Natura 2000", "2.040.000", "Indsatsen følger de statslige Natura 2000-planer "
         "for de udpegede områder."),
    ]:  # fmt: skip
        text += [f"**{title}**", body, f"Samlet nettobudget for området: {amount} kr.", ""]
    d.set_font("DejaVu", "", 9)
    with d.text_columns(ncols=2, gutter=10, text_align="LEFT", line_height=1.2,
                        balance=True) as cols:
        for t in text:
            if t.startswith("**"):
                d.set_font("DejaVu", "B", 10)
                cols.write(t.strip("*") + "\n")
                d.set_font("DejaVu", "", 9)
            else:
                cols.write(t + "\n")


def _negatives(d: Doc) -> None:
    d.h1("Økonomiudvalget - indtægtsområder")
    d.para("Indtægtsområder vises med negativt fortegn, skrevet på de måder, der bruges i "
           "kommunens regnskabssystem.")  # fmt: skip
    d.h2("Udlejning af erhvervsejendomme")
    d.line("Samlet nettobudget for området: ÷ 3.400.000 kr.")
    d.h2("Salg af grunde")
    d.line("Samlet nettobudget for området: 1.250.000- kr.")
    d.h2("Administrationsbidrag")
    d.line("Samlet nettobudget for området: -845.300 kr.")
    d.h2("Borgerservice")
    d.line("Samlet nettobudget for området: 23.115.000 kr.")


def _breakdown(d: Doc) -> None:
    d.h1("Ældre- og Handicapudvalget")
    d.para("For hvert område vises udgifter, indtægter og netto. Beløb i 1.000 kr.")
    for title, rows in [
        ("Hjælpemidler", [("Udgifter", "36.100", "37.020", "37.020"),
                          ("Indtægter", "-1.900", "-2.010", "-2.010"),
                          ("Netto", "34.200", "35.010", "35.010")]),
        ("Handicap og psykiatri", [("Udgifter", "301.400", "308.900", "309.500"),
                                   ("Indtægter", "-35.300", "-37.520", "-37.520"),
                                   ("Netto", "266.100", "271.380", "271.980")]),
    ]:  # fmt: skip
        d.h2(title)
        d.para(f"{title}: opgaver efter serviceloven. Budgettet er fremskrevet med "
               "demografi og pris- og lønudvikling.")  # fmt: skip
        d.table(["1.000 kr.", "Budget 2024", "Budget 2025", "Overslag 2026"],
                [list(r) for r in rows], [70, 30, 30, 30])  # fmt: skip


def _wrapped_table(d: Doc) -> None:
    """Header cells on two lines, a row name on two lines, placeholders and an empty cell."""
    d.h1("Social- og Beskæftigelsesudvalget")
    d.para("Driftsbudgettet pr. område. Beløb i 1.000 kr., 2025-priser.")
    d.set_font("DejaVu", "B", 8)
    widths = [66, 26, 26, 26, 26]
    top = d.get_y()
    for i, (h, w) in enumerate(zip(["Område", "Regnskab\n2023", "Budget\n2024", "Budget\n2025",
                                    "Overslag\n2026"], widths, strict=True)):  # fmt: skip
        d.set_xy(d.l_margin + sum(widths[:i]), top)
        d.multi_cell(w, 4.5, h, align="L" if i == 0 else "R")
    d.set_y(top + 10)
    d.set_font("DejaVu", "", 8)
    for name, cells in [
        ("Jobcenter", ["48.760", "49.900", "50.190", "50.190"]),
        ("Handicap, psykiatri og\nudsatte voksne", ["260.400", "266.100", "271.380", "271.380"]),
        ("Ny pulje til unge", ["-", "-", "2.000", "2.000"]),
        ("Frikommuneforsøg", ["1.200", "", "", ""]),
        ("Ressourceforløb", ["", "14.300", "15.120", "15.900"]),
        ("Statsrefusion", ["(31.400)", "(32.050)", "(33.210)", "(33.210)"]),
    ]:  # fmt: skip
        top = d.get_y()
        two = "\n" in name
        d.multi_cell(widths[0], 4.5, name, align="L")
        for i, c in enumerate(cells, start=1):
            d.set_xy(d.l_margin + sum(widths[:i]), top + (4.5 if two else 0))
            d.cell(widths[i], 4.5, c, align="R")
        d.set_y(top + (9 if two else 4.5) + 1)
    d.ln(3)
    d.para("Statsrefusionen er en indtægt og står i parentes.")


def _spaced_thousands(d: Doc) -> None:
    d.h1("Erhvervs- og Beskæftigelsesudvalget")
    for title, amount, text in [
        ("Erhvervsservice", "6 740 000", "Tilskud til erhvervshuset og iværksætterrådgivning."),
        ("Turisme", "3 125 500", "Driftstilskud til turistforeningen og events."),
        ("Uddannelsesvejledning", "11 480 000", "Ungdommens Uddannelsesvejledning."),
    ]:  # fmt: skip
        d.h2(title)
        d.para(text)
        d.line(f"Samlet nettobudget for området: {amount} kr.")


def _follow_up(d: Doc) -> None:
    d.h1("Budgetopfølgning pr. 30. juni 2025 - Børne- og Familieudvalget")
    d.para("Tabellen viser det oprindelige og det korrigerede budget, forventet regnskab og "
           "afvigelsen. Beløb i 1.000 kr.")  # fmt: skip
    d.table(["Område (1.000 kr.)", "Opr. budget 2025", "Korr. budget 2025",
             "Forv. regnskab 2025", "Afvigelse"],
            [["Sundhedspleje", "10.410", "10.620", "10.900", "-280"],
             ["Familieafdelingen", "142.300", "145.100", "151.800", "-6.700"],
             ["Tandpleje", "16.045", "16.045", "15.700", "345"],
             ["Klubber", "21.900", "22.350", "22.350", "0"]],
            [46, 30, 30, 34, 24])  # fmt: skip


def _small_breakdowns(d: Doc) -> None:
    d.h1("Ældreudvalget - budgetbemærkninger 2025")
    for title, rows in [
        ("Madservice", [("Udgifter", "24.100", "24.900", "25.300", "25.300"),
                        ("Indtægter", "-15.200", "-15.800", "-16.050", "-16.050"),
                        ("Netto", "8.900", "9.100", "9.250", "9.250")]),
        ("Træning og aktivitet", [("Udgifter", "12.400", "12.900", "13.210", "13.210"),
                                  ("Indtægter", "-300", "-350", "-360", "-360"),
                                  ("Netto", "12.100", "12.550", "12.850", "12.850")]),
    ]:  # fmt: skip
        d.h2(title)
        d.table(["1.000 kr.", "R2023", "B2024", "B2025", "BO2026"], [list(r) for r in rows],
                [70, 25, 25, 25, 25])  # fmt: skip
        d.para(f"{title} er beskrevet i kvalitetsstandarden.")


def _gaps_table(d: Doc) -> None:
    """A table with empty cells and dash placeholders, its header on one line."""
    d.h1("Budget 2025 - Kultur- og Idrætsudvalget")
    d.para("Nettodriftsbudget pr. område. Beløb i 1.000 kr.")
    d.table(["Område (1.000 kr.)", "Regnskab 2023", "Budget 2024", "Budget 2025",
             "Overslag 2026"],
            [["Biblioteker", "30.100", "30.800", "31.240", "31.240"],
             ["Kulturpulje", "", "", "1.500", "1.500"],
             ["Spillestedet", "2.900", "3.000", "", ""],
             ["Idrætshaller", "", "18.400", "19.050", "19.600"],
             ["Museum", "-", "-", "4.300", "4.300"],
             ["Foreningstilskud", "7.650", "7.800", "8.020", "8.020"]],
            [64, 27, 27, 27, 29])  # fmt: skip


LAYOUTS = [
    Layout("bold_net_lines", "Odense Kommune", "Social- og Sundhedsudvalget", 2025,
           {"Hjemmepleje": 184_320_500, "Plejecentre": 231_904_000,
            "Sundhedsfremme og forebyggelse": 18_450_200,
            "Huslejeindtægter, ældreboliger": -6_215_000}, _bold_net_lines),
    Layout("heading_small_table", "Favrskov Kommune", "Teknik- og Miljøudvalget", 2025,
           {"Vej og Park": 34_905_000, "Kollektiv trafik": 24_480_000,
            "Affald og genbrug": -1_120_000}, _heading_small_table),
    Layout("two_level", "Aarhus Kommune", "Budget 2025", 2025,
           {"Dagtilbud": 312_450_000, "Skoler": 598_120_300, "Ungdomsskolen": 14_780_000,
            "Specialundervisning": 88_905_000, "Biblioteker": 31_240_000,
            "Idrætsfaciliteter": 27_615_500, "Musikskolen": 9_870_000,
            "Jobcenter": 50_190_100, "Forsørgelsesydelser": 402_330_000,
            "Integration": 12_004_000}, _two_level,
           header="Aarhus Kommune · Budget 2025", footer=True),
    Layout("bevillingsoversigt", "Holbæk Kommune", "Økonomiudvalget", 2025,
           {r[0]: int(r[3].replace(".", "")) * 1000 for r in BEVILLING}, _bevillingsoversigt,
           header="Holbæk Kommune", footer=True),
    Layout("mio_decimal", "Herning Kommune", "Børne- og Skoleudvalget", 2024,
           {"Dagtilbud": 412_300_000, "Folkeskoler": 601_700_000, "Specialtilbud": 96_400_000,
            "Forældrebetaling": -85_400_000, "Fritidstilbud": 44_900_000}, _mio_decimal),
    Layout("year_last", "Viborg Kommune", "Miljø- og Teknikudvalget", 2024,
           {"Grønne områder": 19_875_000, "Vejvedligeholdelse": 43_560_000,
            "Vintertjeneste": 8_750_000, "Parkering": -4_650_000,
            "Kollektiv trafik": 27_010_000}, _year_last),
    Layout("prose", "Silkeborg Kommune", "Kultur- og Fritidsudvalget", 2025,
           {"Biblioteker": 31_200_000, "Museer": 12_600_000, "Idræt og foreninger": None,
            "Kulturhuse": 8_400_000}, _prose),
    Layout("cover_and_contents", "Næstved Kommune", "Økonomiudvalget", 2025,
           {"Jobcenter": 50_190_100, "Borgerservice": 23_115_000,
            "Kultur og Fritid": 68_725_000, "Erhvervsudlejning": -2_350_000,
            "Digitalisering og IT": 43_870_250}, _cover_and_contents,
           header="Næstved Kommune · Budget 2025 · Økonomiudvalget", footer=True, plain=2),
    Layout("hyphenated", "Randers Kommune", "Sundhedsudvalget", 2025,
           {"Genoptræning": 42_615_000, "Sygepleje": 61_080_400,
            "Aktivitetsbestemt medfinansiering": 198_400_000}, _hyphenated),
    Layout("two_columns", "Roskilde Kommune", "Klima- og Planudvalget", 2025,
           {"Klimatilpasning": 14_250_000, "Byplanlægning": 9_480_000,
            "Landdistrikter": 3_115_500, "Natura 2000": 2_040_000}, _two_columns),
    Layout("negatives", "Vejle Kommune", "Økonomiudvalget", 2025,
           {"Udlejning af erhvervsejendomme": -3_400_000, "Salg af grunde": -1_250_000,
            "Administrationsbidrag": -845_300, "Borgerservice": 23_115_000}, _negatives),
    Layout("breakdown", "Kolding Kommune", "Ældre- og Handicapudvalget", 2025,
           {"Hjælpemidler": 35_010_000, "Handicap og psykiatri": 271_380_000}, _breakdown),
    Layout("wrapped_table", "Esbjerg Kommune", "Social- og Beskæftigelsesudvalget", 2025,
           {"Jobcenter": 50_190_000, "Handicap, psykiatri og udsatte voksne": 271_380_000,
            "Ny pulje til unge": 2_000_000, "Frikommuneforsøg": None,
            "Ressourceforløb": 15_120_000, "Statsrefusion": -33_210_000}, _wrapped_table),
    Layout("spaced_thousands", "Hjørring Kommune", "Erhvervs- og Beskæftigelsesudvalget", 2025,
           {"Erhvervsservice": 6_740_000, "Turisme": 3_125_500,
            "Uddannelsesvejledning": 11_480_000}, _spaced_thousands,
           header="Hjørring Kommune", footer=True),
    Layout("follow_up", "Gentofte Kommune", "Børne- og Familieudvalget", 2025,
           {"Sundhedspleje": 10_410_000, "Familieafdelingen": 142_300_000,
            "Tandpleje": 16_045_000, "Klubber": 21_900_000}, _follow_up),
    Layout("small_breakdowns", "Svendborg Kommune", "Ældreudvalget", 2025,
           {"Madservice": 9_250_000, "Træning og aktivitet": 12_850_000}, _small_breakdowns),
    Layout("gaps_table", "Frederikshavn Kommune", "Kultur- og Idrætsudvalget", 2025,
           {"Biblioteker": 31_240_000, "Kulturpulje": 1_500_000, "Spillestedet": None,
            "Idrætshaller": 19_050_000, "Museum": 4_300_000, "Foreningstilskud": 8_020_000},
           _gaps_table),
]


def render(layout: Layout, folder: Path) -> Path:
    """Write `layout`'s PDF and its sidecar into `folder`; the PDF's path."""
    pdf = Doc(layout)
    layout.draw(pdf)
    target = folder / f"{layout.name}.pdf"
    pdf.output(str(target))
    target.with_suffix(".toml").write_text(
        f'title = "Budgetbemærkninger - {layout.committee}"\n'
        f'municipality = "{layout.municipality}"\ncommittee = "{layout.committee}"\n'
        f"year = {layout.year}\n", encoding="utf-8")  # fmt: skip
    return target


def render_all(folder: Path) -> list[tuple[Layout, Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    return [(layout, render(layout, folder)) for layout in LAYOUTS]
