-- typst only: let typst size table columns by their content ("auto") instead of the fractions
-- pandoc derives from a pipe table's dashes, which squeeze short columns until they overprint
function Table(tbl)
  if quarto.doc.is_format("typst") then
    for i, spec in ipairs(tbl.colspecs) do
      tbl.colspecs[i] = {spec[1], nil}
    end
    return tbl
  end
end
