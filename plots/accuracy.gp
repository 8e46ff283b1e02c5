# Figs. 1(a) and 2 of Ioffe & Szegedy (2015): test accuracy vs training
# step, one colour per variant.  Reads curves.csv (docs/reference/outputs.md), the
# per-step statistics over seeds that `bnexp plot` computes: columns variant,
# metric, step, seeds, n, mean, sd, min, max.  For each variant the line is
# `mean` and, with several seeds, a shaded band spans `min` to `max`; only
# steps where every seed has a value (n = seeds) are drawn, so a variant's
# curve stops where its first seed stopped (diverged, or not yet recorded).
#
# `bnexp plot accuracy` runs this with gnuplot -e setting the variables below;
# every value is a string.  By hand:
#
#   gnuplot -e "file='runs/fig1/latest/curves.csv'; n='2'; variant1='baseline'; \
#               seeds1='1'; variant2='bn'; seeds2='1'; outfile='acc.png'" plots/accuracy.gp
#
#   file       curves.csv                                      (required)
#   n          number of variants, 1 or more                   (required)
#   variantK   variant K = 1..n as in curves.csv's `variant`   (required)
#   seedsK     its number of seeds (the band is drawn when > 1) (default: 1)
#   titleK     legend entry of variant K        (default: variantK)
#   outfile    file to write                    (default: accuracy.png)
#   term       pngcairo, svg or pdfcairo        (default: pngcairo)
#   title      chart title                      (default: "Test accuracy")
#   subtitle   second title line (what the line and band are) (default: none)
#   subtitle2  third title line (what is not drawn)        (default: none)
#   ends       number of variants whose curve ends because a seed diverged;
#              for J = 1..ends, endkJ (the variant's K), endxJ and endyJ
#              (the last point drawn) put a cross there  (default: 0)
#   xlabel     x axis label                     (default: "training step (updates)")
#   xmax       x axis end                       (default: autoscale)
#   ymin, ymax y axis range, fractions          (default: autoscale)
#   width, height   size in pixels (pdf: pixels/96 inches) (default: 900, 600)
#   keyheight  pixels added to height for the legend's rows  (default: 0)
#   colourK, dashK, nkey, keytitleJ, keycolourJ, keydashJ, keycols, keyrows:
#              the lines' styles and the legend, as plots/lines.gp says
#   plotsdir   the folder of lines.gp, which draws the lines (default: plots)

if (!exists("file") || !exists("n")) { print "accuracy.gp: set file (curves.csv), n and variant1..variantN"; exit status 1 }
n = int(n)
metric = "test_accuracy"
if (!exists("outfile")) outfile = "accuracy.png"
if (!exists("term")) term = "pngcairo"
if (!exists("title")) title = "Test accuracy"
if (!exists("xlabel")) xlabel = "training step (updates)"
width = exists("width") ? int(width) : 900
height = (exists("height") ? int(height) : 600) + (exists("keyheight") ? int(keyheight) : 0)

ends = exists("ends") ? int(ends) : 0
variant(k) = value(sprintf("variant%d", k))
seeds(k) = exists(sprintf("seeds%d", k)) ? int(value(sprintf("seeds%d", k))) : 1
label(k) = exists(sprintf("title%d", k)) ? value(sprintf("title%d", k)) : variant(k)

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

# The rows of variant k that are drawn: this metric, every seed present.
sel(k) = strcol("variant") eq variant(k) && strcol("metric") eq metric && column("n") == seeds(k)
x(k) = sel(k) ? column("step") : NaN

# ---- ranges ----------------------------------------------------------------
if (exists("xmax")) { xmax = real(xmax); set xrange [0:xmax] } else { xmax = 0; set xrange [0:*] }
if (exists("ymin") && exists("ymax")) { ylo = real(ymin); yhi = real(ymax) } else { ylo = 0.0; yhi = 1.0 }
set yrange [ylo:yhi]

# ---- tics: "10k" style steps, y as plain fractions -------------------------
nice(x) = (e = 10**floor(log10(x)), m = x / e, (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * e)
stepfmt(x) = x == 0 ? "0" : abs(x) >= 1000 ? sprintf("%gk", x / 1000.0) : sprintf("%g", x)
if (xmax > 0) {
    dx = nice(xmax / 6.0)
    set xtics () out nomirror
    do for [i=0:int(xmax / dx + 1e-9)] { set xtics add (stepfmt(i * dx) i * dx) }
} else {
    set xtics out nomirror
}
set mxtics 2
dy = (yhi - ylo) > 0.3 ? 0.1 : (yhi - ylo) > 0.12 ? 0.05 : (yhi - ylo) > 0.06 ? 0.02 : 0.01
set ytics dy out nomirror format "%.2f"
set mytics 2

set style line 100 lc rgb "#e0e0e0" lw 0.8 dt solid
set grid xtics ytics ls 100, ls 100 back
set border 3 lw 1
# The title, and below it one or two smaller lines (which run; what the
# line and band are; what is not drawn), as labels in the top margin:
# verbatim text, each in its own size.
sub1 = exists("subtitle") && strlen(subtitle) > 0
sub2 = exists("subtitle2") && strlen(subtitle2) > 0
set tmargin 3 + 1.5 * (sub1 + sub2)
# a long title (an experiment's description) in a smaller font, to fit the
# width: DejaVu Sans at F points is about 0.78 F pixels a character
# (of a two-line title, the longer line)
nl = strstrt(title, "\n")
tlen = nl > 0 ? (nl - 1 > strlen(title) - nl ? nl - 1 : strlen(title) - nl) : strlen(title)
tfs = tlen * (fs + 2) * 0.78 > width * 0.95 ? int(width * 0.95 / (0.78 * tlen)) : fs + 2
tfs = tfs < fs - 3 ? fs - 3 : tfs
set label 901 title at screen 0.5, screen 1 offset 0, char -1.3 center font sprintf("DejaVu Sans,%d", tfs) noenhanced
if (sub1) { set label 902 subtitle at screen 0.5, screen 1 offset 0, char -2.8 center font sprintf("DejaVu Sans,%d", fs - 1) noenhanced textcolor rgb "#444444" }
if (sub2) { set label 903 subtitle2 at screen 0.5, screen 1 offset 0, char (-2.8 - 1.2 * sub1) center font sprintf("DejaVu Sans,%d", fs - 1) noenhanced textcolor rgb "#444444" }
set xlabel xlabel
set ylabel "test accuracy (fraction of test images correct)"
if (!exists("plotsdir")) plotsdir = "plots"
load plotsdir."/lines.gp"
