# Recurrent batch norm's moving averages per time step (step_stats.csv,
# docs/reference/outputs.md; Cooijmans et al. 2016, Section 3, keep them per
# time step because they differ across t, most at the first steps): a
# column of panels per site (x: W_x x_t, h: W_h h_{t-1}, c: the cell c_t),
# a row for running_mean and one for sqrt(running_var), against t, a
# colour per variant.  The line is the mean over units, the band +-1 sd
# across units (each a mean over seeds).  Reads the CSV `bnexp plot
# step-stats` writes (RUN/step-stats-stats.csv): columns series (the
# variant, 1-based), variant, layer, site, time_step, seeds, running_mean,
# running_mean_sd, running_std, running_std_sd.
#
#   file          that CSV                                        (required)
#   series        variants (colours)                              (required)
#   colourS, dashS  series S's colour ("#rrggbb") and dash type (default: 8 colours, solid)
#   variantS      variant S's legend entry                        (default: not drawn)
#   layer         the LSTM layer drawn                            (default: 1)
#   tmax          the last time step                              (default: from the data)
#   title, subtitle, subtitle2                                    (default: none)
#   outfile, term                                                 as in accuracy.gp

if (!exists("file") || !exists("series")) { print "step-stats.gp: set file, series"; exit status 1 }
series = int(series)
layer = exists("layer") ? int(layer) : 1
if (!exists("outfile")) outfile = "step-stats.png"
if (!exists("term")) term = "pngcairo"
if (!exists("title")) title = "Recurrent batch norm's statistics per time step"
width = exists("width") ? int(width) : 1450
height = exists("height") ? int(height) : 760

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
array drawn[series]
do for [s=1:series] { drawn[s] = exists(sprintf("variant%d", s)) }
array site[3] = ["x", "h", "c"]
array sitetitle[3] = ["x: BN(W_x x_t), the input's share", "h: BN(W_h h_{t-1}), the recurrent share", "c: BN(c_t), the cell"]
# row r: its line's column, its band's half width, its y label
array ln[2] = ["running_mean", "running_std"]
array sd[2] = ["running_mean_sd", "running_std_sd"]
array ylab[2] = ["running_mean", "sqrt(running_var)"]
sel(s, k) = column("series") == s && column("layer") == layer && strcol("site") eq site[k]
xval(s, k) = drawn[s] && sel(s, k) ? column("time_step") : NaN
# the band's lower edge: a standard deviation is not drawn below 0
lower(r) = r == 2 ? (column(ln[r]) - column(sd[r]) > 0 ? column(ln[r]) - column(sd[r]) : 0) : column(ln[r]) - column(sd[r])

if (!exists("tmax")) { stats file using "time_step" nooutput; tmax = STATS_max }
tmax = int(tmax)
# many time steps (pixel by pixel, chunks): a log t axis, which keeps the
# first steps apart, where the statistics differ most; points on few steps
logx = tmax > 100
set xrange [(tmax > 1 ? 1 : 0.5):(tmax > 1 ? tmax : 1.5)]
set xtics out nomirror
if (logx) { set logscale x; set format x "%g"; set mxtics 10 } else { set mxtics }
if (tmax <= 12) { set xtics 1; unset mxtics }   # whole time steps
ps = tmax <= 60 ? 0.35 : 0
set ytics out nomirror
set format y "%g"
set style line 100 lc rgb "#e6e6e6" lw 0.8
set grid xtics ytics ls 100, ls 100 back
set border 3
set style fill transparent solid 0.16 noborder

top_m = 1.0 - (exists("subtitle2") ? 115.0 : 100.0) / height
bottom = 105.0 / height
left = 80.0 / width; right = 1 - 25.0 / width; gap = 70.0 / width; vgap = 70.0 / height
pw = (right - left - 2 * gap) / 3
ph = (top_m - bottom - vgap) / 2
set multiplot
set label 901 title at screen 0.5, screen 1 offset 0, char -1.3 center font sprintf("DejaVu Sans,%d", fs + 2) noenhanced
if (exists("subtitle")) { set label 902 subtitle at screen 0.5, screen 1 offset 0, char -2.8 center font sprintf("DejaVu Sans,%d", fs - 1) noenhanced textcolor rgb "#444444" }
if (exists("subtitle2")) { set label 903 subtitle2 at screen 0.5, screen 1 offset 0, char -4.0 center font sprintf("DejaVu Sans,%d", fs - 1) noenhanced textcolor rgb "#444444" }
set key off
do for [r=1:2] {
    do for [k=1:3] {
        if (r > 1 || k > 1) { unset label 901; unset label 902; unset label 903 }
        set lmargin at screen left + (k - 1) * (pw + gap)
        set rmargin at screen left + (k - 1) * (pw + gap) + pw
        set tmargin at screen top_m - (r - 1) * (ph + vgap)
        set bmargin at screen top_m - (r - 1) * (ph + vgap) - ph
        if (r == 1) { set title sitetitle[k] font sprintf("DejaVu Sans,%d", fs + 1) noenhanced } else { unset title }
        if (k == 1) { set ylabel ylab[r] noenhanced } else { unset ylabel }
        set xlabel (logx ? "time step t (log scale)" : "time step t")
        set autoscale y
        plot for [s=1:series] file using (xval(s, k)):(lower(r)):(column(ln[r]) + column(sd[r])) with filledcurves fc rgb colour(s), \
             for [s=1:series] file using (xval(s, k)):(column(ln[r])) with linespoints lc rgb colour(s) dt dash(s) lw 1.8 pt 7 ps ps
    }
}
# the legend, one entry per variant drawn, in a row across the bottom of the canvas
unset title; unset xlabel; unset ylabel; unset logscale x; unset grid; unset border; unset tics
set lmargin at screen 0.05; set rmargin at screen 0.95; set tmargin at screen 40.0 / height; set bmargin at screen 0.0
set xrange [0:1]; set yrange [0:1]
set key center center horizontal maxrows 2 Left reverse samplen 2 width 2
plot for [s=1:series] NaN with lines lc rgb colour(s) dt dash(s) lw 1.8 title (drawn[s] ? value(sprintf("variant%d", s)) : "")
unset multiplot
unset output
