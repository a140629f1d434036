-- Language of parts (WCAG 3.1.2; PDF/UA): the English method names listed in the document's metadata
-- (`english-terms`, from analysis.labels.ENGLISH_TERMS) are marked as English wherever they appear in the text,
-- so a screen reader pronounces them in English: <span lang="en"> in HTML, #text(lang: "en", region: none)[...] in
-- typst (without 'region: none' the Dutch document's region would make it 'en-NL').
-- Matching is on words, case-insensitive, with punctuation around the term left outside the mark.
local terms = {}

local function words(s)
  local t = {}
  for w in s:gmatch("%S+") do t[#t + 1] = w:lower() end
  return t
end

local function read_meta(m)
  for _, t in ipairs(m["english-terms"] or {}) do terms[#terms + 1] = words(pandoc.utils.stringify(t)) end
  -- longest first, so 'hazard ratio' wins over 'hazard'
  table.sort(terms, function(a, b) return #a > #b end)
end

-- Does the term start at inl[i]? Returns the index of its last word and the punctuation before and after it.
local function match(inl, i, term)
  local j, lead, trail = i, "", ""
  for k = 1, #term do
    local el = inl[j]
    if el == nil or el.t ~= "Str" then return nil end
    local s = el.text
    if k == 1 then lead, s = s:match("^([%(%[\"'“‘]*)(.*)$") end
    if k == #term then
      local w, rest = s:match("^(.-)([%p]*)$")
      if w:lower() ~= term[k] then return nil end
      trail = rest
    elseif s:lower() ~= term[k] then
      return nil
    end
    if k < #term then
      local sep = inl[j + 1]
      if sep == nil or (sep.t ~= "Space" and sep.t ~= "SoftBreak") then return nil end
      j = j + 2
    end
  end
  return j, lead, trail
end

local function marked(content)
  if FORMAT:match("typst") then
    local out = pandoc.List({ pandoc.RawInline("typst", '#text(lang: "en", region: none)[') })
    out:extend(content)
    out:insert(pandoc.RawInline("typst", "]"))
    return out
  end
  return pandoc.List({ pandoc.Span(content, pandoc.Attr("", {}, { { "lang", "en" } })) })
end

local function mark(inl)
  if #terms == 0 then return nil end
  local out, i, changed = pandoc.List(), 1, false
  while i <= #inl do
    local hit = false
    if inl[i].t == "Str" then
      for _, term in ipairs(terms) do
        local j, lead, trail = match(inl, i, term)
        if j then
          local content = pandoc.List()
          for n = i, j do content:insert(inl[n]) end
          content[1] = pandoc.Str(content[1].text:sub(#lead + 1))
          local last = content[#content]
          content[#content] = pandoc.Str(last.text:sub(1, #last.text - #trail))
          if lead ~= "" then out:insert(pandoc.Str(lead)) end
          out:extend(marked(content))
          if trail ~= "" then out:insert(pandoc.Str(trail)) end
          i, hit, changed = j + 1, true, true
          break
        end
      end
    end
    if not hit then
      out:insert(inl[i])
      i = i + 1
    end
  end
  return changed and out or nil
end

-- a span that already has a language is left alone (and not searched)
local function keep_lang(span)
  if span.attributes.lang then return span, false end
end

return {
  { Meta = read_meta },
  { traverse = "topdown", Span = keep_lang, Inlines = mark },
}
