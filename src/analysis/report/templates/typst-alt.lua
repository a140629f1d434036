-- PDF/UA-1 (and PDF/A-2a) need alt text on every image. pandoc's typst writer drops it, so images are written as
-- typst code that carries it. pandoc's Markdown reader puts {alt="..."} into the image description (for a figure
-- without it, the description is the caption, as in the HTML). An image without any text stops the conversion,
-- named by its file: a placeholder like "Figuur" would be a silent downgrade.
local function typst_string(s)
  s = s:gsub('\\', '\\\\'):gsub('"', '\\"')
  return '"' .. s .. '"'
end

function Image(img)
  local alt = pandoc.utils.stringify(img.caption)
  if alt == nil or alt:match('^%s*$') then
    error('image without alt text: ' .. img.src .. ' (give it {alt="..."}, or use analysis.report.notebook.figure)')
  end
  local width = img.attributes.width and (', width: ' .. img.attributes.width) or ''
  return pandoc.RawInline('typst', '#box(image(' .. typst_string(img.src) .. ', alt: ' .. typst_string(alt)
    .. width .. '))')
end
