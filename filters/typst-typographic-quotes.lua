-- typst only: apostrophes and quotation marks exactly as pandoc's smart reader typed them.
--
-- The reader turns "Problem 2's" into "Problem 2’s" and "..." into Quoted elements; pandoc's typst
-- writer turns both back into straight ' and " and leaves the choice to typst's smartquote, which
-- guesses from the character before: after a digit it sets a prime ("wave 1′s"), after a closing
-- bracket an opening quote ("2(a)‘s") (typst issues #5501, #7593, #7615). Raw typst characters
-- are not reinterpreted, so every apostrophe and quote reaches the PDF as the curly one the
-- reader chose.
if not quarto.doc.is_format("typst") then
  return {}
end

local CURLY = { [0x2018] = "‘", [0x2019] = "’", [0x201C] = "“", [0x201D] = "”" }

local function raw(text)
  return pandoc.RawInline("typst", text)
end

function Str(el)
  if not (el.text:find("’", 1, true) or el.text:find("‘", 1, true)
          or el.text:find("“", 1, true) or el.text:find("”", 1, true)) then
    return nil
  end
  local out, run = {}, {}
  for _, code in utf8.codes(el.text) do
    if CURLY[code] then
      if #run > 0 then
        out[#out + 1] = pandoc.Str(table.concat(run))
        run = {}
      end
      out[#out + 1] = raw(CURLY[code])
    else
      run[#run + 1] = utf8.char(code)
    end
  end
  if #run > 0 then
    out[#out + 1] = pandoc.Str(table.concat(run))
  end
  return out
end

function Quoted(el)
  local open, close = "“", "”"
  if el.quotetype == "SingleQuote" then
    open, close = "‘", "’"
  end
  local out = pandoc.List({ raw(open) })
  out:extend(el.content)
  out:insert(raw(close))
  return out
end
