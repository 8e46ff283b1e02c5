# Internal covariate shift as numbers (ics.csv, docs/reference/outputs.md): each
# metric (a row of panels) per hidden layer (a colour) over training, one
# column of panels per variant; the line is the mean over seeds, the band
# the range from the smallest to the largest seed.  Reads the CSV
# `bnexp plot ics` writes (RUN/ics-stats.csv): columns panel, layer, step,
# mean, lo, hi, seeds, where panel = (row - 1) * cols + column.
#
#   file        that CSV                                         (required)
#   rows, cols  metrics x variants                               (required)
#   layers      hidden layers (lines per panel)                  (required)
#   metricR     row R's y label                                  (default: none)
#   logyR       1: row R on a log y axis (values <= 0 not drawn) (default: 0)
#   variantC    column C's title                                 (default: none)
#   colourL     layer L's colour, "#rrggbb"                      (default: 8 that repeat)
#   rowsK       panel K's rows of the file (0-based, header aside): its first
#               and last, then each layer's, "0 0" for none; the plots read
#               only those (default: every row, slower by the panels x layers)
#   title, subtitle                                              (default: none)
#   outfile, term                                                as in accuracy.gp

if (!exists("file") || !exists("rows") || !exists("cols") || !exists("layers")) { print "ics.gp: set file, rows, cols, layers"; exit status 1 }
rows = int(rows); cols = int(cols); layers = int(layers)
if (!exists("outfile")) outfile = "ics.png"
if (!exists("term")) term = "pngcairo"
if (!exists("title")) title = "Internal covariate shift"
width = exists("width") ? int(width) : 160 + 460 * cols
height = exists("height") ? int(height) : 150 + 230 * rows
if (width < 900) { width = 900 }
metric(r) = exists(sprintf("metric%d", r)) ? value(sprintf("metric%d", r)) : ""
logy(r) = exists(sprintf("logy%d", r)) ? int(value(sprintf("logy%d", r))) : 0
variant(c) = exists(sprintf("variant%d", c)) ? value(sprintf("variant%d", c)) : ""
# layer l's rows of panel k (l = 0: the panel's)
first(k, l) = exists(sprintf("rows%d", k)) ? int(word(value(sprintf("rows%d", k)), 2 * l + 1)) : 0
last(k, l) = exists(sprintf("rows%d", k)) ? int(word(value(sprintf("rows%d", k)), 2 * l + 2)) : 1000000000

if (term eq "pdfcairo") {
    fs = 9
    set terminal pdfcairo noenhanced size (width/96.0),(height/96.0) font "DejaVu Sans,9" fontscale 1.0 linewidth 1.2
} else {
    if (term eq "svg") {
        fs = 12
        set terminal svg noenhanced size width,height dynamic font "DejaVu Sans,12" linewidth 1.2 background "white"
    } else {
        fs = 10
        set terminal pngcairo noenhanced size width,height font "DejaVu Sans,10" linewidth 1.2 background "white"
    }
}
set output outfile
set datafile separator comma

# one colour per layer: up to 8 these, more colourL from bnexp (a sequential
# palette in layer order)
array lc[8] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#7f7f7f"]
colour(l) = exists(sprintf("colour%d", l)) ? value(sprintf("colour%d", l)) : lc[(l - 1) % 8 + 1]
pos(x) = (x > 0 ? x : NaN)
stepfmt(x) = x == 0 ? "0" : abs(x) >= 1000 ? sprintf("%gk", x / 1000.0) : sprintf("%g", x)

# x tics every "nice" step, 10k-style labels
stats file using "step" nooutput
xmax = STATS_max > 0 ? STATS_max : 1
nice(x) = (e = 10**floor(log10(x)), m = x / e, (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * e)
dx = nice(xmax / 5.0)
set xtics () out nomirror
do for [i=0:int(xmax / dx + 1e-9)] { set xtics add (stepfmt(i * dx) i * dx) }
set xrange [0:xmax]
set ytics out nomirror
set style fill transparent solid 0.18 noborder
set style line 100 lc rgb "#e6e6e6" lw 0.8
set grid xtics ytics ls 100, ls 100 back
set border 3
set key off

top = 1.0 - 85.0 / height
bottom = 100.0 / height
set multiplot layout rows, cols margins 95.0 / width, 1 - 25.0 / width, bottom, top \
    spacing 60.0 / width, 38.0 / real(height)
set label 901 title at screen 0.5, screen 1 offset 0, char -1.3 center font sprintf("DejaVu Sans,%d", fs + 2) noenhanced
if (exists("subtitle")) { set label 902 subtitle at screen 0.5, screen 1 offset 0, char -2.8 center font sprintf("DejaVu Sans,%d", fs - 1) noenhanced textcolor rgb "#444444" }
do for [r=1:rows] {
    # one y range per row, shared by its panels (variants compare at a glance)
    ylo = 1e300; yhi = -1e300
    set autoscale x; set autoscale y   # stats would keep to the ranges set for the plots
    do for [c=1:cols] {
        k = (r - 1) * cols + c
        stats file every ::first(k, 0)::last(k, 0) using (column("panel") == k ? (logy(r) ? pos(column("lo")) : column("lo")) : NaN) nooutput
        if (exists("STATS_records") && STATS_records > 0 && STATS_min < ylo) { ylo = STATS_min }
        stats file every ::first(k, 0)::last(k, 0) using (column("panel") == k ? (logy(r) ? pos(column("hi")) : column("hi")) : NaN) nooutput
        if (exists("STATS_records") && STATS_records > 0 && STATS_max > yhi) { yhi = STATS_max }
    }
    if (yhi < ylo) { ylo = logy(r) ? 0.1 : 0; yhi = 1 }
    if (logy(r)) {
        ylo = 10**floor(log10(ylo) + 1e-9); yhi = 10**ceil(log10(yhi) - 1e-9)
        if (yhi <= ylo) { yhi = ylo * 10 }
    } else {
        pad = 0.05 * (yhi - ylo); if (pad <= 0) { pad = 0.05 }
        ylo = ylo - pad; yhi = yhi + pad
    }
    do for [c=1:cols] {
        k = (r - 1) * cols + c
        if (k > 1) { unset label 901; unset label 902 }
        if (r == 1) { set title variant(c) font sprintf("DejaVu Sans,%d", fs + 1) noenhanced } else { unset title }
        if (c == 1) { set ylabel metric(r) noenhanced } else { unset ylabel }
        if (r == rows) { set xlabel "training step" } else { unset xlabel }
        set ytics autofreq
        if (logy(r)) { set logscale y; set format y "%g" } else { unset logscale y; set format y "%g" }
        # a log row of two decades or fewer: label 2x and 5x each decade too
        if (logy(r) && yhi <= 100 * ylo) { do for [e=int(floor(log10(ylo) + 1e-9)):int(ceil(log10(yhi) - 1e-9))] { set ytics add (sprintf("%g", 2 * 10**e) 2 * 10**e, sprintf("%g", 5 * 10**e) 5 * 10**e) } }
        set yrange [ylo:yhi]
        set xrange [0:xmax]
        plot for [l=1:layers] file every ::first(k, l)::last(k, l) using (column("panel") == k && column("layer") == l ? column("step") : NaN):(logy(r) ? pos(column("lo")) : column("lo")):(logy(r) ? pos(column("hi")) : column("hi")) with filledcurves fc rgb colour(l) notitle, \
             for [l=1:layers] file every ::first(k, l)::last(k, l) using (column("panel") == k && column("layer") == l ? column("step") : NaN):(logy(r) ? pos(column("mean")) : column("mean")) with lines lc rgb colour(l) lw 1.6 notitle
    }
}
# the legend (one entry per layer) in a row along the bottom of the canvas,
# below the x labels: a plot of its own as wide as the canvas
unset title; unset xlabel; unset ylabel; unset logscale y; unset grid; unset border; unset tics
set lmargin at screen 0.02; set rmargin at screen 0.98; set tmargin at screen 40.0 / height; set bmargin at screen 0
set xrange [0:1]; set yrange [0:1]
set key center center horizontal maxrows 2 Left reverse samplen 2 width 2
plot for [l=1:layers] NaN with lines lc rgb colour(l) lw 1.6 title sprintf("hidden layer %d", l)
unset multiplot
unset output
