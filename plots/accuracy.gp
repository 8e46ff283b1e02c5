# Fig. 1(a) of Ioffe & Szegedy (2015): test accuracy vs training step, one
# curve per trial, on one axis.  Reads metrics.csv files (docs/outputs.md) by
# column name: step, test_accuracy.
#
# `bnexp plot accuracy` runs this with gnuplot -e setting the variables below;
# every value is a string.  By hand:
#
#   gnuplot -e "n='2'; file1='runs/fig1/baseline/seed-1/metrics.csv'; \
#               title1='Without BN'; file2='runs/fig1/bn/seed-1/metrics.csv'; \
#               title2='With BN'; outfile='acc.png'" plots/accuracy.gp
#
#   n          number of trials (curves), 1 or more            (required)
#   fileK      metrics.csv of trial K = 1..n                    (required)
#   titleK     legend entry of trial K          (default: fileK)
#   groupK     1-based variant index of trial K: one colour per variant,
#              one dash pattern per seed within it (default: K)
#   outfile    file to write                    (default: fig1-accuracy.png)
#   term       pngcairo, svg or pdfcairo        (default: pngcairo)
#   title      chart title  (default: "Fig. 1(a): MNIST test accuracy, 3x100 sigmoid MLP")
#   width, height   size in pixels (pdf: pixels/96 inches) (default: 900, 600)

if (!exists("n")) { print "accuracy.gp: set n (number of trials) and file1..fileN"; exit status 1 }
n = int(n)
if (!exists("outfile")) outfile = "fig1-accuracy.png"
if (!exists("term")) term = "pngcairo"
if (!exists("title")) title = "Fig. 1(a): MNIST test accuracy, 3x100 sigmoid MLP"
width = exists("width") ? int(width) : 900
height = exists("height") ? int(height) : 600

file(k) = value(sprintf("file%d", k))
label(k) = exists(sprintf("title%d", k)) ? value(sprintf("title%d", k)) : file(k)

# Text is not "enhanced": variant names such as lr_x5 are shown verbatim.
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
# A value that is missing, nan or inf (a diverged trial) is skipped.
fin(x) = (x == x && abs(x) < 1e300) ? x : NaN

# The legend also gives each trial's accuracy at its last record (none if
# that is missing or not finite).
do for [k=1:n] {
    last = NaN
    stats file(k) using (last = fin(column("test_accuracy")), 0) nooutput
    if (last == last) { eval sprintf("final%d = %.17g", k, last) } else { eval sprintf("final%d = NaN", k) }
}
final(k) = value(sprintf("final%d", k))
keytitle(k) = (f = final(k), f == f) ? sprintf("%s (final %.4f)", label(k), f) : label(k)

# ---- ranges from the data ------------------------------------------------
# x: 0 .. the last step of any trial.  y: the region where the curves spend
# their time, as in the paper (which starts its axis at 0.7): the lowest
# accuracy any trial has after the first 10% of training, rounded down to
# 0.05, and no higher than any trial's last accuracy; values below that
# (the first few records) leave through the bottom.
# (stats leaves STATS_* undefined when a file has no valid rows.)
xmax = 0
do for [k=1:n] {
    stats file(k) using (column("step")) nooutput
    if (exists("STATS_records") && STATS_records > 0 && STATS_max > xmax) { xmax = STATS_max }
}
if (xmax <= 0) xmax = 1
cut = 0.10 * xmax
ylo = 1.0
yhi = 0.0
do for [k=1:n] {
    stats file(k) using (column("step") >= cut ? fin(column("test_accuracy")) : NaN) nooutput
    if (exists("STATS_records") && STATS_records > 0) {
        if (STATS_min < ylo) { ylo = STATS_min }
        if (STATS_max > yhi) { yhi = STATS_max }
    }
}
# Every trial's last record stays in view (a short or diverged run would
# otherwise vanish below the axis).
do for [k=1:n] {
    f = final(k)
    if (f == f) {
        if (f < ylo) { ylo = f }
        if (f > yhi) { yhi = f }
    }
}
if (yhi < ylo) { ylo = 0.0; yhi = 1.0 }
ylo = floor(ylo * 20 - 1e-9) / 20.0
if (ylo < 0) ylo = 0
yhi = ceil(yhi * 100 + 0.5) / 100.0
if (yhi > 1) yhi = 1
if (yhi - ylo < 0.05) ylo = yhi - 0.05
set yrange [ylo:yhi]
set xrange [0:xmax]

# ---- tics: "10k" style steps, y as plain fractions -------------------------
nice(x) = (e = 10**floor(log10(x)), m = x / e, (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * e)
dx = nice(xmax / 6.0)
stepfmt(x) = x == 0 ? "0" : abs(x) >= 1000 ? sprintf("%gk", x / 1000.0) : sprintf("%g", x)
set xtics () out nomirror
do for [i=0:int(xmax / dx + 1e-9)] { set xtics add (stepfmt(i * dx) i * dx) }
set mxtics 2
dy = (yhi - ylo) > 0.3 ? 0.1 : (yhi - ylo) > 0.12 ? 0.05 : (yhi - ylo) > 0.06 ? 0.02 : 0.01
set ytics dy out nomirror format "%.2f"
set mytics 2

set style line 100 lc rgb "#e0e0e0" lw 0.8 dt solid
set grid xtics ytics ls 100, ls 100 back
set border 3 lw 1
set title title font sprintf("DejaVu Sans,%d", fs + 2)
set xlabel "training step"
set ylabel "test accuracy"
# Up to three curves: the legend sits inside, bottom right, where the
# curves have already climbed away.  More: below the axes, so it hides none.
if (n <= 3) {
    set key bottom right Left reverse box opaque samplen 3 spacing 1.3 width 1
} else {
    keyrows = (n + 1) / 2 < 4 ? (n + 1) / 2 : 4
    set key below center Left reverse box samplen 3 spacing 1.1 width 1 maxrows keyrows
    set bmargin 4 + 1.1 * keyrows
}

# One colour per variant (Without BN blue, With BN red, then others); the
# seeds of one variant differ in dash pattern.
array colour[8] = ["#1f5fbf", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
group(k) = exists(sprintf("group%d", k)) ? int(value(sprintf("group%d", k))) : k
nth(k) = sum [j=1:k] (group(j) == group(k) ? 1 : 0)
colourof(k) = colour[(group(k) - 1) % 8 + 1]
dashof(k) = (nth(k) - 1) % 5 + 1

plot for [k=1:n] file(k) using (column("step")):(fin(column("test_accuracy"))) \
     with lines lw 2 lc rgb colourof(k) dt dashof(k) title keytitle(k)
unset output
