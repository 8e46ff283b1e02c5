# A summary column against a swept key: one line per group (the values of
# the --by keys), each point the mean over the trials (seeds) there, with
# an error bar of one sample standard deviation; trials that diverged are
# not zeros: they are left out of the mean and marked by a cross at the
# bottom of the chart, with their count beside it.  A point whose mean
# leaves some of its trials out (n < trials) is ringed; where no trial of a
# point finished (n = 0), its line is broken, not drawn across.  Reads sweep.csv
# (docs/reference/outputs.md): columns group, x, x_index, trials, n, mean, sd,
# min, max, diverged, unfinished.
#
# `bnexp plot sweep` runs this with gnuplot -e setting the variables below;
# every value is a string.
#
#   file       sweep.csv                                        (required)
#   n          number of groups (lines), 1 or more              (required)
#   groupK     group K = 1..n as in sweep.csv's `group`         (required)
#   titleK     legend entry of group K          (default: groupK)
#   numeric    "1": x values are numbers, placed by value; else by position
#              with nx labels xs1..xsN                          (default: 1)
#   logx       "1": log scale on x (numeric, positive), ticks at the
#              values xs1..xsN                                   (default: 0)
#   xlabel, ylabel  axis labels                                 (required)
#   ymin, ymax      y range                                     (default: autoscale)
#   ydiv       y of the lowest row of diverged crosses (inside the range)
#                                                               (default: ymin)
#   ystep      group K's are at ydiv + divrankK * ystep         (default: 0)
#   divrankK   the row of group K's crosses, from 0: the groups with any
#              diverged trial, in order                         (default: K - 1)
#   divs       "1": some point has diverged trials              (default: 0)
#   partial    "1": some point's mean leaves trials out (ringed) (default: 0)
#   title, subtitle, subtitle2   title lines                    (default: none)
#   outfile, term, width, height  as in accuracy.gp

if (!exists("file") || !exists("n")) { print "sweep.gp: set file (sweep.csv), n and group1..groupN"; exit status 1 }
n = int(n)
if (!exists("outfile")) outfile = "sweep.png"
if (!exists("term")) term = "pngcairo"
if (!exists("title")) title = "Sweep"
numeric = exists("numeric") ? int(numeric) : 1
logx = exists("logx") ? int(logx) : 0
divs = exists("divs") ? int(divs) : 0
partial = exists("partial") ? int(partial) : 0
# Many lines: the legend goes to the right of the plot, on a wider canvas.
keyright = n > 6
width = exists("width") ? int(width) : (keyright ? 1400 : 900)
height = exists("height") ? int(height) : (keyright ? 700 : 600)
group(k) = value(sprintf("group%d", k))
label(k) = exists(sprintf("title%d", k)) ? value(sprintf("title%d", k)) : group(k)

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

sel(k) = strcol("group") eq group(k)
xpos = numeric ? 'column("x")' : 'column("x_index")'
x(k) = sel(k) ? @xpos : NaN

# ---- axes ------------------------------------------------------------------
# A log axis fitted to the data (not widened to whole decades), base 2 when
# the values are at least 1 and span at most 2^12 (mini-batch sizes: ticks
# 2, 4, 8, ...), else base 10 (learning rates: 0.01, 0.1, 1, ...).
if (logx) {
    stats file using (column("x")) nooutput
    if (STATS_min >= 1 && STATS_max / STATS_min <= 4096.0) { set logscale x 2 } else { set logscale x 10 }
    set format x "%g"
    set autoscale xfix
}
if (!numeric) {
    nx = int(nx)
    set xrange [-0.5:nx - 0.5]
    set xtics () out nomirror
    do for [i=1:nx] { set xtics add (value(sprintf("xs%d", i)) i - 1) }
} else {
    set xtics out nomirror
    set offsets graph 0.04, graph 0.04, 0, 0
}
# A log axis has its ticks at the swept values themselves (0.1 has a label,
# not only the powers of the base).
if (logx && numeric) {
    nx = int(nx)
    set xtics () out nomirror
    do for [i=1:nx] { set xtics add (value(sprintf("xs%d", i)) real(value(sprintf("xs%d", i)))) }
    unset mxtics
}
if (exists("ymin") && exists("ymax")) { set yrange [real(ymin):real(ymax)] }
ydiv = exists("ydiv") ? real(ydiv) : (exists("ymin") ? real(ymin) : 0)
ystep = exists("ystep") ? real(ystep) : 0
divrank(k) = exists(sprintf("divrank%d", k)) ? int(value(sprintf("divrank%d", k))) : k - 1
yd(k) = ydiv + divrank(k) * ystep
set ytics out nomirror
set style line 100 lc rgb "#e0e0e0" lw 0.8 dt solid
set grid xtics ytics ls 100, ls 100 back
set border 3 lw 1

sub1 = exists("subtitle") && strlen(subtitle) > 0
sub2 = exists("subtitle2") && strlen(subtitle2) > 0
set tmargin 3 + 1.5 * (sub1 + sub2)
# a long title (an experiment's description) in a smaller font, to fit the width
# DejaVu Sans at F points is about 0.78 F pixels a character (pngcairo, 96 dpi)
# (of a two-line title, the longer line)
nl = strstrt(title, "\n")
tlen = nl > 0 ? (nl - 1 > strlen(title) - nl ? nl - 1 : strlen(title) - nl) : strlen(title)
tfs = tlen * (fs + 2) * 0.78 > width * 0.95 ? int(width * 0.95 / (0.78 * tlen)) : fs + 2
tfs = tfs < fs - 3 ? fs - 3 : tfs
set label 901 title at screen 0.5, screen 1 offset 0, char -1.3 center font sprintf("DejaVu Sans,%d", tfs) noenhanced
if (sub1) { set label 902 subtitle at screen 0.5, screen 1 offset 0, char -2.8 center font sprintf("DejaVu Sans,%d", fs - 1) noenhanced textcolor rgb "#444444" }
if (sub2) { set label 903 subtitle2 at screen 0.5, screen 1 offset 0, char (-2.8 - 1.2 * sub1) center font sprintf("DejaVu Sans,%d", fs - 1) noenhanced textcolor rgb "#444444" }
set xlabel xlabel
set ylabel ylabel
# two columns of entries below the plot when the longest entry fits half the
# width (a marker and gap take about 6 characters), else one; the bottom
# margin makes room for the rows that gives
keylen = partial ? 63 : (divs ? 57 : 0)
do for [k=1:n] { keylen = strlen(label(k)) > keylen ? strlen(label(k)) : keylen }
entries = n + divs + partial
keycols = entries < 2 || 2 * (keylen + 6) * 0.78 * fs > width * 0.95 ? 1 : 2
keyrows = (entries + keycols - 1) / keycols
if (keyright) {
    set key outside right top vertical Left reverse box samplen 3 spacing 1.2 width 1
    set bmargin 4
} else {
    set key below center horizontal Left reverse box samplen 3 spacing 1.2 width 2 maxcols keycols maxrows keyrows
    set bmargin 5 + 1.25 * keyrows
}

# Colour and marker together: eight colours, then the next marker shape, so
# that up to 32 lines stay apart.
array colour[8] = ["#1f5fbf", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
array marker[4] = [7, 5, 9, 13]
colourof(k) = colour[(k - 1) % 8 + 1]
markerof(k) = marker[((k - 1) / 8) % 4 + 1]

# Means with error bars (points with at least one finished trial), then a
# ring around each mean that leaves trials out, then a cross at yd(k) for
# every point with diverged trials, its count beside it.  A point with no
# finished trial has empty mean and sd; gnuplot skips a row whose used
# column is empty and joins its neighbours across it, so mean and sd are
# asked for only when n > 0 and the row is otherwise undefined (NaN),
# which breaks the line there.
fin(c) = column("n") > 0 ? column(c) : NaN
done(k) = column("n") > 0 ? x(k) : NaN
some(k) = column("n") < column("trials") ? x(k) : NaN
lines = 'for [k=1:n] file using (done(k)):(fin("mean")):(fin("sd")) with yerrorlines lw 2 pt markerof(k) ps 1.2 lc rgb colourof(k) title label(k)'
rings = 'for [k=1:n] file using (some(k)):(fin("mean")) with points pt 6 ps 2.6 lw 1.5 lc rgb colourof(k) notitle'
ringkey = 'keyentry with points pt 6 ps 2 lw 1.5 lc rgb "#333333" title "ringed: a mean of fewer seeds (the others did not finish)"'
crosses = 'for [k=1:n] file using (column("diverged") > 0 ? x(k) : NaN):(yd(k)) with points pt 2 ps 2 lw 2.5 lc rgb colourof(k) notitle'
counts = 'for [k=1:n] file using (column("diverged") > 0 ? x(k) : NaN):(yd(k)):(sprintf("%d", column("diverged"))) with labels offset char 0.9, char 0.8 left textcolor rgb colourof(k) notitle'
crosskey = 'keyentry with points pt 2 ps 1.5 lw 2 lc rgb "#333333" title "diverged trials (how many beside), left out of the mean"'
plots = lines . (partial ? ", " . rings : "") . (divs ? ", " . crosses . ", " . counts . ", " . crosskey : "") . (partial ? ", " . ringkey : "")
plot @plots
unset output
