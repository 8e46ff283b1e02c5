# Any metrics.csv column over training, one colour per variant (of one or
# more runs): `bnexp plot curve --y COLUMN [--x step|epoch|examples]`.
# Reads the curves CSV `bnexp plot curve` writes (docs/reference/outputs.md):
# columns variant, metric, step, seeds, n, mean, sd, min, max; rows whose
# metric is `metric`.  For each variant the line is `mean` and, with several
# seeds, a shaded band spans `min` to `max`; only steps where every seed has
# a finite value (n = seeds) are drawn.  x is the step times the variant's
# scaleK (1 for steps; its batch size for examples; its epochs per step).
#
#   file       the curves CSV                                   (required)
#   metric     the column drawn, as in the CSV's `metric`       (required)
#   n          number of variants, 1 or more                    (required)
#   variantK, seedsK, titleK, scaleK   variant K = 1..n         (variantK required)
#   logy       "1": log scale on y                              (default: 0)
#   ymin, ymax the y axis's ends                                (default: autoscale)
#   xlabel, ylabel, title, subtitle                             (default: none)
#   outfile, term, width, height, keyheight, plotsdir, and the lines'
#              styles and legend: as in accuracy.gp

if (!exists("file") || !exists("n") || !exists("metric")) { print "curve.gp: set file, metric, n and variant1..variantN"; exit status 1 }
n = int(n)
if (!exists("outfile")) outfile = "curve.png"
if (!exists("term")) term = "pngcairo"
if (!exists("title")) title = metric
if (!exists("xlabel")) xlabel = "training step (updates)"
if (!exists("ylabel")) ylabel = metric
logy = exists("logy") ? int(logy) : 0
width = exists("width") ? int(width) : 900
height = exists("height") ? int(height) : 600
# The chart grows taller for a long legend rather than squeezing the axes.
height = height + (exists("keyheight") ? int(keyheight) : 0)
variant(k) = value(sprintf("variant%d", k))
seeds(k) = exists(sprintf("seeds%d", k)) ? int(value(sprintf("seeds%d", k))) : 1
scale(k) = exists(sprintf("scale%d", k)) ? real(value(sprintf("scale%d", k))) : 1.0
label(k) = exists(sprintf("title%d", k)) ? value(sprintf("title%d", k)) : variant(k)

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

sel(k) = strcol("variant") eq variant(k) && strcol("metric") eq metric && column("n") == seeds(k)
x(k) = sel(k) ? column("step") * scale(k) : NaN

if (logy) { set logscale y 10; set format y "%g" }
if (exists("ymin") && exists("ymax")) { ylo = real(ymin); yhi = real(ymax); set yrange [ylo:yhi] } else {
    if (exists("ymin")) { set yrange [real(ymin):*] }
    if (exists("ymax")) { set yrange [*:real(ymax)] } }
set xtics out nomirror
set ytics out nomirror
set style line 100 lc rgb "#e0e0e0" lw 0.8 dt solid
set grid xtics ytics ls 100, ls 100 back
set border 3 lw 1
sub1 = exists("subtitle") && strlen(subtitle) > 0
set tmargin 3 + 1.5 * sub1
# a long title (an experiment's description) in a smaller font, to fit the
# width: DejaVu Sans at F points is about 0.78 F pixels a character
# (of a two-line title, the longer line)
nl = strstrt(title, "\n")
tlen = nl > 0 ? (nl - 1 > strlen(title) - nl ? nl - 1 : strlen(title) - nl) : strlen(title)
tfs = tlen * (fs + 2) * 0.78 > width * 0.95 ? int(width * 0.95 / (0.78 * tlen)) : fs + 2
tfs = tfs < fs - 3 ? fs - 3 : tfs
set label 901 title at screen 0.5, screen 1 offset 0, char -1.3 center font sprintf("DejaVu Sans,%d", tfs) noenhanced
if (sub1) { set label 902 subtitle at screen 0.5, screen 1 offset 0, char -2.8 center font sprintf("DejaVu Sans,%d", fs - 1) noenhanced textcolor rgb "#444444" }
set xlabel xlabel
set ylabel ylabel
if (!exists("plotsdir")) plotsdir = "plots"
load plotsdir."/lines.gp"
