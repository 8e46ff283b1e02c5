# The legend and the plot command of the line charts (accuracy.gp, loss.gp,
# curve.gp load it last, as `load plotsdir."/lines.gp"`): for each of the n
# variants a band from `min` to `max` over seeds (with several) under its
# mean line, then a cross where a curve ends because a seed diverged.
#
# The loading template defines, before loading:
#   file, n            the curves CSV and its number of variants
#   x(k), seeds(k), label(k)   variant k's x (NaN for rows not drawn), its
#                      seeds and its legend entry
#   ylo, yhi           the y axis's ends, which bands are clamped to (a band
#                      leaving the axis would be clipped into a false shape);
#                      undefined: no clamping (autoscaled axis)
#   fs                 the font size
# and may set (from lib/analysis/chart_style.h, as `bnexp plot` does):
#   colourK, dashK     line K's colour ("#rrggbb") and gnuplot dash type
#   nkey, keytitleJ, keycolourJ, keydashJ   a legend by key value: entry J's
#                      text, colour, dash (the lines then have no entry)
#   keycols, keyrows   the legend's columns and rows
#   ends, endkJ, endxJ, endyJ   crosses at the ends of diverged curves

ends = exists("ends") ? int(ends) : 0
nkey = exists("nkey") ? int(nkey) : 0
entries = (nkey > 0 ? nkey : n) + (ends > 0)
keycols = exists("keycols") ? int(keycols) : (entries < 2 ? 1 : 2)
keyrows = exists("keyrows") ? int(keyrows) : (entries + keycols - 1) / keycols
# The legend goes below the axes, never over a curve.
set key below center horizontal Left reverse box samplen 3 spacing 1.2 width 2 maxcols keycols maxrows keyrows
set bmargin 4.5 + 1.25 * keyrows

# One colour per variant (Without BN blue, With BN red, then others), unless
# the chart gives each line its colour and dash (by the run's swept keys).
array colour[8] = ["#1f5fbf", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
colourof(k) = exists(sprintf("colour%d", k)) ? value(sprintf("colour%d", k)) : colour[(k - 1) % 8 + 1]
dashof(k) = exists(sprintf("dash%d", k)) ? int(value(sprintf("dash%d", k))) : 1 + (k - 1) / 8 % 4
keytitle(j) = value(sprintf("keytitle%d", j))
keycolour(j) = value(sprintf("keycolour%d", j))
keydash(j) = int(value(sprintf("keydash%d", j)))
clamped = exists("ylo") && exists("yhi")
clampy(y) = !clamped ? y : y < ylo ? ylo : y > yhi ? yhi : y
set style fill transparent solid 0.18 noborder

# (gnuplot evaluates the options of an empty iteration once: hence the guards)
endk(j) = exists(sprintf("endk%d", j)) ? int(value(sprintf("endk%d", j))) : 1
endx(j) = exists(sprintf("endx%d", j)) ? real(value(sprintf("endx%d", j))) : NaN
endy(j) = exists(sprintf("endy%d", j)) ? real(value(sprintf("endy%d", j))) : NaN
bands = 'for [k=1:n] file using (seeds(k) > 1 ? x(k) : NaN):(clampy(column("min"))):(clampy(column("max"))) with filledcurves lc rgb colourof(k) notitle'
lines = 'for [k=1:n] file using (x(k)):(column("mean")) with lines lw 2 lc rgb colourof(k) dt dashof(k) title (nkey > 0 ? "" : label(k))'
keys = 'for [j=1:nkey] keyentry with lines lw 2 lc rgb keycolour(j) dt keydash(j) title keytitle(j)'
crosses = 'for [j=1:ends] "+" using (endx(j)):(endy(j)) every ::0::0 with points pt 2 ps 2.2 lw 2.5 lc rgb colourof(endk(j)) notitle'
crosskey = 'keyentry with points pt 2 ps 1.5 lw 2 lc rgb "#333333" title "curve ends: a seed diverged there"'
# (an empty iteration still takes a legend slot, so the keys and crosses
# are added only when there are some)
if (ends > 0 && nkey > 0) {
    plot @bands, @lines, @keys, @crosses, @crosskey
} else { if (ends > 0) {
    plot @bands, @lines, @crosses, @crosskey
} else { if (nkey > 0) {
    plot @bands, @lines, @keys
} else {
    plot @bands, @lines
} } }
unset output
