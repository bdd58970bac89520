-- typst only: let typst size table columns by their content ("auto") instead of the fractions
-- pandoc derives from a pipe table's dashes, which squeeze short columns until they overprint;
-- and let long comma-joined cell values (configs like "lr=0.001,optimizer=adam") wrap after a comma
-- (not inside a number: "1,466,122" stays whole)
local ZWSP = "\u{200B}"

local function breakable(s)
  local text = s.text:gsub(",([^%s%d])", "," .. ZWSP .. "%1")
  if text ~= s.text then
    return pandoc.Str(text)
  end
end

function Table(tbl)
  if quarto.doc.is_format("typst") then
    for i, spec in ipairs(tbl.colspecs) do
      tbl.colspecs[i] = {spec[1], nil}
    end
    return pandoc.walk_block(tbl, {Str = breakable})
  end
end
