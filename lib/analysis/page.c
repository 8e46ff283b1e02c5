/* The HTML pages; see page.h. */
#include "analysis/page.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/chart.h"
#include "io/atomic.h"
#include "io/markdown.h"
#include "io/strbuf.h"
#include "runs/reader.h"

static const char style[] =
    "body{font-family:'DejaVu Sans',sans-serif;max-width:1200px;margin:1.5em auto;"
    "padding:0 1em;color:#222;line-height:1.4}"
    "h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ddd;margin-top:2em}"
    "table{border-collapse:collapse;margin:0.8em 0;font-size:0.9em}"
    "td,th{border:1px solid #ccc;padding:0.25em 0.5em;vertical-align:top}"
    "th{background:#f3f3f3}code{background:#f5f5f5;padding:0 0.2em}"
    "figure{margin:1em 0}img{max-width:100%;height:auto;border:1px solid #eee}"
    "figcaption{color:#555;font-size:0.9em}.meta{color:#444}"
    "ul.files{columns:3}"
    ".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:1em}";

static void page_head(bnx_strbuf *sb, const char *title)
{
    bnx_sb_printf(sb, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'; "
                  "object-src 'none'\">\n"
                  "<title>");
    bnx_sb_html(sb, title);
    bnx_sb_printf(sb, "</title>\n<style>%s</style>\n</head>\n<body>\n", style);
}

static int exists_under(const char *dir, const char *rel)
{
    char path[8400];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    return access(path, R_OK) == 0;
}

/* <a href="HREF">TEXT</a>, both escaped. */
static void html_link(bnx_strbuf *sb, const char *href, const char *text)
{
    bnx_sb_printf(sb, "<a href=\"");
    bnx_sb_html(sb, href);
    bnx_sb_printf(sb, "\">");
    bnx_sb_html(sb, text);
    bnx_sb_printf(sb, "</a>");
}

/* A figure of image `rel`, captioned with its path; linked: the image is a
 * link to itself. */
static void html_figure(bnx_strbuf *sb, const char *rel, int linked)
{
    bnx_sb_printf(sb, "<figure>");
    if (linked) {
        bnx_sb_printf(sb, "<a href=\"");
        bnx_sb_html(sb, rel);
        bnx_sb_printf(sb, "\">");
    }
    bnx_sb_printf(sb, "<img src=\"");
    bnx_sb_html(sb, rel);
    bnx_sb_printf(sb, "\" alt=\"");
    bnx_sb_html(sb, rel);
    bnx_sb_printf(sb, "\">%s<figcaption>", linked ? "</a>" : "");
    bnx_sb_html(sb, rel);
    bnx_sb_printf(sb, "</figcaption></figure>\n");
}

/* A link to `rel` under dir, with `rel` as its text, after `before`;
 * nothing if it is not there. */
static void file_link(bnx_strbuf *sb, const char *dir, const char *rel, const char *before)
{
    if (!exists_under(dir, rel))
        return;
    bnx_sb_printf(sb, "%s", before);
    html_link(sb, rel, rel);
}

/* The *.csv files and manifest.json of one trial directory, linked. */
static void trial_files(bnx_strbuf *sb, const char *run_dir, const char *trial_dir)
{
    char path[8400];
    snprintf(path, sizeof path, "%s/%s", run_dir, trial_dir);
    DIR *d = opendir(path);
    if (!d)
        return;
    char names[32][256];
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 32;) {
        size_t len = strlen(e->d_name);
        if ((len > 4 && strcmp(e->d_name + len - 4, ".csv") == 0) ||
            strcmp(e->d_name, "manifest.json") == 0)
            snprintf(names[n++], sizeof names[0], "%.255s", e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    for (int i = 0; i < n; i++) {
        char rel[4400];
        snprintf(rel, sizeof rel, "%.4000s/%.255s", trial_dir, names[i]);
        bnx_sb_printf(sb, "%s", i ? " " : "");
        html_link(sb, rel, names[i]);
    }
}

static int write_page(bnx_strbuf *sb, const char *dir, const char *file, bnx_error *err)
{
    char path[8400];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return bnx_sb_write(sb, path, err);
}

int bnx_run_page_write(const bnx_run_page *pg, bnx_error *err)
{
    const bnx_plan *plan = pg->plan;
    bnx_strbuf sb = {0};
    char title[512];
    snprintf(title, sizeof title, "bnexp: %s, run %s", plan->experiment,
             plan->tag[0] ? plan->tag : pg->shown);
    page_head(&sb, title);
    bnx_sb_printf(&sb, "<h1>");
    bnx_sb_html(&sb, plan->description[0] ? plan->description : plan->experiment);
    bnx_sb_printf(&sb, "</h1>\n<p class=\"meta\">Experiment <b>");
    bnx_sb_html(&sb, plan->experiment);
    bnx_sb_printf(&sb, "</b>, run <code>");
    bnx_sb_html(&sb, pg->shown);
    bnx_sb_printf(&sb, "</code>");
    if (plan->tag[0]) {
        bnx_sb_printf(&sb, ", tag <b>");
        bnx_sb_html(&sb, plan->tag);
        bnx_sb_printf(&sb, "</b>");
    }
    bnx_sb_printf(&sb, "; planned ");
    bnx_sb_html(&sb, plan->created_utc);
    bnx_sb_printf(&sb, " by bnexp ");
    bnx_sb_html(&sb, plan->bnexp);
    bnx_sb_printf(&sb, "; %d trial(s).</p>\n", plan->num_trials);

    /* how it was made */
    bnx_sb_printf(&sb, "<h2>Design</h2>\n<p>Command: <code>bnexp run ");
    bnx_sb_html(&sb, plan->experiment);
    if (plan->overrides[0]) {
        bnx_sb_printf(&sb, " ");
        bnx_sb_html(&sb, plan->overrides);
    }
    bnx_sb_printf(&sb, "</code>. Departures from the experiment file: ");
    if (plan->overrides[0]) {
        bnx_sb_printf(&sb, "<code>");
        bnx_sb_html(&sb, plan->overrides);
        bnx_sb_printf(&sb, "</code>");
    } else {
        bnx_sb_printf(&sb, "none");
    }
    bnx_sb_printf(&sb, ". Swept keys: ");
    for (int k = 0; k < plan->num_swept; k++) {
        bnx_sb_printf(&sb, "%s<code>", k ? ", " : "");
        bnx_sb_html(&sb, plan->swept[k]);
        bnx_sb_printf(&sb, "</code>");
    }
    bnx_sb_printf(&sb, "%s.", plan->num_swept ? "" : "none");
    file_link(&sb, pg->run_dir, "experiment.ini", " The file as run: ");
    file_link(&sb, pg->run_dir, "plan.json", "; every trial's resolved config: ");
    bnx_sb_printf(&sb, "</p>\n");
    if (plan->num_datasets) {
        bnx_sb_printf(&sb, "<p>Data:</p>\n<ul>\n");
        for (int d = 0; d < plan->num_datasets; d++)
            for (int f = 0; f < plan->datasets[d].count; f++) {
                bnx_sb_printf(&sb, "<li>");
                bnx_sb_html(&sb, plan->datasets[d].name);
                bnx_sb_printf(&sb, " <code>");
                bnx_sb_html(&sb, plan->datasets[d].file[f]);
                bnx_sb_printf(&sb, "</code> SHA-256 <code>%s</code></li>\n",
                              plan->datasets[d].sha256[f]);
            }
        bnx_sb_printf(&sb, "</ul>\n");
    }

    /* charts */
    bnx_sb_printf(&sb, "<h2>Charts</h2>\n<div class=\"charts\">\n");
    if (pg->num_charts == 0)
        bnx_sb_printf(&sb, "<p>No chart could be drawn (no trial has a record yet).</p>\n");
    for (int i = 0; i < pg->num_charts; i++) {
        if (!exists_under(pg->run_dir, pg->charts[i]))
            continue;
        html_figure(&sb, pg->charts[i], 1);
    }
    bnx_sb_printf(&sb, "</div>\n");
    if (pg->num_missed) {
        bnx_sb_printf(&sb, "<p>Not drawn (<code>bnexp plot NAME</code> says the same):</p>\n<ul>\n");
        for (int i = 0; i < pg->num_missed; i++) {
            bnx_sb_printf(&sb, "<li>");
            bnx_sb_html(&sb, pg->missed[i]);
            bnx_sb_printf(&sb, "</li>\n");
        }
        bnx_sb_printf(&sb, "</ul>\n");
    }

    /* the report */
    if (pg->report_md) {
        char *html;
        int rc = bnx_markdown_html(pg->report_md, &html, err);
        if (rc) {
            free(sb.p);
            return rc;
        }
        bnx_sb_printf(&sb, "<h2>Report</h2>\n%s", html);
        free(html);
    }

    /* the trials */
    const bnx_run_status *st = pg->status;
    bnx_sb_printf(&sb, "<h2>Trials</h2>\n<table>\n<thead><tr><th>index</th><th>variant</th>"
                  "<th>seed</th><th>state</th><th>step</th><th>test accuracy</th>"
                  "<th>where</th><th>files</th></tr></thead>\n<tbody>\n");
    for (int i = 0; st && i < plan->num_trials; i++) {
        const bnx_plan_trial *t = &plan->trials[i];
        const bnx_trial_standing *ts = &st->trials[i];
        char state[64];
        bnx_trial_standing_text(ts, state, sizeof state);
        bnx_sb_printf(&sb, "<tr><td>%d</td><td>", i);
        bnx_sb_html(&sb, t->variant);
        bnx_sb_printf(&sb, "</td><td>%ld</td><td>%s</td><td>", t->seed, state);
        if (ts->step >= 0)
            bnx_sb_printf(&sb, "%ld/%ld", ts->step, t->config.steps);
        bnx_sb_printf(&sb, "</td><td>");
        if (ts->step >= 0 && isfinite(ts->test_accuracy))
            bnx_sb_printf(&sb, "%.4f", ts->test_accuracy);
        bnx_sb_printf(&sb, "</td><td>");
        bnx_sb_html(&sb, ts->error[0] ? ts->error : ts->where);
        bnx_sb_printf(&sb, "</td><td>");
        trial_files(&sb, pg->run_dir, t->dir);
        bnx_sb_printf(&sb, "</td></tr>\n");
    }
    bnx_sb_printf(&sb, "</tbody>\n</table>\n");

    /* the run's own files */
    static const char *const files[] = {"summary.csv", "curves.csv", "sweep.csv",
                                        "histograms-fraction.csv", "ics-stats.csv",
                                        "weights-stats.csv", "landscape-stats.csv",
                                        "time-gradients-stats.csv", "step-stats-stats.csv",
                                        "report.md", "plan.json", "experiment.ini", NULL};
    bnx_sb_printf(&sb, "<h2>Files</h2>\n<ul class=\"files\">\n");
    for (int i = 0; files[i]; i++)
        file_link(&sb, pg->run_dir, files[i], "<li>");
    bnx_sb_printf(&sb, "</ul>\n<p class=\"meta\">Written by bnexp report "
                  "(docs/reference/outputs.md describes every file).</p>\n</body>\n</html>\n");
    return write_page(&sb, pg->run_dir, "index.html", err);
}

int bnx_claims_page_write(const char *runs_dir, const char *claims_md, bnx_error *err)
{
    bnx_strbuf sb = {0};
    page_head(&sb, "bnexp: the claims table");
    char *html;
    int rc = bnx_markdown_html(claims_md, &html, err);
    if (rc) {
        free(sb.p);
        return rc;
    }
    bnx_sb_printf(&sb, "%s", html);
    free(html);
    /* each chart a row links to, shown: "[chart](PATH)" */
    bnx_sb_printf(&sb, "<h2>Charts</h2>\n<div class=\"charts\">\n");
    int shown = 0;
    for (const char *p = strstr(claims_md, "[chart]("); p; p = strstr(p + 1, "[chart](")) {
        const char *a = p + 8, *e = strchr(a, ')');
        if (!e || e - a >= 1024)
            continue;
        char rel[1024];
        snprintf(rel, sizeof rel, "%.*s", (int)(e - a), a);
        if (strstr(rel, "..") || rel[0] == '/' || !exists_under(runs_dir, rel))
            continue;
        html_figure(&sb, rel, 0);
        shown++;
    }
    bnx_sb_printf(&sb, "</div>\n");
    if (!shown)
        bnx_sb_printf(&sb, "<p>No row has a chart.</p>\n");
    bnx_sb_printf(&sb, "</body>\n</html>\n");
    return write_page(&sb, runs_dir, "claims.html", err);
}

int bnx_run_page_make(const char *run_dir, const char *shown, const char *report_md,
                      int *skipped, bnx_error *err)
{
    static bnx_plan plan;
    int rc = bnx_run_plan_read(run_dir, "the page shows the run's design from it", &plan, err);
    bnx_run_status st = {0};
    if (rc == BNX_OK)
        rc = bnx_run_status_read(run_dir, &plan, &st, err);
    char(*rel)[4400] = rc == BNX_OK ? calloc((size_t)bnx_chart_count(), sizeof *rel) : NULL;
    const char **charts = rc == BNX_OK ? calloc((size_t)bnx_chart_count(), sizeof *charts) : NULL;
    char(*why)[1100] = rc == BNX_OK ? calloc((size_t)bnx_chart_count(), sizeof *why) : NULL;
    const char **missed = rc == BNX_OK ? calloc((size_t)bnx_chart_count(), sizeof *missed) : NULL;
    if (rc == BNX_OK && (!rel || !charts || !why || !missed))
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory for the run's page");
    int n = 0, nmissed = 0;
    size_t prefix = strlen(run_dir);
    while (prefix > 1 && run_dir[prefix - 1] == '/')
        prefix--;
    for (int i = 0; rc == BNX_OK && i < bnx_chart_count(); i++) {
        const bnx_chart *c = bnx_chart_at(i);
        if (strcmp(c->name, "curve") == 0 || plan.num_trials == 0)
            continue;
        bnx_chart_opts o = {.num_runs = 1, .runs = {run_dir}, .shown = {shown}, .format = "svg",
                            .experiment = plan.experiment};
        if (strcmp(c->name, "sweep") == 0) {
            if (plan.num_swept == 0)
                continue;
            o.x = plan.swept[0];
        } else if (strcmp(c->csv, "summary.csv") != 0) {
            char csv[4400];
            if (bnx_run_trial_path(run_dir, plan.trials[0].variant, plan.trials[0].seed, c->csv,
                                   csv, sizeof csv) ||
                access(csv, R_OK) != 0)
                continue;
        }
        bnx_chart_result res;
        bnx_error chart_err = {0};
        int drawn = bnx_chart_render(c, &o, &res, &chart_err) == BNX_OK;
        if (drawn && !(strncmp(res.outfile, run_dir, prefix) == 0 && res.outfile[prefix] == '/'))
            snprintf(chart_err.msg, sizeof chart_err.msg, "drawn as %.900s, outside the run's "
                     "directory", res.outfile);
        if (drawn && !chart_err.msg[0]) {
            const char *r = res.outfile + prefix;
            while (*r == '/') /* a run_dir given with a trailing slash */
                r++;
            snprintf(rel[n], sizeof rel[n], "%s", r);
            charts[n] = rel[n];
            n++;
        } else {
            snprintf(why[nmissed], sizeof why[nmissed], "%s: %s", c->name, chart_err.msg);
            missed[nmissed] = why[nmissed];
            nmissed++;
        }
        bnx_chart_result_free(&res);
    }
    if (skipped)
        *skipped = nmissed;
    if (rc == BNX_OK) {
        bnx_run_page page = {run_dir, shown, &plan, &st, report_md, n, charts, nmissed, missed};
        rc = bnx_run_page_write(&page, err);
    }
    free(rel);
    free(charts);
    free(why);
    free(missed);
    bnx_run_status_free(&st);
    bnx_plan_free(&plan);
    return rc;
}
