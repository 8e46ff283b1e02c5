# The loss landscape along the gradient over training, as Santurkar et al.
# (2018) Fig. 4 draws it (landscape.csv, docs/reference/outputs.md): three panels
# side by side, a colour per variant, x the training step.
#   (a) loss landscape: the band from loss_min to loss_max (the loss after
#       each move along -g), the line at the loss before the move
#   (b) gradient predictiveness: the band from grad_change_min to
#       grad_change_max (||grad after the move - g||)
#   (c) effective beta-smoothness: the line, and a thin band from the
#       smallest to the largest seed
# Every value but (c)'s band is a mean over seeds.  Reads the CSV `bnexp
# plot landscape` writes (RUN/landscape-stats.csv): columns series (the
# variant, 1-based), variant, step, loss, loss_min, loss_max,
# grad_change_min, grad_change_max, beta_smoothness, beta_lo, beta_hi,
# seeds; an empty cell is a value no seed had.
#
#   file        that CSV                                          (required)
#   series      variants (colours)                                (required)
#   colourS, dashS  series S's colour ("#rrggbb") and dash type   (default: 8 colours, solid)
#   variantS    variant S's legend entry                          (default: none)
#   logyP       1: panel P (1-3) on a log y axis, 0: linear       (default: log when the
#               (values <= 0 are not drawn on a log axis)          panel's values span
#                                                                  more than 30x)
#   title, subtitle                                               (default: none)
#   outfile, term                                                 as in accuracy.gp

if (!exists("file") || !exists("series")) { print "landscape.gp: set file, series"; exit status 1 }
series = int(series)
if (!exists("outfile")) outfile = "landscape.png"
if (!exists("term")) term = "pngcairo"
if (!exists("title")) title = "Loss landscape"
width = exists("width") ? int(width) : 1500
height = exists("height") ? int(height) : 560
variant(s) = exists(sprintf("variant%d", s)) ? value(sprintf("variant%d", s)) : sprintf("variant %d", s)

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

# one colour per variant (as accuracy.gp's order: up to 8)
array lc[8] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#7f7f7f"]
colour(s) = exists(sprintf("colour%d", s)) ? value(sprintf("colour%d", s)) : lc[(s - 1) % 8 + 1]
# colourS and dashS from bnexp: a grid's lines coloured by one key, dashed by another
dash(s) = exists(sprintf("dash%d", s)) ? int(value(sprintf("dash%d", s))) : 1
pos(x) = (x > 0 ? x : NaN)
stepfmt(x) = x == 0 ? "0" : abs(x) >= 1000 ? sprintf("%gk", x / 1000.0) : sprintf("%g", x)
# column c of series s's rows, kept positive on a log axis
val(s, c, lg) = column("series") == s ? (lg ? pos(column(c)) : column(c)) : NaN
xval(s) = column("series") == s ? column("step") : NaN
# a band's x: undefined (the row not drawn) unless both edges are defined
def(v) = v == v
bx(s, a, b, lg) = def(val(s, a, lg)) && def(val(s, b, lg)) ? xval(s) : NaN

# x tics every "nice" step, 10k-style labels
stats file using "step" nooutput
xmax = STATS_max > 0 ? STATS_max : 1
nice(x) = (e = 10**floor(log10(x)), m = x / e, (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * e)
dx = nice(xmax / 5.0)
set xtics () out nomirror
do for [i=0:int(xmax / dx + 1e-9)] { set xtics add (stepfmt(i * dx) i * dx) }
set ytics out nomirror
set style line 100 lc rgb "#e6e6e6" lw 0.8
set grid xtics ytics ls 100, ls 100 back
set border 3

# each panel's columns: its band's edges and its line ("" for none)
array lo[3] = ["loss_min", "grad_change_min", "beta_lo"]
array hi[3] = ["loss_max", "grad_change_max", "beta_hi"]
array ln[3] = ["loss", "", "beta_smoothness"]
array ptitle[3] = ["(a) loss landscape", "(b) gradient predictiveness", "(c) effective β-smoothness"]
array ylab[3] = ["loss (nats): band L(w - m·lr·g), line L(w)", "||∇L(w - m·lr·g) - ∇L(w)||", \
                 "max over m of ||∇L change|| / (m·lr·||g||)"]
array alpha[3] = [0.22, 0.22, 0.15]

# a panel on a log axis only when its values span more than 30x
set autoscale y
array plo[3]; array phi[3]; array logp[3]
do for [p=1:3] {
    plo[p] = 1; phi[p] = 1
    stats file using (pos(column(lo[p]))) nooutput
    if (exists("STATS_records") && STATS_records > 0) { plo[p] = STATS_min }
    stats file using (pos(column(hi[p]))) nooutput
    if (exists("STATS_records") && STATS_records > 0) { phi[p] = STATS_max }
    if (ln[p] ne "") {
        stats file using (pos(column(ln[p]))) nooutput
        if (exists("STATS_records") && STATS_records > 0) { plo[p] = (STATS_min < plo[p] ? STATS_min : plo[p]); phi[p] = (STATS_max > phi[p] ? STATS_max : phi[p]) }
    }
    logp[p] = exists(sprintf("logy%d", p)) ? int(value(sprintf("logy%d", p))) : (phi[p] > 30 * plo[p])
}

top = 1.0 - 95.0 / height
bottom = 115.0 / height
left = 80.0 / width; right = 1 - 25.0 / width; gap = 90.0 / width
pw = (right - left - 2 * gap) / 3
set multiplot
set label 901 title at screen 0.5, screen 1 offset 0, char -1.3 center font sprintf("DejaVu Sans,%d", fs + 2) noenhanced
if (exists("subtitle")) { set label 902 subtitle at screen 0.5, screen 1 offset 0, char -2.8 center font sprintf("DejaVu Sans,%d", fs - 1) noenhanced textcolor rgb "#444444" }
set key off
do for [p=1:3] {
    if (p > 1) { unset label 901; unset label 902 }
    lg = logp[p]
    set lmargin at screen left + (p - 1) * (pw + gap)
    set rmargin at screen left + (p - 1) * (pw + gap) + pw
    set tmargin at screen top
    set bmargin at screen bottom
    set title ptitle[p] font sprintf("DejaVu Sans,%d", fs + 1) noenhanced
    set ylabel sprintf("%s%s", ylab[p], lg ? " (log scale)" : "") noenhanced
    set xlabel "training step"
    set ytics autofreq
    if (lg) {
        set logscale y; set format y "%g"
        # spanning three decades or fewer: label 2x and 5x each decade too
        if (phi[p] <= 1000 * plo[p]) { do for [e=floor(log10(plo[p])):ceil(log10(phi[p]))] { set ytics add (sprintf("%g", 2 * 10**e) 2 * 10**e, sprintf("%g", 5 * 10**e) 5 * 10**e) } }
    } else { unset logscale y; set format y "%g" }
    set autoscale y
    set xrange [0:xmax]
    set style fill transparent solid alpha[p] noborder
    if (ln[p] eq "") {
        # a band alone: its edges drawn thin, so that overlapping bands stay legible
        plot for [s=1:series] file using (bx(s, lo[p], hi[p], lg)):(val(s, lo[p], lg)):(val(s, hi[p], lg)) with filledcurves fc rgb colour(s), \
             for [s=1:series] file using (xval(s)):(val(s, lo[p], lg)) with lines lc rgb colour(s) dt dash(s) lw 0.8, \
             for [s=1:series] file using (xval(s)):(val(s, hi[p], lg)) with lines lc rgb colour(s) dt dash(s) lw 0.8
    } else {
        plot for [s=1:series] file using (bx(s, lo[p], hi[p], lg)):(val(s, lo[p], lg)):(val(s, hi[p], lg)) with filledcurves fc rgb colour(s), \
             for [s=1:series] file using (xval(s)):(val(s, ln[p], lg)) with lines lc rgb colour(s) dt dash(s) lw 1.8
    }
}
# the legend, one entry per variant, in a row across the bottom of the canvas
unset title; unset xlabel; unset ylabel; unset logscale y; unset grid; unset border; unset tics
set lmargin at screen 0.1; set rmargin at screen 0.9; set tmargin at screen 45.0 / height; set bmargin at screen 0.0
set xrange [0:1]; set yrange [0:1]
set key center center horizontal maxrows 2 Left reverse samplen 2 width 2
plot for [s=1:series] NaN with lines lc rgb colour(s) dt dash(s) lw 1.8 title variant(s)
unset multiplot
unset output
