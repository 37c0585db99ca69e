"""Test helper: render a remarks .txt as municipalities publish it: a cover page, a table of
contents with dot leaders and page numbers, a running header on every page after the contents
and a "Side N af M" footer (fpdf2, DejaVu fonts, otherwise like pdf_render)."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from pdf_render import FONT_DIR, LINE_MM, _bold

HEADER = "Kalundborg Kommune · Budget 2024 · Bemærkninger - Økonomiudvalget"


class _Published(FPDF):
    def header(self) -> None:
        if self.page_no() > 2:
            self.set_font("DejaVu", "", 7)
            self.cell(0, 5, HEADER, align="R", new_x="LMARGIN", new_y="NEXT")
            self.ln(3)

    def footer(self) -> None:
        if self.page_no() > 1:
            self.set_y(-12)
            self.set_font("DejaVu", "", 7)
            self.cell(0, 5, f"Side {self.page_no()} af {{nb}}", align="C")


def _render(text: str, titles: list[str], target: Path, toc: dict[str, int]) -> dict[str, int]:
    pdf = _Published(format="A4")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(12, 12, 12)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_page()  # the cover
    pdf.set_font("DejaVu", "B", 20)
    pdf.ln(60)
    pdf.multi_cell(0, 10, "Kalundborg Kommune\nBudget 2024", align="C")
    pdf.set_font("DejaVu", "", 14)
    pdf.ln(10)
    pdf.multi_cell(0, 8, "Bemærkninger - Økonomiudvalget\nBudgetbemærkninger", align="C")
    pdf.add_page()  # the contents
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 8, "Indholdsfortegnelse", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    for title in titles:
        pdf.cell(170, 5, f"{title} " + "." * max(3, 90 - len(title)), new_x="RIGHT", new_y="TOP")
        pdf.cell(0, 5, str(toc.get(title, 3)), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == titles[0])
    found: dict[str, int] = {}
    empties = 0
    for i, line in enumerate(lines[start:], start=start):
        if not line.strip():
            empties += line == ""
            continue
        if empties >= 3:
            pdf.add_page()
        elif not lines[i - 1].strip():
            pdf.ln(LINE_MM)
        empties = 0
        found.setdefault(line.strip(), pdf.page_no())
        shown = "• " + line.strip() if line[:1].isspace() else line.strip()
        pdf.set_font("DejaVu", "B" if _bold(lines, i) else "", 8)
        pdf.cell(0, LINE_MM, shown, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(target))
    return {t: found[t] for t in titles}


def render_published(text: str, titles: list[str], target: Path) -> dict[str, int]:
    """Write the PDF at `target`; the page each area title is on (as its contents list it)."""
    pages = _render(text, titles, target, {})
    return _render(text, titles, target, pages)
