# Fig. 1(b,c) of Ioffe & Szegedy (2015): for one typical sigmoid of the last
# hidden layer, the 15th, 50th and 85th percentiles of its input over
# training; one panel per trial, side by side, on a shared y axis.  Reads
# activations.csv files (docs/outputs.md) by column name: step, unit, p15,
# p50, p85; only rows whose unit is not `all` (the probed unit) are drawn.
#
# `bnexp plot activations` runs this with gnuplot -e setting the variables
# below; every value is a string.  By hand:
#
#   gnuplot -e "n='2'; file1='runs/fig1/baseline/seed-1/activations.csv'; \
#               title1='(b) Without BN'; file2='runs/fig1/bn/seed-1/activations.csv'; \
#               title2='(c) With BN'; outfile='act.png'" plots/activations.gp
#
#   n          number of trials (panels), 1 or more            (required)
#   fileK      activations.csv of trial K = 1..n                (required)
#   titleK     panel title of trial K           (default: fileK)
#   outfile    file to write                    (default: fig1-activations.png)
#   term       pngcairo, svg or pdfcairo        (default: pngcairo)
#   title      overall title (default: "Fig. 1(b,c): input distribution of one
#              last-hidden-layer sigmoid over training", plus layer/unit below)
#   nonlinearity  the probed unit's nonlinearity, named in the default title
#              and the y label (default: sigmoid)
#   layer, unit   the probed unit, named in the default title (optional)
#   subtitle   a smaller line under the title: the run, its dataset and how it
#              departs from its file                        (default: none)
#   width, height size in pixels (pdf: pixels/96 inches); panels go in rows
#                 of at most 3 (default: 600 per column, 700 for a single
#                 panel; 120 + 380 per row, so 1200x500 for two panels)

if (!exists("n")) { print "activations.gp: set n (number of trials) and file1..fileN"; exit status 1 }
n = int(n)
if (!exists("outfile")) outfile = "fig1-activations.png"
if (!exists("term")) term = "pngcairo"
if (!exists("nonlinearity")) nonlinearity = "sigmoid"
if (!exists("title")) {
    title = sprintf("Fig. 1(b,c): input distribution of one last-hidden-layer %s over training", nonlinearity)
    if (exists("layer") && exists("unit")) {
        title = sprintf("%s\n(hidden layer %s, unit %s; 15th, 50th and 85th percentiles over the probe images)", title, layer, unit)
    }
}
# Panels go in rows of at most 3.
cols = n < 3 ? n : 3
rows = (n + cols - 1) / cols
width = exists("width") ? int(width) : (n > 1 ? 600 * cols : 700)
sub1 = exists("subtitle") && strlen(subtitle) > 0
height = exists("height") ? int(height) : 120 + 380 * rows + 24 * sub1

file(k) = value(sprintf("file%d", k))
label(k) = exists(sprintf("title%d", k)) ? value(sprintf("title%d", k)) : file(k)

# Text is not "enhanced": titles given by the driver are shown verbatim.
if (term eq "pdfcairo") {
    fs = 9
    set terminal pdfcairo noenhanced size (width/96.0),(height/96.0) font "DejaVu Sans,9" fontscale 1.0 linewidth 1.5
} else {
    if (term eq "svg") {
        fs = 14
        set terminal svg noenhanced size width,height dynamic font "DejaVu Sans,14" linewidth 1.5 background "white"
    } else {
        fs = 12
        set terminal pngcairo noenhanced size width,height font "DejaVu Sans,12" linewidth 1.5 background "white"
    }
}
set output outfile

set datafile separator comma

# Rows of the probed unit; every other row becomes NaN, which stats skips,
# and so does a value that is missing, nan or inf (a diverged trial).
fin(x) = (x == x && abs(x) < 1e300) ? x : NaN
probe(c) = (strcol("unit") eq "all" ? NaN : fin(column(c)))

# ---- shared ranges over all panels ----------------------------------------
# (stats leaves STATS_* undefined when a file has no valid rows.)  The y
# range leaves out panels of diverged trials (diverged<k> = 1), whose last
# probes run off to huge values, unless every panel diverged.
diverged(k) = exists(sprintf("diverged%d", k))
all_diverged = 1
do for [k=1:n] { if (!diverged(k)) { all_diverged = 0 } }
xmax = 0
ylo = 1e300
yhi = -1e300
array plo[n]
array phi[n]
do for [k=1:n] {
    plo[k] = 1e300
    phi[k] = -1e300
    stats file(k) using (probe("p15")) nooutput
    if (exists("STATS_records") && STATS_records > 0) { plo[k] = STATS_min }
    stats file(k) using (probe("p85")) nooutput
    if (exists("STATS_records") && STATS_records > 0) { phi[k] = STATS_max }
    if (all_diverged || !diverged(k)) {
        stats file(k) using (probe("step")) nooutput
        if (exists("STATS_records") && STATS_records > 0) {
            if (STATS_max > xmax) { xmax = STATS_max }
        }
        if (plo[k] < ylo) { ylo = plo[k] }
        if (phi[k] > yhi) { yhi = phi[k] }
    }
}
if (xmax <= 0) xmax = 1
if (yhi < ylo) { ylo = -1; yhi = 1 }
# One y range for every panel, as the paper compares (b) with (c), unless it
# would squeeze a panel that did not diverge into under a fifth of its
# height (one outlier variant): then each panel has its own range, and the
# title says so.
own = 0
do for [k=1:n] {
    if (n > 1 && !diverged(k) && phi[k] >= plo[k] && (phi[k] - plo[k]) < 0.2 * (yhi - ylo)) { own = 1 }
}
if (own) { title = title . "\n(each panel has its own y range: one shared range would flatten some)" }
nice(x) = (e = 10**floor(log10(x)), m = x / e, (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * e)
# range(lo, hi): padded, on whole ticks of dy (sets rlo, rhi, rdy)
padded(lo, hi) = (rpad = (0.08 * (hi - lo) < 0.05 ? 0.05 : 0.08 * (hi - lo)), rdy = nice((hi - lo + 2 * rpad) / 6.0), rlo = floor((lo - rpad) / rdy) * rdy, rhi = ceil((hi + rpad) / rdy) * rdy, 0)
dummy = padded(ylo, yhi)
ylo = rlo
yhi = rhi
dy = rdy
set yrange [ylo:yhi]
set xrange [0:xmax]

# ---- tics: "10k" style steps ------------------------------------------------
dx = nice(xmax / 5.0)
stepfmt(x) = x == 0 ? "0" : abs(x) >= 1000 ? sprintf("%gk", x / 1000.0) : sprintf("%g", x)
set xtics () out nomirror
do for [i=0:int(xmax / dx + 1e-9)] { set xtics add (stepfmt(i * dx) i * dx) }
set mxtics 2
set ytics dy out nomirror format "%g"
set mytics 2

set style line 100 lc rgb "#e0e0e0" lw 0.8 dt solid
set grid xtics ytics ls 100, ls 100 back
set border 3 lw 1
set xlabel "training step (updates)"
# One legend for all panels, in a strip along the bottom (drawn last).
set key off

# As in the paper, one colour for the three percentiles: the median thick,
# the 15th and 85th thin and dashed, and the band between them shaded.
c_line = "#1f4e9c"
c_band = "#c6d7f0"
set style fill solid 1.0 noborder

# Panels side by side between the overall title and the legend strip,
# whose heights are fixed in pixels (fractions of the canvas here).
titleh = ((strstrt(title, "\n") > 0) ? 70.0 : 45.0) / height + 24.0 * sub1 / height
strip = 40.0 / height
# a long title (an experiment's description) in a smaller font, to fit the
# width: DejaVu Sans at F points is about 0.78 F pixels a character
# (of a two-line title, the longer line)
nl = strstrt(title, "\n")
tlen = nl > 0 ? (nl - 1 > strlen(title) - nl ? nl - 1 : strlen(title) - nl) : strlen(title)
tfs = tlen * (fs + 2) * 0.78 > width * 0.95 ? int(width * 0.95 / (0.78 * tlen)) : fs + 2
tfs = tfs < fs - 3 ? fs - 3 : tfs
set multiplot title title font sprintf("DejaVu Sans,%d", tfs)
# the subtitle (run, dataset, departures) just above the panels
if (sub1) { set label 902 subtitle at screen 0.5, screen (1.0 - titleh) offset 0, char 0.6 center font sprintf("DejaVu Sans,%d", fs - 2) noenhanced textcolor rgb "#444444" }
pw = 1.0 / cols
ph = (1.0 - titleh - strip) / rows
do for [k=1:n] {
    if (k > 1) { unset label 902 }
    set origin ((k - 1) % cols) * pw, strip + (rows - 1 - (k - 1) / cols) * ph
    set size pw, ph
    set title label(k) font sprintf("DejaVu Sans,%d", fs + 1)
    # this panel's range (own), else the shared one; a band is clamped to it
    if (own && !diverged(k) && phi[k] >= plo[k]) { dummy = padded(plo[k], phi[k]) } else { rlo = ylo; rhi = yhi; rdy = dy }
    set yrange [rlo:rhi]
    set ytics rdy out nomirror format "%g"
    if ((k - 1) % cols > 0) { set ylabel " " } else { set ylabel sprintf("input to %s (pre-activation)", nonlinearity) }
    # Copy the probed unit's rows into $probe (step p15 p50 p85): lines
    # drawn straight from the file would break at every `all` row.
    set datafile separator comma
    set table $probe
    clampy(y) = y < rlo ? rlo : y > rhi ? rhi : y
    plot file(k) using (column("step")):(clampy(fin(column("p15")))):(fin(column("p50"))):(clampy(fin(column("p85")))) \
         with table if (strcol("unit") ne "all")
    unset table
    set datafile separator whitespace
    plot $probe using 1:2:4 with filledcurves fc rgb c_band notitle, \
         $probe using 1:4 with lines lc rgb c_line lw 1 dt 2 notitle, \
         $probe using 1:3 with lines lc rgb c_line lw 2.5 notitle, \
         $probe using 1:2 with lines lc rgb c_line lw 1 dt 2 notitle
}

# The legend strip: an empty plot whose only visible part is its key.
set origin 0, 0
set size 1, strip
unset title
unset xlabel
unset ylabel
unset tics
unset grid
unset border
set xrange [0:1]
set yrange [0:1]
set key center center horizontal Left reverse samplen 3 width 3
plot NaN with lines lc rgb c_line lw 1 dt 2 title "15th / 85th percentile", \
     NaN with lines lc rgb c_line lw 2.5 title "50th percentile (median)", \
     NaN with filledcurves fc rgb c_band title "between 15th and 85th"
unset multiplot
unset output
