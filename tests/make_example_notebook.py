"""Build the small example notebook used by the rendering tests (so the render issue does not wait for reports)."""

import nbformat as nbf


def example_notebook(
    path,
    *,
    raise_in_cell: bool = False,
    plant: str = "",
    table: str = "synthetic/pilot_costs",
    extra_cells: tuple[str, ...] = (),
) -> None:
    """``extra_cells``: cells added after the figure; a text starting with '%md ' becomes a Markdown cell."""
    nb = nbf.v4.new_notebook()
    params = nbf.v4.new_code_cell("audience = 'openbaar'\nn = 3\nprocessed_dir = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbf.v4.new_markdown_cell("# Samenvatting\n\nEen klein voorbeeldrapport voor de tests."),
        params,
        nbf.v4.new_code_cell(
            "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nimport pandas as pd\n"
            "from analysis.report.notebook import ReportContext, figure, md, table\n"
            "from analysis.formatting import number\n"
            "ctx = ReportContext('voorbeeld', audience, title='Voorbeeldrapport', processed_dir=processed_dir)\n"
            f"df = ctx.load({table!r})\n"
            "md(f'Er zijn **{number(n)}** rijen gevraagd; de tabel heeft {number(len(df))} rijen.')"
        ),
        nbf.v4.new_markdown_cell("## Tabel en figuur"),
        nbf.v4.new_code_cell("table(df.head(n).astype(str), 'Begroting per jaar', source_note='Bron: test')"),
        nbf.v4.new_code_cell(
            "fig, ax = plt.subplots(figsize=(5, 3))\nax.bar([str(i) for i in range(len(df))], range(1, len(df) + 1))\n"
            "ax.set_xlabel('Jaar'); ax.set_ylabel('Euro')\n"
            "figure(fig, alt='Staafdiagram van de begroting per jaar', caption='Begroting per jaar')"
        ),
    ]
    for src in extra_cells:
        if src.startswith("%md "):
            nb.cells.append(nbf.v4.new_markdown_cell(src[4:]))
        else:
            nb.cells.append(nbf.v4.new_code_cell(src))
    if raise_in_cell:
        nb.cells.append(nbf.v4.new_code_cell("raise ValueError('kapot halverwege')"))
    if plant:
        nb.cells.append(nbf.v4.new_code_cell(f"md('Gezin met kenmerk {plant}.')"))
    nb.cells += [
        nbf.v4.new_markdown_cell("## Aannames"),
        nbf.v4.new_code_cell("ctx.uses('C01')\nctx.assumptions_section()"),
        nbf.v4.new_markdown_cell("## Bronnen"),
        nbf.v4.new_code_cell("ctx.sources_section()"),
        nbf.v4.new_code_cell("ctx.metadata()"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbf.write(nb, str(path))


def trivial_notebook(path) -> None:
    """The smallest report: a parameters cell and one line of text (for kernel-start stress runs)."""
    nb = nbf.v4.new_notebook()
    params = nbf.v4.new_code_cell("audience = 'openbaar'\nk = 0")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbf.v4.new_markdown_cell("# Samenvatting"),
        params,
        nbf.v4.new_code_cell("from analysis.report.notebook import md\nmd(f'Rapport {k}.')"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbf.write(nb, str(path))
