# The pre-activation histograms of every fully connected hidden layer over
# training, as heatmaps: step on x, value on y, colour the fraction of the
# layer's values (probe images x units) in the bin, on a log scale; one
# panel per variant (its lowest seed) and hidden layer, a variant's layers
# side by side, variants after each other (several to a row: cols).
# Reads the CSV `bnexp plot histograms` writes (docs/reference/outputs.md):
# columns panel, variant, layer, step, bin_lo, bin_hi, fraction, half_width
# (half the trial's step between records: each record's column fills its interval).
#
#   file       that CSV                                         (required)
#   n          number of panels                                 (required)
#   rows, cols the panel grid: a variant's layers side by side, variants
#              after each other, wrapping at cols             (required)
#   titleK     panel K's title                                  (default: none)
#   xmin, xmax the x range: the first and last step, so the edge columns
#              show half their width               (default: the columns' extent)
#   title, subtitle                                             (default: none)
#   outfile, term                                               as in accuracy.gp

if (!exists("file") || !exists("n") || !exists("rows") || !exists("cols")) { print "histograms.gp: set file, n, rows, cols"; exit status 1 }
n = int(n); rows = int(rows); cols = int(cols)
if (!exists("outfile")) outfile = "histograms.png"
if (!exists("term")) term = "pngcairo"
if (!exists("title")) title = "Pre-activation histograms"
width = exists("width") ? int(width) : (cols < 2 ? 700 : 420 * cols)
height = exists("height") ? int(height) : 140 + 350 * rows
if (width < 900) { width = 900 }
if (height < 600) { height = 600 }
ptitle(k) = exists(sprintf("title%d", k)) ? value(sprintf("title%d", k)) : ""

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
set palette defined (0 "#fff7ec", 1 "#fdbb84", 2 "#e34a33", 3 "#7f0000")
set logscale cb 10
set cbrange [1e-4:1]
set format cb "%g"
set xtics out nomirror
set format x "%.0f"
set xtics rotate by -30
if (exists("xmin") && exists("xmax")) { set xrange [xmin:xmax] } else { set autoscale xfix }
set ytics out nomirror
set style fill solid 1.0 noborder
sub1 = exists("subtitle") && strlen(subtitle) > 0
top = 1.0 - (5.0 + 1.4 * sub1) * (fs + 4) / real(height)
# margins and gaps in pixels, as fractions of the canvas
set multiplot layout rows, cols margins 70.0 / width, 1 - 115.0 / width, 55.0 / height, top \
    spacing 75.0 / width, 110.0 / real(height)
# a long title (an experiment's description) in a smaller font, to fit the
# width: DejaVu Sans at F points is about 0.78 F pixels a character
# (of a two-line title, the longer line)
nl = strstrt(title, "\n")
tlen = nl > 0 ? (nl - 1 > strlen(title) - nl ? nl - 1 : strlen(title) - nl) : strlen(title)
tfs = tlen * (fs + 2) * 0.78 > width * 0.95 ? int(width * 0.95 / (0.78 * tlen)) : fs + 2
tfs = tfs < fs - 3 ? fs - 3 : tfs
set label 901 title at screen 0.5, screen 1 offset 0, char -1.3 center font sprintf("DejaVu Sans,%d", tfs) noenhanced
if (sub1) { set label 902 subtitle at screen 0.5, screen 1 offset 0, char -2.8 center font sprintf("DejaVu Sans,%d", fs - 1) noenhanced textcolor rgb "#444444" }
do for [k=1:n] {
    set title ptitle(k) noenhanced
    set xlabel "training step"
    set ylabel "pre-activation value"
    if (k > 1) { unset label 901; unset label 902 }
    # one colour scale for every panel, along the right edge
    if (k == 1) { set colorbox user origin screen 1 - 92.0 / width, screen 55.0 / height size screen 14.0 / width, screen top - 55.0 / height } else { unset colorbox }
    if ((k - 1) % cols > 0) { unset ylabel }
    plot file using (column("panel") == k ? column("step") : NaN):((column("bin_lo") + column("bin_hi")) / 2):(column("half_width")):((column("bin_hi") - column("bin_lo")) / 2):(column("fraction")) with boxxyerror fc palette notitle
}
unset multiplot
unset output
