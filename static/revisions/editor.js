// The post and page editor: autosave the open form's text every so often into the user's
// autosave (WordPress: autosave.js, every AUTOSAVE_INTERVAL seconds), and warn before
// leaving with unsaved changes (WordPress: the beforeunload "changes you made may not be
// saved"). Settings come from #revisions-editor's data attributes; no inline script (CSP).
(function () {
  "use strict";
  var config = document.getElementById("revisions-editor");
  if (!config) return;
  var form = config.closest("form");
  var status = document.getElementById("autosave-status");
  var url = config.dataset.autosaveUrl;
  var seconds = parseFloat(config.dataset.autosaveSeconds);
  var dirty = false; // changed since the form was loaded or saved
  var unsent = false; // changed since the last autosave
  var leaving = false; // the form itself is being submitted to save

  function changed() {
    dirty = true;
    unsent = true;
  }
  // The rich-text editor copies its content into the textarea and fires "input" there.
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  form.addEventListener("submit", function (event) {
    // Preview opens in another tab and leaves this form as unsaved as it was.
    var submitter = event.submitter;
    if (!(submitter && submitter.formTarget === "_blank")) leaving = true;
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty && !leaving) {
      event.preventDefault();
      event.returnValue = ""; // older browsers need it set to show the prompt
    }
  });

  function field(name) {
    var input = form.elements.namedItem(name);
    return input ? input.value : "";
  }

  function autosave() {
    if (!unsent) return;
    unsent = false;
    var data = new FormData();
    ["title", "body", "excerpt"].forEach(function (name) {
      // Pages have no excerpt field: what the form lacks, the server keeps as stored.
      if (form.elements.namedItem(name)) data.append(name, field(name));
    });
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": field("csrfmiddlewaretoken") },
    })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (answer) {
        if (status) status.textContent = answer.message;
      })
      .catch(function () {
        unsent = true; // try again next time
        if (status) status.textContent = "Autosave failed; your changes are not saved yet.";
      });
  }

  if (url && seconds > 0) window.setInterval(autosave, seconds * 1000);
})();
