/* bnexp: reproduce Ioffe & Szegedy (2015), "Batch Normalization", on a CPU.
 * This file is the table of subcommands; each one lives in cmd_NAME.c. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "io/roff.h"
#include "io/strbuf.h"
#include "core/paths.h"
#include "core/suggest.h"
#include "spec/plan.h"

static const struct command {
    const char *name;
    bnx_cmd_fn fn;
    const char *summary;
    const char *usage; /* printed by --help and `bnexp help NAME` */
} commands[] = {
    {"run", cmd_run, "train every variant of an experiment",
     "usage: bnexp run EXPERIMENT [options]\n"
     "       bnexp run PATH.ini [options]\n"
     "       bnexp run EXPERIMENT --resume [RUN] [--jobs J] [--launcher L [options]]\n"
     "       bnexp run EXPERIMENT --launcher slurm [--sbatch \"OPTIONS\"] [--max-parallel N]\n"
     "                            [--wait] [options]\n"
     "       bnexp run EXPERIMENT --launcher parallel [--jobs J] [--sshlogin LOGINS] [options]\n"
     "       bnexp run EXPERIMENT --until-decided [options]\n"
     "       bnexp run claims [--only E1,E2] [--jobs J] [--seeds N] [--dry-run] [--first-look]\n"
     "                        [--launcher L [--sbatch ...] [--max-parallel N] [--wait]\n"
     "                        [--sshlogin S]]\n"
     "       bnexp run claims --resume [SUITE] [--jobs J] [--launcher L [options]]\n"
     "\n"
     "Train every variant of experiments/EXPERIMENT.ini, each seed of it a trial in\n"
     "its own process.  First RUN/plan.json is written: every trial's fully resolved\n"
     "config (defaults < [experiment] < [variant] < grid point < --set), seed and\n"
     "directory, and\n"
     "the datasets' SHA-256, with a copy of the experiment file (RUN/experiment.ini);\n"
     "the trials run from the plan only.  Each writes RUN/VARIANT/seed-K/{metrics,\n"
     "activations,histograms}.csv, ics.csv (ics = true), landscape.csv\n"
     "(landscape_points > 0), scale.csv (scale_check = true) and manifest.json; then\n"
     "RUN/summary.csv (one row per trial) is written and a table of the trials\n"
     "printed.\n"
     "\n"
     "`bnexp run claims` runs every experiment with a verdict rule ([verdict]\n"
     "sections; --only: just these), each planned as `bnexp run NAME` would (its own\n"
     "RUN and latest), all their trials in one queue, longest expected first (FLOPs\n"
     "from each trial's network, steps and records; --dry-run prints the queue and\n"
     "the estimates): --jobs at once here, or as one GNU parallel, or one Slurm job\n"
     "array (SUITE/tasks.txt).  An experiment's summary.csv and verdicts come as soon\n"
     "as its last trial ends; then the claims table (bnexp report claims).  The\n"
     "suite is runs/claims/STAMP (suite.json names its runs; runs/claims/latest);\n"
     "after an interrupt, or once a Slurm job has ended, `bnexp run claims --resume\n"
     "[SUITE]` runs every unfinished trial in one queue, then writes the table.\n"
     "\n"
     "Two looks: an experiment with `seeds = S` and `max_seeds = M` is decided first\n"
     "on seeds 1-S; where a rule is inconclusive there, `bnexp run claims` (and\n"
     "`bnexp run EXPERIMENT --until-decided`) adds seeds S+1..M to every variant of\n"
     "that run (its plan.json grows; the trials run as a resumed run's) and decides\n"
     "only the inconclusive points again, once, on all seeds; each look at the 97.5%\n"
     "level (docs/guide/experiments.md).\n"
     "\n"
     "RUN is a new directory runs/EXPERIMENT/YYYYMMDD-HHMMSS (UTC; -2, -3, ... added\n"
     "if it exists), and runs/EXPERIMENT/latest is a relative symlink to it, moved\n"
     "when the run starts.  A run never overwrites an earlier one.  With --out DIR,\n"
     "RUN is DIR and `latest` is left alone.\n"
     "\n"
     "options:\n"
     "  --set KEY=VALUE   override an experiment key for every variant (repeatable)\n"
     "  --grid KEY=V1,V2,...  sweep KEY: replace its values in the file's grids, or\n"
     "                    add it to them (repeatable); values as in [grid]: a list,\n"
     "                    [a,b] for one list value, A:B:xF (A, A*F, ... up to B) or\n"
     "                    A:B:+S (A, A+S, ... up to B)\n"
     "  --dry-run         print every trial (variant, seed, swept values) and the\n"
     "                    estimated memory; create nothing\n"
     "  --seeds N         run every variant with seeds 1, 2, ..., N (default: the\n"
     "                    experiment's `seeds`, if it has one)\n"
     "  --seed K          run every variant with seed K only (default: the\n"
     "                    experiment's `seed`); not with --seeds\n"
     "  --variants A,B    run only these variants\n"
     "  --jobs J          trials run as J parallel processes (default: number of cores)\n"
     "  --threads T       threads per trial, kernels and BLAS (default 1)\n"
     "  --out DIR         write the run to DIR instead of runs/EXPERIMENT/DATE-TIME;\n"
     "                    refused if DIR holds the same trials, unless --force\n"
     "  --force           with --out: replace trial directories left by an earlier run\n"
     "  --resume [RUN]    continue the unfinished trials of run directory RUN (default\n"
     "                    runs/EXPERIMENT/latest) from their checkpoints, each with\n"
     "                    exactly the config the run planned for it (RUN/plan.json;\n"
     "                    the experiment file is not read again); only --jobs and\n"
     "                    the launcher options can be given with it\n"
     "  --launcher L      where the trials run, each as `bnexp trial RUN INDEX`:\n"
     "                    local (default) processes on this machine, --jobs at once;\n"
     "                    parallel  GNU parallel over RUN/commands.txt (one trial\n"
     "                              command a line, also for your own parallel or\n"
     "                              xargs), --jobs at once, then summary.csv;\n"
     "                    slurm     RUN/slurm.sh, a Slurm job array of the unfinished\n"
     "                              trials (--cpus-per-task from --threads, logs in\n"
     "                              RUN/logs/), submitted with sbatch, the job id\n"
     "                              recorded in RUN/slurm.json; bnexp returns at once\n"
     "                              (bnexp status, bnexp collect) unless --wait\n"
     "  --sbatch \"OPTS\"   slurm: more sbatch options, e.g. \"--partition=cpu\n"
     "                    --time=1:00:00\" (written to slurm.sh as one #SBATCH line)\n"
     "  --max-parallel N  slurm: at most N array tasks at once (--array=...%N)\n"
     "  --wait            slurm: wait until the job has left the queue, showing the\n"
     "                    trials' states, then write summary.csv\n"
     "  --sshlogin LOGINS parallel: GNU parallel's --sshlogin, e.g. 8/node1,8/node2\n"
     "                    (the nodes need the same paths: a shared file system)\n"
     "  --until-decided   once the trials have ended, run the second look of a\n"
     "                    two-stage experiment (max_seeds) where a rule is\n"
     "                    inconclusive at the first, then print the verdicts; with\n"
     "                    --resume too; with slurm only with --wait\n"
     "  --first-look      run claims: the first look only (no seeds added)\n"
     "  -h, --help        show this help\n"
     "\n"
     "EXPERIMENT is experiments/EXPERIMENT.ini in bnexp's home ($BNEXP_HOME, the\n"
     "checkout holding the executable, or ../share/bnexp beside an installed one),\n"
     "or any PATH.ini (its name: the file name).  A\n"
     "[grid] or [grid.NAME] section sweeps keys: every variant x every point of\n"
     "each grid (the union over named grids), each point a variant named\n"
     "VARIANT-KEY-VALUE...; the swept keys are summary.csv's last columns.\n"
     "\n"
     "Every trial saves RUN/VARIANT/seed-K/checkpoint.bin every checkpoint_every\n"
     "steps and at the end.  Ctrl-C (SIGINT) or SIGTERM stops every trial at its\n"
     "next step with a checkpoint, whole CSVs and status \"interrupted\"; a second\n"
     "Ctrl-C stops them at once.  A resumed trial writes the same rows as one that\n"
     "was never stopped; a checkpoint of another config, dataset or format version,\n"
     "or a damaged one, is refused.\n"
     "\n"
     "Exit status: 0 if every trial finished (a diverged trial is a result), 1 if a\n"
     "trial failed (the others still run to the end) or at another error, 2 for a\n"
     "usage error, 130 / 143 when stopped by SIGINT / SIGTERM.\n"},
    {"trial", cmd_trial, "run one trial of a run's plan (a Slurm or parallel job)",
     "usage: bnexp trial RUN [INDEX]\n"
     "\n"
     "Run trial INDEX (0, 1, ... in RUN/plan.json's order; default: $SLURM_ARRAY_TASK_ID)\n"
     "of the run directory RUN (or, RUN a suite of `bnexp run claims`, the INDEX-th\n"
     "trial of its queue, SUITE/tasks.txt) in this process, exactly as the plan holds it: what\n"
     "`bnexp run --launcher parallel` and `--launcher slurm` run for each trial, and\n"
     "what you can run yourself (xargs, another scheduler).  The dataset is verified\n"
     "against the plan's SHA-256 first; a node with other data is refused before\n"
     "anything is written.  The trial writes only below RUN/VARIANT/seed-K: its CSVs,\n"
     "checkpoint.bin, running.json while it runs (host, pid, Slurm job) and\n"
     "manifest.json when it ends.  A trial with a checkpoint continues from it (a\n"
     "preempted or requeued task resumes); one that has finished is not run again; one\n"
     "that another process is running (its lock, RUN/VARIANT/seed-K/.lock) is refused.\n"
     "SIGINT, SIGTERM (Slurm's, before it kills a task) or SIGHUP stop it at the next\n"
     "step with a checkpoint and status interrupted; a second one at once.\n"
     "\n"
     "Exit status: 0 if the trial is done or diverged, 1 if it failed, 2 for a usage\n"
     "error (an INDEX out of range), 128 + the signal when a signal interrupted it.\n"
     "\n"
     "options:\n"
     "  -h, --help        show this help\n"},
    {"collect", cmd_collect, "write a run's summary.csv from its trial directories",
     "usage: bnexp collect [EXPERIMENT | --run DIR]\n"
     "\n"
     "Write RUN/summary.csv (docs/reference/outputs.md) for the latest run of EXPERIMENT\n"
     "(runs/EXPERIMENT/latest), or the run directory DIR, from its trials' manifests:\n"
     "one row per trial that has ended (done, diverged, failed or interrupted), in\n"
     "the plan's order, so every launcher's summary of the same trials is the same\n"
     "file.  Trials that have not ended (pending, running, killed) are named and left\n"
     "out.  Idempotent; written whole or not at all; a second collect of the same run\n"
     "at the same time is refused.  Warns when the trials ran on machines that select\n"
     "different kernels (each manifest's \"machine\": kernel build, OpenBLAS core, CPU\n"
     "model), whose numbers may differ in the last bits.\n"
     "\n"
     "Exit status: 0 if every planned trial is in summary.csv, 1 if some are missing\n"
     "or at another error (a damaged manifest: nothing is written), 2 for a usage error.\n"
     "\n"
     "options:\n"
     "  --run DIR         the run directory (instead of EXPERIMENT)\n"
     "  -h, --help        show this help\n"},
    {"data", cmd_data, "fetch, verify and list datasets", cmd_data_usage},
    {"plot", cmd_plot, "render charts of a run with gnuplot",
     "usage: bnexp plot CHART [EXPERIMENT | --run DIR] [--format png|svg|pdf]\n"
     "       bnexp plot sweep [EXPERIMENT | --run DIR] --x KEY [--y COLUMN] [--by KEY,...]\n"
     "                        [--logx] [--format png|svg|pdf]\n"
     "       bnexp plot curve [EXPERIMENT | --run DIR [--run DIR ...]] --y COLUMN\n"
     "                        [--x step|epoch|examples] [--logy] [--format png|svg|pdf]\n"
     "\n"
     "Render CHART of the latest run of EXPERIMENT (runs/EXPERIMENT/latest;\n"
     "EXPERIMENT defaults to fig1), or of the run directory DIR, into\n"
     "RUN/plots/EXPERIMENT-CHART.FORMAT.\n"
     "\n"
     "charts:\n"
     "  accuracy      test accuracy vs training step, one colour per variant (Figs. 1a,\n"
     "                2); with several seeds the line is the mean over the seeds and\n"
     "                the shaded band spans their minimum to maximum\n"
     "  loss          training loss vs training step on a log scale, the same way\n"
     "  activations   15th/50th/85th percentiles of the probed sigmoid input over\n"
     "                training, one panel per variant (its lowest seed) (Fig. 1b,c)\n"
     "  histograms    every fully connected hidden layer's pre-activation histogram\n"
     "                (histograms.csv) over training as a heatmap: step on x, value on\n"
     "                y, colour the share of the layer's values in the bin; a panel\n"
     "                per variant (its lowest seed) and layer, at most 24.  Its\n"
     "                numbers go to RUN/histograms-fraction.csv\n"
     "  ics           internal covariate shift (ics.csv) per hidden layer over\n"
     "                training: a row per metric (mean shift, std ratio and W1 before\n"
     "                the normalization and at the nonlinearity's input; Santurkar et\n"
     "                al.'s ||G - G'|| and cos(G, G')), a column per variant, a colour\n"
     "                per layer, mean and min-max band over seeds; shared y per row.\n"
     "                Its numbers go to RUN/ics-stats.csv\n"
     "  weights       ics.csv's weights rows as ics draws its rows: ||W|| of each hidden\n"
     "                block's weight layer, the effective step ||dW|| / ||W|| of the\n"
     "                step's SGD update and ||dL/dW||, over training (ics = true).  Its\n"
     "                numbers go to RUN/weights-stats.csv\n"
     "  landscape     the loss landscape along the gradient (landscape.csv;\n"
     "                Santurkar et al. 2018, Fig. 4), three panels, a colour per\n"
     "                variant: the loss's range over the moves (band) and the loss\n"
     "                (line); the gradient change's range; the effective\n"
     "                beta-smoothness (line: mean over seeds, band: min to max).  Its\n"
     "                numbers go to RUN/landscape-stats.csv\n"
     "  time-gradients  ||dL/dh_t|| against the time step t (time_gradients.csv;\n"
     "                Cooijmans et al. 2016, Fig. 1): each variant's top LSTM layer\n"
     "                at step 1 and at the last step every seed recorded, log y, mean\n"
     "                and min-max band over seeds.  Its numbers go to\n"
     "                RUN/time-gradients-stats.csv\n"
     "  step-stats    recurrent BN's running_mean and sqrt(running_var) against t\n"
     "                (step_stats.csv), layer 1, a column per site (x, h, c): mean\n"
     "                over units with a +-1 sd band, a colour per variant.  Its\n"
     "                numbers go to RUN/step-stats-stats.csv\n"
     "  curve         any metrics.csv column (--y: test_loss, train_accuracy, lr, ...)\n"
     "                over training, against steps, epochs or examples seen (--x),\n"
     "                mean and min-max band over seeds; several runs on one chart\n"
     "                with --run A --run B (a variant name in both gets its run's\n"
     "                name in front).  Written to the first run's plots/ as\n"
     "                EXPERIMENT-curve-COLUMN[-X].FORMAT, its numbers to\n"
     "                RUN/curves-COLUMN.csv\n"
     "  sweep         a summary.csv column (--y, default final_test_accuracy) against\n"
     "                a swept key (--x), one line per value of the --by keys (default:\n"
     "                every other key that varies); a point is the mean over the\n"
     "                seeds with an error bar of one sample sd; diverged trials are\n"
     "                left out and marked with a cross at the bottom.  Written to\n"
     "                RUN/plots/EXPERIMENT-sweep-X[-by-BY][-Y].FORMAT, its numbers to\n"
     "                RUN/sweep.csv.  An --x that does not vary in the run is refused\n"
     "\n"
     "accuracy and loss first write RUN/curves.csv, the per-step mean, sd, min and\n"
     "max over seeds that the chart draws.  A variant's line stops at the last step\n"
     "every one of its seeds recorded (a diverged seed stops it there).\n"
     "\n"
     "options:\n"
     "  --run DIR         the run directory (instead of EXPERIMENT); curve: repeatable\n"
     "  --format F        png (default), svg or pdf\n"
     "  --x KEY           sweep: the key on the x axis (one the run sweeps)\n"
     "  --y COLUMN        sweep: the summary.csv column on y (default final_test_accuracy)\n"
     "  --by KEY[,KEY]    sweep: one line per value of these keys\n"
     "  --logx            sweep: log scale on x (numeric, positive values)\n"
     "  --logy            curve: log scale on y\n"
     "  -h, --help        show this help\n"},
    {"report", cmd_report, "the steps-to-accuracy table of a run (Fig. 3); the claims table",
     "usage: bnexp report [EXPERIMENT | --run DIR] [--baseline VARIANT | --pair KEY=VALUE]\n"
     "                    [--until STEP]\n"
     "       bnexp report claims [--runs DIR] [--no-charts]\n"
     "\n"
     "Print the Fig. 3 table of the latest run of EXPERIMENT (runs/EXPERIMENT/latest;\n"
     "EXPERIMENT defaults to fig1), or of the run directory DIR, as Markdown, and\n"
     "write it to RUN/report.md.  Per variant, over its seeds (mean ± sd): steps to\n"
     "reach the baseline's best test accuracy (per seed: the best accuracy of the\n"
     "baseline's trial with the same seed), the speed-up in those steps relative to\n"
     "the baseline, max and final test accuracy, diverged trials, wall time.\n"
     "report.md defines every column.  Reads RUN/summary.csv and every trial's\n"
     "metrics.csv; a trial with no metrics.csv or no record yet is marked missing\n"
     "and left out; without a usable baseline the table has no targets (it says\n"
     "why); a damaged CSV is refused and nothing is written.\n"
     "\n"
     "With --pair KEY=VALUE (a grid, e.g. --pair bn=false), each variant is measured\n"
     "against its own twin instead: the variant with the same config but KEY = VALUE\n"
     "(from RUN/plan.json); steps to the twin's best accuracy, the speed-up, and\n"
     "both variants' max and final accuracy; a variant with no twin is marked so.\n"
     "\n"
     "With --until STEP, every trial's records after STEP are left out: the table a\n"
     "run of STEP steps would have given (learning-rate schedules and records do not\n"
     "depend on the total), written to RUN/report-until-STEP.md, without verdicts.\n"
     "\n"
     "When the run's experiment file (RUN/experiment.ini) has verdict rules\n"
     "([verdict] sections, docs/guide/experiments.md), report.md ends with\n"
     "each rule decided on the run: holds, does not hold, mixed, inconclusive or\n"
     "undecided, with the numbers and the 95% interval at every point.\n"
     "\n"
     "`bnexp report claims` decides every rule of every experiment file on the\n"
     "experiment's newest run of its file as committed (no --set, --grid or\n"
     "--variants, at least the file's seeds; newer runs that do not qualify are\n"
     "named), using the rule the run froze in its copy of the file, renders each\n"
     "rule's chart, and writes RUNS/claims.md (printed) and RUNS/claims.csv: one\n"
     "row per rule (claim, statement, source, experiment, estimate with its 95%\n"
     "interval over the seeds, verdict, whether the rule was written before its\n"
     "run or amended, chart); an experiment without a run is listed as not run,\n"
     "with the command that runs it.  With --run DIR, that run decides its\n"
     "experiment's rows whatever it was run with, and the rows say so.\n"
     "\n"
     "options:\n"
     "  --run DIR         the run directory (instead of EXPERIMENT); report claims:\n"
     "                    the run that decides its experiment's rows\n"
     "  --runs DIR        report claims: the runs directory (default runs)\n"
     "  --no-charts       report claims: link no chart (gnuplot is not run)\n"
     "  --baseline V      the variant the others are measured against (default:\n"
     "                    no-bn, or baseline if the run has no no-bn)\n"
     "  --pair KEY=VALUE  measure each variant against its twin with KEY = VALUE\n"
     "  --until STEP      only the records up to STEP (report-until-STEP.md)\n"
     "  -h, --help        show this help\n"},
    {"status", cmd_status, "where every trial of a run stands",
     "usage: bnexp status [EXPERIMENT | --run DIR]\n"
     "\n"
     "For the latest run of EXPERIMENT (runs/EXPERIMENT/latest), or the run directory\n"
     "DIR, list every trial its plan (RUN/plan.json) holds: its status, the step and\n"
     "test accuracy of its last record (metrics.csv, read as it is being written),\n"
     "where it runs or ran, and the counts.  Statuses:\n"
     "  pending      not started (with Slurm: queued, or not submitted)\n"
     "  running      its process holds the trial's lock (on this or another node)\n"
     "  done, diverged, failed, interrupted   from its manifest.json\n"
     "  interrupted (killed)   started, and ended without a manifest\n"
     "For a run submitted to Slurm (RUN/slurm.json) the queue's state of each array\n"
     "task is shown too (squeue, where it is on PATH).  Reads only; works while the\n"
     "run is going, on any launcher.\n"
     "\n"
     "options:\n"
     "  --run DIR         the run directory (instead of EXPERIMENT)\n"
     "  -h, --help        show this help\n"},
    {"eval", cmd_eval, "evaluate a trained trial: statistics, test mini-batch, inputs",
     "usage: bnexp eval [EXPERIMENT | --run DIR] [--variant V] [--seed K]\n"
     "                  [--stats batch|ema|population|reestimate] [--batch-size B]\n"
     "                  [--transform shift=A|scale=S|invert] [--update-running]\n"
     "\n"
     "Evaluate one trial of the latest run of EXPERIMENT (runs/EXPERIMENT/latest), or\n"
     "of the run directory DIR, from its checkpoint (weights and normalization\n"
     "state, as the trial left them) on the whole test set, in test mini-batches of\n"
     "B in order.  Prints the test accuracy and loss and how many classes the\n"
     "network predicted, and appends a row to RUN/eval.csv (docs/reference/outputs.md).\n"
     "Nothing else is written; the checkpoint is never changed.  An experiment file's\n"
     "[eval.NAME] sections make the same evaluations of every trial once it is\n"
     "done, into the trial's own eval.csv, where verdict rules read them\n"
     "(docs/guide/experiments.md).\n"
     "\n"
     "--stats says which statistics the normalization layers use:\n"
     "  batch       each test mini-batch's own, as in training mode (Algorithm 1);\n"
     "              the result depends on B, and a fully connected BN layer at B = 1\n"
     "              outputs beta for every input\n"
     "  ema         the moving averages (running_mean, running_var)\n"
     "  population  Algorithm 2: averages over population_batches training mini-batches\n"
     "  reestimate  Algorithm 2 over the transformed training images, the weights\n"
     "              untouched (AdaBN, Li et al. 2016); without --transform the same\n"
     "              as population\n"
     "Kinds without running statistics (layer, group, instance, online) give the same\n"
     "result with every --stats.\n"
     "\n"
     "options:\n"
     "  --run DIR         the run directory (instead of EXPERIMENT)\n"
     "  --variant V       the variant (default: the run's only one; refused if it has several)\n"
     "  --seed K          the seed (default: the variant's lowest)\n"
     "  --stats S         batch, ema, population or reestimate (default ema)\n"
     "  --batch-size B    test examples per forward pass, 1 to 65536 (default 100)\n"
     "  --transform T     change the test (and, for reestimate, training) images'\n"
     "                    raw [0, 1] pixels before standardisation, clipped to [0, 1]:\n"
     "                    shift=A adds A (brightness), scale=S maps x to 0.5 + S (x - 0.5)\n"
     "                    (contrast), invert maps x to 1 - x; |A|, |S| below 10\n"
     "  --update-running  with --stats batch: let the pass update the moving averages,\n"
     "                    as a network left in training mode does, and print the\n"
     "                    moving-average accuracy before and after it (the pitfall);\n"
     "                    refused with other --stats\n"
     "  -h, --help        show this help\n"},
    {"list", cmd_list, "list experiments, datasets, charts, models, normalizations, probes, measures and keys",
     "usage: bnexp list\n"
     "       bnexp list --markdown keys|charts|normalizations|models|probes|measures|datasets\n"
     "\n"
     "List the experiments in experiments/, the datasets bnexp knows (and whether\n"
     "they are present), the chart kinds `bnexp plot` draws, the network types\n"
     "the key model takes (what each builds and the keys it reads), the kinds of\n"
     "normalization the keys norm and norm_fc take, the probes (the measurements a\n"
     "trial writes beside metrics.csv, the files they write and the keys that set\n"
     "them), the measures a verdict rule's measure is made of (mean, sd, best,\n"
     "largest, ...: how each is written and what it is), and every key an\n"
     "experiment file, --set or --grid can give, with its default, the values it\n"
     "takes and its meaning.\n"
     "\n"
     "--markdown prints one of those tables as a Markdown reference page, from\n"
     "the same tables bnexp runs on: `make docs` writes docs/reference/ with it,\n"
     "and `make check` fails when a page there differs from what bnexp prints.\n"},
    {"help", cmd_help, "show help for a subcommand",
     "usage: bnexp help [COMMAND]\n"
     "       bnexp help --man [COMMAND]\n"
     "       bnexp help --commands\n"
     "\n"
     "Print the help of COMMAND (what `bnexp COMMAND --help` prints), or the list\n"
     "of commands.  --man prints the same text as a man page (roff), bnexp(1)\n"
     "without COMMAND: `make man` writes build/man/ from it and `make install`\n"
     "installs the pages.  --commands prints the command names, one a line.\n"},
};
static const int num_commands = (int)(sizeof commands / sizeof commands[0]);

static void print_overview(FILE *f)
{
    fprintf(f, "usage: bnexp COMMAND [options]    (bnexp help COMMAND for more)\n\n"
               "Reproduce Ioffe & Szegedy (2015), \"Batch Normalization\", on a CPU.\n\n"
               "commands:\n");
    for (int i = 0; i < num_commands; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n  --version  print the version\n");
}

/* Command `name`; or NULL, having said under `prefix` that it is unknown
 * (with the closest name, core/suggest.h). */
static const struct command *find_command(const char *prefix, const char *name)
{
    const char *names[sizeof commands / sizeof commands[0]], *near;
    for (int i = 0; i < num_commands; i++)
        if (strcmp((names[i] = commands[i].name), name) == 0)
            return &commands[i];
    near = bnx_suggest(name, names, num_commands);
    cli_error(2, "%sunknown command '%s'%s%s%s (try: bnexp help)", prefix, name,
              near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
    return NULL;
}

int cli_print_help(const char *name)
{
    const struct command *c = find_command("", name);
    return c ? (fputs(c->usage, stdout), 0) : 2;
}

int cli_error(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bnexp: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return status;
}

void cli_note(void *ctx, int kind, const char *text)
{
    (void)ctx;
    fprintf(stderr, "%s%s\n", kind == BNX_NOTE_SAY ? "bnexp: " : "", text);
}

int cli_bad_option(const char *cmd, int opt, char **argv)
{
    if (opt == ':')
        return cli_error(2, "%s: option %s needs a value (see bnexp %s --help)", cmd,
                         argv[optind - 1], cmd);
    if (optopt)
        return cli_error(2, "%s: unknown option -%c (see bnexp %s --help)", cmd, optopt, cmd);
    return cli_error(2, "%s: unknown option '%s' (see bnexp %s --help)", cmd, argv[optind - 1], cmd);
}

int cli_run_dir(const char *cmd, const char *experiment, const char *run_opt, char *dir,
                size_t size, char *shown, size_t shown_size)
{
    if (experiment && run_opt)
        return cli_error(2, "%s: give an experiment or --run DIR, not both", cmd);
    if (!experiment && !run_opt)
        experiment = "fig1";
    if (run_opt) {
        if ((size_t)snprintf(dir, size, "%s", run_opt) >= size)
            return cli_error(2, "%s: --run path is too long", cmd);
    } else if (!bnx_name_is_safe(experiment)) {
        return cli_error(2, "%s: experiment name '%s' must be %s", cmd, experiment, bnx_name_rule);
    } else {
        snprintf(dir, size, "runs/%s/latest", experiment);
    }
    if (!bnx_is_dir(dir)) {
        if (run_opt)
            return cli_error(1, "run directory %s not found", dir);
        return cli_error(1, "no run of %s: %s not found (run `bnexp run %s` first, or pass "
                            "--run DIR)", experiment, dir, experiment);
    }
    snprintf(shown, shown_size, "%s", dir);
    /* runs/NAME/latest -> DATE-TIME: show runs/NAME/DATE-TIME. */
    char target[256];
    ssize_t n = readlink(dir, target, sizeof target - 1);
    const char *slash = strrchr(dir, '/');
    if (n > 0 && slash) {
        target[n] = '\0';
        if (!strchr(target, '/'))
            snprintf(shown, shown_size, "%.*s/%s", (int)(slash - dir), dir, target);
    }
    return 0;
}

int cli_run_arg(const char *cmd, int argc, char **argv, const char *run_opt, char *dir,
                size_t size, char *shown, size_t shown_size)
{
    if (argc - optind > 1)
        return cli_error(2, "%s: one experiment at a time (got '%s' and '%s')", cmd, argv[optind],
                         argv[optind + 1]);
    return cli_run_dir(cmd, optind < argc ? argv[optind] : NULL, run_opt, dir, size, shown,
                       shown_size);
}

int cli_run_plan_args(const char *cmd, int argc, char **argv, char *dir, size_t size,
                      char *shown, size_t shown_size, bnx_plan *plan)
{
    static const struct option longopts[] = {
        {"run", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *run_opt = NULL;
    opterr = 0;
    optind = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'r': run_opt = optarg; break;
        case 'h': return cli_print_help(cmd) ? 2 : -1;
        default: return cli_bad_option(cmd, ch, argv);
        }
    }
    int rc = cli_run_arg(cmd, argc, argv, run_opt, dir, size, shown, shown_size);
    if (rc == 0)
        rc = cli_read_plan(cmd, dir, plan);
    if (rc)
        bnx_plan_free(plan);
    return rc;
}

int cli_read_plan(const char *cmd, const char *run, bnx_plan *plan)
{
    bnx_error err;
    if (!bnx_is_dir(run))
        return cli_error(1, "%s: run directory %s not found", cmd, run);
    int rc = bnx_plan_read(run, plan, &err);
    if (rc == BNX_ENOTFOUND)
        return cli_error(1, "%s: %s has no %s: not a run directory (bnexp run writes the plan "
                         "before any trial starts)", cmd, run, BNX_PLAN_FILE);
    return rc ? cli_error(1, "%s: %s", cmd, err.msg) : 0;
}

int cli_report(const bnx_error *err)
{
    return cli_error(1, "%s", err->msg[0] ? err->msg : "unknown error");
}

int cli_print_text(bnx_strbuf *sb)
{
    int oom = sb->oom;
    if (sb->p)
        fputs(sb->p, stdout);
    free(sb->p);
    *sb = (bnx_strbuf){0};
    return oom ? cli_error(1, "out of memory for the table") : 0;
}

/* The man page of command `name` (NULL: bnexp(1), the overview), from the
 * same text --help prints: SYNOPSIS the usage lines up to the first empty
 * line, DESCRIPTION the rest, both as preformatted text. */
static int print_man(const char *name)
{
    const struct command *c = name ? find_command("help: ", name) : NULL;
    if (name && !c)
        return 2;
    char upper[32] = "";
    for (size_t i = 0; c && c->name[i] && i + 1 < sizeof upper; i++)
        upper[i] = (char)(c->name[i] - 'a' + 'A');
    printf(".TH BNEXP%s%s 1 \"\" \"bnexp %s\" \"bnexp manual\"\n.SH NAME\n", c ? "-" : "",
           upper, BNX_VERSION);
    if (!c) {
        printf("bnexp \\- reproduce Ioffe & Szegedy (2015), Batch Normalization, on a CPU\n"
               ".SH SYNOPSIS\n.B bnexp\n.I COMMAND\n[options]\n.SH COMMANDS\n.nf\n");
        for (int i = 0; i < num_commands; i++)
            printf("%-8s %s: bnexp-%s(1)\n", commands[i].name, commands[i].summary,
                   commands[i].name);
        printf(".fi\n.SH ENVIRONMENT\n"
               ".TP\n.B BNEXP_HOME\nA checkout-like tree whose experiments/, plots/ and "
               "datasets/*.sha256 bnexp uses instead of its own.\n"
               ".TP\n.B BNEXP_DATASETS\nWhere datasets are fetched to and read from (default: "
               "datasets/ of the checkout; ./datasets for an installed bnexp).\n"
               ".TP\n.B BNEXP_DATA\nA folder `bnexp data fetch` copies dataset files from.\n"
               ".SH FILES\nRuns are written to runs/EXPERIMENT/ in the current directory.  An "
               "installed bnexp reads its experiment files, gnuplot templates and dataset "
               "sums from ../share/bnexp beside its own directory, then from the prefix it "
               "was built for.  The docs/ pages the help texts name are in "
               "share/doc/bnexp.\n");
        return 0;
    }
    const char *text = c->usage, *blank = strstr(text, "\n\n");
    size_t head = blank ? (size_t)(blank - text) + 1 : strlen(text);
    printf("bnexp-%s \\- %s\n.SH SYNOPSIS\n.nf\n", c->name, c->summary);
    for (const char *line = text; line < text + head;) {
        size_t n = strcspn(line, "\n");
        size_t skip = strspn(line, " ") >= 7 ? 7 : strncmp(line, "usage: ", 7) == 0 ? 7 : 0;
        bnx_roff_put(stdout, line + skip, n - skip + 1); /* the usage lines' indent less "usage: " */
        line += n + 1;
    }
    printf(".fi\n");
    if (blank) {
        printf(".SH DESCRIPTION\n.nf\n");
        bnx_roff_put(stdout, blank + 2, strlen(blank + 2));
        printf(".fi\n");
    }
    printf(".SH SEE ALSO\nbnexp(1)\n");
    return 0;
}

int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stdout);
        return 0;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
        return cli_print_help("help");
    if (strcmp(argv[1], "--commands") == 0) {
        for (int i = 0; i < num_commands; i++)
            puts(commands[i].name);
        return 0;
    }
    if (strcmp(argv[1], "--man") == 0)
        return print_man(argc > 2 ? argv[2] : NULL);
    return cli_print_help(argv[1]);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("bnexp %s (%s)\n", BNX_VERSION, BNX_GITREV);
        return 0;
    }
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0)
        return cmd_help(1, argv);
    const struct command *c = find_command("", name);
    return c ? c->fn(argc - 1, argv + 1) : 2;
}
