// Search over a static, split index (built by `resreg site`). Nothing loads until the
// reader types or picks a filter; then only the index shards the query needs are fetched.
//   search/meta.json            document count, chunk size, stop words
//   search/terms/<shard>.json   term -> document numbers (gap-encoded), by the term's first 2 characters
//   search/facets/<f>/<v>.json  document numbers with that type, tag, label or publication
//   search/docs/<k>.json        [stable_id, title, type, date, importance] per document
// Documents are numbered most important first, so the first matches are the best ones.
// The query and the filters live in the page's address (?q=...&type=...): a search can be
// shared, and the back button returns to it. Typing edits one history entry; a new filter
// or a new query after Enter adds one.
"use strict";
(function () {
  const form = document.querySelector("form.search");
  if (!form) return;
  const base = form.dataset.index;
  const input = form.querySelector("input[name=q]");
  const status = document.getElementById("search-status");
  const list = document.getElementById("results");
  const selects = Array.from(form.querySelectorAll("select"));
  const cache = new Map();
  const SHOWN = 50;
  let meta = null;
  let latest = 0;
  let typing = false;  // the current history entry is the query being typed

  function fetchJson(path) {
    if (!cache.has(path)) {
      cache.set(path, fetch(base + path).then((answer) => {
        if (answer.status === 404) return null;
        if (!answer.ok) throw new Error(path + ": HTTP " + answer.status);
        return answer.json();
      }));
    }
    return cache.get(path);
  }

  function tokens(text) {
    // a pasted stable ID is indexed without its "sid_", as `resreg site` writes it
    const words = text.replace(/(^|[^\p{L}\p{N}_])sid_(?=[0-9A-Za-z]{10}(?![\p{L}\p{N}_]))/gu, "$1 ").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .match(/[\p{L}\p{N}]+/gu) || [];
    return words.filter((word) => word.length >= 2 && !meta.stop.includes(word));
  }

  function shardOf(term) {
    const prefix = Array.from(term).slice(0, 2).join("");
    if (/^[a-z0-9]+$/.test(prefix)) return prefix;
    return "_" + Array.from(new TextEncoder().encode(prefix), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function mark(counts, gaps) {
    let doc = 0;
    for (const gap of gaps) { doc += gap; counts[doc] += 1; }
  }

  async function termGroup(term, prefix) {
    const shard = (await fetchJson("terms/" + shardOf(term) + ".json")) || {};
    if (!prefix) return shard[term] ? [shard[term]] : [];
    return Object.keys(shard).filter((key) => key.startsWith(term)).map((key) => shard[key]);
  }

  async function search(started) {
    meta = meta || await fetchJson("meta.json");
    const query = input.value;
    const terms = tokens(query);
    const filters = selects.filter((select) => select.value);
    if (!terms.length && !filters.length) {
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    const groups = [];
    for (const [position, term] of terms.entries()) {
      const prefix = position === terms.length - 1 && !/\s$/.test(query);
      groups.push(termGroup(term, prefix));
    }
    for (const select of filters) {
      groups.push(fetchJson("facets/" + select.name + "/" + select.value + ".json").then((gaps) => gaps ? [gaps] : []));
    }
    const counts = new Uint16Array(meta.docs);
    const unions = await Promise.all(groups);
    for (const union of unions) {
      const seen = new Uint8Array(meta.docs);
      for (const gaps of union) mark(seen, gaps);
      for (let doc = 0; doc < meta.docs; doc += 1) if (seen[doc]) counts[doc] += 1;
    }
    const hits = [];
    let total = 0;
    for (let doc = 0; doc < meta.docs; doc += 1) {
      if (counts[doc] === unions.length) {
        total += 1;
        if (hits.length < SHOWN) hits.push(doc);
      }
    }
    const chunks = await Promise.all(hits.map((doc) => fetchJson("docs/" + Math.floor(doc / meta.chunk) + ".json")));
    if (started !== latest) return;  // a newer search has begun
    list.replaceChildren(...hits.map((doc, index) => entry(chunks[index][doc % meta.chunk])));
    status.textContent = total === 0 ? "No resources match." :
      total + (total === 1 ? " resource matches" : " resources match") + (total > SHOWN ? "; the first " + SHOWN + " are shown." : ".");
    status.dataset.ms = String(Math.round(performance.now() - started));
  }

  function entry([stableId, title, type, date, importance]) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = "r/" + stableId + ".html";
    link.textContent = title;
    const info = document.createElement("span");
    info.className = "meta";
    info.textContent = [type, date, importance === null ? "" : importance + "/100"].filter(Boolean).join(" · ");
    item.append(link, " ", info);
    return item;
  }

  function addressOfForm() {
    const params = new URLSearchParams();
    if (input.value) params.set("q", input.value);
    for (const select of selects) if (select.value) params.set(select.name, select.value);
    const query = params.toString();
    return location.pathname + (query ? "?" + query : "") + location.hash;
  }

  function remember(push) {
    const address = addressOfForm();
    if (address === location.pathname + location.search + location.hash) return;
    if (push) history.pushState(null, "", address);
    else history.replaceState(null, "", address);
  }

  function readAddress() {
    const params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    for (const select of selects) {
      const wanted = params.get(select.name) || "";
      select.value = wanted;
      if (select.value !== wanted) select.value = "";  // not one of its options
    }
    typing = false;
  }

  function run() {
    const started = performance.now();
    latest = started;
    search(started).catch((error) => {
      status.textContent = location.protocol === "file:"
        ? "Search needs the site served over HTTP (browsers do not let pages read files from disk); every page can still be browsed."
        : "Search failed: " + error.message;
    });
  }

  form.hidden = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    remember(!typing);
    typing = false;
    run();
  });
  input.addEventListener("input", () => {
    remember(!typing);
    typing = true;
    run();
  });
  for (const select of selects) {
    select.addEventListener("change", () => {
      remember(true);
      typing = false;
      run();
    });
  }
  window.addEventListener("popstate", () => { readAddress(); run(); });
  readAddress();
  if (input.value || selects.some((select) => select.value)) run();
})();
