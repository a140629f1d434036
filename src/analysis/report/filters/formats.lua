-- Tables are emitted twice by analysis.report.notebook.table(): a great_tables HTML block (raw html, ignored by
-- the typst writer) and a pipe table in a div of class "pdf-only" that only the PDF keeps.
function Div(el)
  if el.classes:includes("pdf-only") and FORMAT:match("html") then
    return {}
  end
end
