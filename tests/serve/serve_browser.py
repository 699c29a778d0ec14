#!/usr/bin/env python3
"""automl serve in a real headless Chromium: a finished run's page (trials,
curve, failures, pictures), the same page updating itself while `automl
resume` commits new trials (no reload), sorting, the JSON API, read-only
access, a comparison's page and its links, report.html of `automl run`.

usage: serve_browser.py AUTOML TEST_PLUGIN_DIR WORK_DIR
Exits 77 (skipped) when no headless Chromium is installed."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser  # noqa: E402

automl, plugins, work = sys.argv[1:4]
browser = shutil.which("chromium-headless-shell") or shutil.which("chromium")
if not browser:
    print("SKIP: no headless Chromium (apt install chromium-headless-shell; scripts/setup.sh does)")
    sys.exit(77)
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
os.chdir(work)
env = dict(os.environ, OMP_NUM_THREADS="1", AUTOML_PLUGIN_PATH="")
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def sha(file):
    return hashlib.sha256(open(file, "rb").read()).hexdigest()


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def start_server(directory):
    server = subprocess.Popen([automl, "serve", directory, "--port", "0", "--refresh", "0.3"], env=env,
                              stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    if "http://" not in line:
        raise RuntimeError("automl serve printed %r" % line)
    return server, line.split("http://")[1].split()[0].rstrip("/")


def stop_server(server):
    server.send_signal(signal.SIGINT)
    check(server.wait(timeout=10) == 0, "serve stops cleanly on Ctrl-C")


open("exp.toml", "w").write("""[experiment]
name = "live"
output_dir = "out"
seed = 0
budget_trials = 12
plugin_paths = ["%s"]

[search_space]
type = "nasbench201"

[strategy]
type = "random"

[evaluator]
type = "scripted"
delay_ms = 250
fail_every = 5
""" % plugins)

# 1. automl run writes report.html beside report.txt.
run = subprocess.run([automl, "run", "exp.toml"], env=env, capture_output=True, text=True)
check(run.returncode == 0, "automl run succeeds: " + run.stderr[-300:])
run_dir = os.path.join(work, "out", "live")
report = open(os.path.join(run_dir, "report.html")).read()
check("report.html" in run.stdout, "the run's summary names report.html")
check("<h2>Best candidates</h2>" in report and report.count("class=\"cell\"") == 5,
      "report.html shows the best 5 candidates with pictures")
check("Failed trials (2)" in report and "scripted failure on trial 10" in report,
      "report.html lists the failed trials with their messages")
check("<script" in report and "http" not in report.replace("http://www.w3.org", ""),
      "report.html is self-contained (nothing fetched)")

# 2. The live page of the finished run.
db = os.path.join(run_dir, "results.db")
before = sha(db)
server, address = start_server(run_dir)
try:
    with Browser(browser, "http://%s/" % address, os.path.join(work, "profile")) as b:
        rows = "document.querySelectorAll('#trials tbody tr').length"
        check(b.wait_for(rows + " === 12") is True, "the page shows the run's 12 trials")
        check(b.evaluate("document.querySelectorAll('#curve-trials svg path').length") >= 1,
              "the page draws the best-so-far curve")
        check(b.evaluate("document.querySelectorAll('.cell svg').length") == 5, "the page shows 5 cell pictures")
        check("scripted failure" in b.evaluate("document.body.innerText"), "the page shows failure messages")
        b.wait_for("document.getElementById('live').textContent.startsWith('live, checked')")
        check(sha(db) == before, "serving leaves results.db as it was (read-only)")

        # Sorting by score: ascending, then descending on a second click.
        scores = "Array.from(document.querySelectorAll('#trials tbody tr')).map(r => r.cells[3].textContent)" \
                 ".filter(s => s !== '').map(Number)"
        b.evaluate("document.querySelectorAll('#trials thead th')[3].click()")
        ascending = b.evaluate(scores)
        b.evaluate("document.querySelectorAll('#trials thead th')[3].click()")
        descending = b.evaluate(scores)
        check(ascending == sorted(ascending) and descending == sorted(ascending, reverse=True) and len(ascending) == 10,
              "clicking the score header sorts the trials up, then down")

        # 3. New trials committed by a resumed run appear without a reload.
        b.evaluate("window.notReloaded = 42")
        resume = subprocess.Popen([automl, "resume", run_dir, "--set", "experiment.budget_trials=24"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seen = b.wait_for("(() => { const n = %s; return n > 12 && n < 24 ? n : 0; })()" % rows, 20)
        check(seen > 12, "the page shows new trials while the run goes on (%d of 24 seen)" % seen)
        check(resume.wait(timeout=60) == 0, "the resumed run is not disturbed by the server")
        check(b.wait_for(rows + " === 24", 20) is True, "the page ends with all 24 trials")
        check(b.evaluate("window.notReloaded") == 42, "the page updated itself in place (no reload)")
        check(b.evaluate(scores) == sorted(b.evaluate(scores), reverse=True),
              "the chosen sort order survives the update")
        b.screenshot(os.path.join(work, "run_page.png"))
        print("screenshot: " + os.path.join(work, "run_page.png"))

    status, body = get("http://%s/api/trials" % address)
    trials = json.loads(body)
    check(status == 200 and len(trials) == 24 and all(isinstance(t["seed"], str) for t in trials),
          "api/trials gives the 24 trials as JSON (seeds as strings)")
    check(get("http://%s/nothing/here" % address)[0] == 404, "an unknown page is a 404")
finally:
    stop_server(server)

# 4. A comparison's page lists its runs and links to each run's page.
open("cmp.toml", "w").write("""[comparison]
experiment = "exp.toml"
seeds = 2
jobs = 2

[variants.random]
experiment.budget_trials = 6
evaluator.delay_ms = 0

[variants.evolution]
experiment.budget_trials = 6
evaluator.delay_ms = 0
strategy.type = "regularized_evolution"
strategy.population = 4
strategy.sample_size = 2
""")
compare = subprocess.run([automl, "compare", "cmp.toml"], env=env, capture_output=True, text=True)
check(compare.returncode == 0, "automl compare succeeds: " + compare.stderr[-400:])
server, address = start_server(os.path.join(work, "comparisons", "cmp"))
try:
    with Browser(browser, "http://%s/" % address, os.path.join(work, "profile")) as b:
        check(b.wait_for("document.querySelectorAll('#runs tbody tr').length") == 4,
              "the comparison's page lists its 4 runs")
        check(b.evaluate("document.querySelectorAll('figure svg path').length") >= 2,
              "the comparison's page draws a curve per variant")
        b.screenshot(os.path.join(work, "compare_page.png"))
        b.evaluate("document.querySelector('#runs tbody a').click()")
        check(b.wait_for("document.querySelectorAll('#trials tbody tr').length") == 6,
              "a run's link opens its page with its 6 trials")
finally:
    stop_server(server)

bad = subprocess.run([automl, "serve", work], env=env, capture_output=True, text=True)
check(bad.returncode != 0 and "neither a run directory" in bad.stderr, "serve of another directory says what it needs")

print("%d failed" % len(failures) if failures else "all passed")
sys.exit(1 if failures else 0)
