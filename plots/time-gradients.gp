# The gradient reaching each time step of an LSTM, ||dL/dh_t|| against the
# time step t, as Cooijmans et al. (2016) Fig. 1 draws it for a tanh RNN
# (time_gradients.csv, docs/reference/outputs.md): two panels side by side,
# (a) at the first step every seed recorded (step 1: the initial
# parameters) and (b) at the last, each variant's top LSTM layer, a colour
# per variant, on a log y axis.  The line is the mean over seeds, the band
# the range from the smallest to the largest seed.  Reads the CSV `bnexp
# plot time-gradients` writes (RUN/time-gradients-stats.csv): columns series
# (the variant, 1-based), variant, step, layer, time_step, mean, min, max,
# seeds.
#
#   file          that CSV                                        (required)
#   series        variants (colours)                              (required)
#   colourS, dashS  series S's colour ("#rrggbb") and dash type (default: 8 colours, solid)
#   variantS      variant S's legend entry                        (default: not drawn)
#   topS          variant S's layer drawn                         (required for a drawn S)
#   firstS, lastS variant S's steps in panels (a) and (b)         (required for a drawn S)
#   tmax          the last time step                              (default: from the data)
#   ydec_lo, ydec_hi  the y range (log axis), 10^ydec_lo to 10^ydec_hi (default: autoscale)
#   ptitle1, ptitle2  the panels' titles                          (default: (a), (b))
#   title, subtitle                                               (default: none)
#   outfile, term                                                 as in accuracy.gp

if (!exists("file") || !exists("series")) { print "time-gradients.gp: set file, series"; exit status 1 }
series = int(series)
if (!exists("outfile")) outfile = "time-gradients.png"
if (!exists("term")) term = "pngcairo"
if (!exists("title")) title = "Gradient reaching each time step"
if (!exists("ptitle1")) ptitle1 = "(a) step 1"
if (!exists("ptitle2")) ptitle2 = "(b) last step"
width = exists("width") ? int(width) : 1300
height = exists("height") ? int(height) : 580

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
# each variant's layer and steps, looked up once (0: the variant is not drawn)
array top[series]; array at1[series]; array at2[series]
do for [s=1:series] {
    drawn = exists(sprintf("variant%d", s)) && exists(sprintf("top%d", s))
    top[s] = drawn ? int(value(sprintf("top%d", s))) : 0
    at1[s] = drawn ? real(value(sprintf("first%d", s))) : NaN
    at2[s] = drawn ? real(value(sprintf("last%d", s))) : NaN
}
# the rows of variant s in panel p (1: its first step, 2: its last)
sel(s, p) = column("series") == s && column("layer") == top[s] && column("step") == (p == 1 ? at1[s] : at2[s])
xval(s, p) = sel(s, p) ? column("time_step") : NaN

if (!exists("tmax")) { stats file using "time_step" nooutput; tmax = STATS_max }
tmax = int(tmax)
set xrange [(tmax > 1 ? 1 : 0.5):(tmax > 1 ? tmax : 1.5)]
set xtics out nomirror
set mxtics
if (tmax <= 12) { set xtics 1; unset mxtics }   # whole time steps
set ytics out nomirror
set logscale y
set format y "%g"
if (exists("ydec_lo") && exists("ydec_hi")) {
    elo = int(ydec_lo); ehi = int(ydec_hi)
    # at most 8 labels, one every k decades (k = 1, 2, 5, 10, 20, ...) at
    # multiples of k; no minor tics between them
    k = 1
    while ((ehi - elo) > 8 * k) { k = (k == 1 || k == 10 || k == 100) ? 2 * k : (k == 2 || k == 20 || k == 200) ? 5 * k / 2 : 2 * k }
    if (k > 1) { elo = int(k * floor(real(elo) / k)); ehi = int(k * ceil(real(ehi) / k)) }
    ylo = 10.0**elo; yhi = 10.0**ehi
    set yrange [ylo:yhi]
    if (k > 1) { set ytics ylo, 10.0**k, yhi; unset mytics; set format y "1e%L" }
    # a range of three decades or fewer: label 2x and 5x each decade too
    if (ehi - elo <= 3) { do for [e=elo:ehi] { set ytics add (sprintf("%g", 2 * 10**e) 2 * 10**e, sprintf("%g", 5 * 10**e) 5 * 10**e) } }
} else { set autoscale y }
set style line 100 lc rgb "#e6e6e6" lw 0.8
set grid xtics ytics ls 100, ls 100 back
set border 3
set style fill transparent solid 0.2 noborder

top_m = 1.0 - 95.0 / height
bottom = 115.0 / height
left = 90.0 / width; right = 1 - 25.0 / width; gap = 80.0 / width
pw = (right - left - gap) / 2
set multiplot
set label 901 title at screen 0.5, screen 1 offset 0, char -1.3 center font sprintf("DejaVu Sans,%d", fs + 2) noenhanced
if (exists("subtitle")) { set label 902 subtitle at screen 0.5, screen 1 offset 0, char -2.8 center font sprintf("DejaVu Sans,%d", fs - 1) noenhanced textcolor rgb "#444444" }
set key off
do for [p=1:2] {
    if (p > 1) { unset label 901; unset label 902 }
    set lmargin at screen left + (p - 1) * (pw + gap)
    set rmargin at screen left + (p - 1) * (pw + gap) + pw
    set tmargin at screen top_m
    set bmargin at screen bottom
    set title (p == 1 ? ptitle1 : ptitle2) font sprintf("DejaVu Sans,%d", fs + 1) noenhanced
    set xlabel "time step t"
    if (p == 1) { set ylabel "||dL/dh_t|| (log scale)" noenhanced } else { unset ylabel }
    plot for [s=1:series] file using (xval(s, p)):(pos(column("min"))):(pos(column("max"))) with filledcurves fc rgb colour(s), \
         for [s=1:series] file using (xval(s, p)):(pos(column("mean"))) with lines lc rgb colour(s) dt dash(s) lw 1.8
}
# the legend, one entry per variant drawn, in a row across the bottom of the canvas
unset title; unset xlabel; unset ylabel; unset logscale y; unset grid; unset border; unset tics
set lmargin at screen 0.05; set rmargin at screen 0.95; set tmargin at screen 45.0 / height; set bmargin at screen 0.0
set xrange [0:1]; set yrange [0:1]
set key center center horizontal maxrows 2 Left reverse samplen 2 width 2
plot for [s=1:series] NaN with lines lc rgb colour(s) dt dash(s) lw 1.8 title (top[s] ? value(sprintf("variant%d", s)) : "")
unset multiplot
unset output
