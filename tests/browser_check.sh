#!/usr/bin/env bash
# Open an HTML page of bnexp's in a real headless chromium and check it as a
# reader's browser shows it: every image loads and has a rendered size,
# every link resolves (a file under the page, or an #anchor of the page),
# and the page holds no script (no <script>, no on* handler, no javascript:
# URL: so it can log no script error).  The page is
# loaded in an iframe of a wrapper page whose script does the checks
# (chromium --allow-file-access-from-files lets it see the page); chromium
# prints the wrapper's DOM with the findings.  A screenshot of the page is
# written to SHOT.png when given.  Chromium runs in its own process group,
# stopped by its PID on exit, also when a check fails or it hangs (60 s).
# Usage: browser_check.sh PAGE.html [SHOT.png]
# Prints "images N", "links N", "scripts N", then any BADIMG, BADLINK,
# BADANCHOR lines; exits 0 only when there are none and scripts is 0.
set -u
page=$(readlink -f "$1")
# the page's file: URL, percent-encoded, and HTML-escaped for the wrapper
url=$(python3 -c 'import html, pathlib, sys; print(html.escape(pathlib.Path(sys.argv[1]).as_uri()))' "$page")
shot=${2:-}
browser=$(command -v chromium || command -v chromium-browser) || { echo "browser_check: no chromium"; exit 2; }
tmp=$(mktemp -d /tmp/bnexp-browser.XXXXXX)
pid=""
cleanup() {
    [ -n "$pid" ] && kill -9 -- "-$pid" 2>/dev/null
    [ -n "$pid" ] && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-extensions
       --user-data-dir="$tmp/profile" --allow-file-access-from-files)
run_browser() { # OUT ARGS...: chromium in its own group, stopped after 60 s
    local out=$1; shift
    setsid "$browser" "${flags[@]}" "$@" >"$out" 2>"$tmp/stderr" &
    pid=$!
    for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 -- "-$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=""
}
cat >"$tmp/wrap.html" <<EOF
<!DOCTYPE html><html><body>
<iframe id="f" src="$url" style="width:1280px;height:3000px"></iframe>
<pre id="out">PENDING</pre>
<script>
const f = document.getElementById('f');
f.onload = () => {
  const out = [];
  let d = null;
  try { d = f.contentDocument; } catch (e) { out.push('BADPAGE ' + e); }
  if (!d) { out.push('BADPAGE no access to the page'); }
  else {
    const imgs = [...d.images];
    out.push('images ' + imgs.length);
    imgs.forEach(i => { const r = i.getBoundingClientRect();
      if (!(i.complete && i.naturalWidth > 0 && r.width > 0 && r.height > 0))
        out.push('BADIMG ' + i.getAttribute('src')); });
    const links = [...d.querySelectorAll('a[href]')];
    out.push('links ' + links.length);
    links.forEach(a => { const h = a.getAttribute('href');
      if (h.startsWith('#')) { if (!d.getElementById(h.slice(1))) out.push('BADANCHOR ' + h); return; }
      try { const x = new XMLHttpRequest(); x.open('GET', a.href, false); x.send();
        if (!((x.status === 0 || x.status === 200) && x.responseText.length > 0)) out.push('BADLINK ' + h); }
      catch (e) { out.push('BADLINK ' + h); } });
    // script of any kind: elements, on* handlers, javascript: URLs
    let scripts = d.scripts.length;
    d.querySelectorAll('*').forEach(e => { for (const a of e.attributes) {
      if (a.name.startsWith('on') || /^\s*javascript:/i.test(a.value)) scripts++; } });
    out.push('scripts ' + scripts);
  }
  document.getElementById('out').textContent = out.join('\n') + '\nDONE';
};
</script></body></html>
EOF
run_browser "$tmp/dom" --virtual-time-budget=20000 --dump-dom "file://$tmp/wrap.html"
result=$(sed -n '/<pre id="out">/,/<\/pre>/p' "$tmp/dom" | sed 's/<[^>]*>//g')
echo "$result" | grep -v '^DONE$'
if [ -n "$shot" ]; then
    run_browser /dev/null --hide-scrollbars --window-size=1280,2000 --screenshot="$shot" \
        "$(python3 -c 'import pathlib, sys; print(pathlib.Path(sys.argv[1]).as_uri())' "$page")"
fi
grep -q '^DONE$' <<<"$result" && grep -q '^scripts 0$' <<<"$result" && ! grep -q '^BAD' <<<"$result"
