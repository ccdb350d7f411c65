// Search over the Pagefind index built with the site: everything comes from this site, so it also
// works offline. Pagefind's own script is loaded on the first search, not with the page.
(function () {
  "use strict";
  var form = document.getElementById("site-search");
  if (!form) return;
  var input = document.getElementById("search-terms");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var dutch = form.getAttribute("data-lang") === "nl";
  var pagefind = null;
  var timer = null;
  var lastTerms = null;  // the terms shown or being looked up: the same terms are not searched twice

  function load() {
    pagefind = pagefind || import(form.getAttribute("data-pagefind")).then(function (module) {
      return module.init().then(function () { return module; });
    });
    return pagefind;
  }

  function show(results, terms) {
    list.innerHTML = "";
    results.forEach(function (result) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = result.url;
      link.textContent = result.meta.title || result.url;
      link.className = "search-result-link";
      var excerpt = document.createElement("p");
      excerpt.innerHTML = result.excerpt;  // Pagefind escapes the page text and only adds <mark>
      item.appendChild(link);
      item.appendChild(excerpt);
      list.appendChild(item);
    });
    status.textContent = dutch
      ? results.length + " resultaten voor “" + terms + "”"
      : results.length + " results for “" + terms + "”";
  }

  function search(event) {
    if (event) event.preventDefault();
    clearTimeout(timer);
    var terms = input.value.trim();
    if (terms === lastTerms) return;
    lastTerms = terms;
    if (!terms) { list.innerHTML = ""; status.textContent = ""; return; }
    status.textContent = dutch ? "Bezig met zoeken…" : "Searching…";
    load().then(function (module) {
      return module.search(terms);
    }).then(function (found) {
      return Promise.all(found.results.slice(0, 15).map(function (r) { return r.data(); }));
    }).then(function (results) {
      if (input.value.trim() === terms) show(results, terms);
    }).catch(function () {
      lastTerms = null;
      status.textContent = dutch ? "Zoeken lukt nu niet." : "Search is not available right now.";
    });
  }

  form.addEventListener("submit", search);
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
})();
