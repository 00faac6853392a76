/* The library's upload form: drag and drop, and a progress bar while the file goes up.
   Without this script the form posts as a plain form and the page says the same. */
(function () {
  "use strict";

  function uploadForm() {
    var form = document.getElementById("upload-form");
    if (!form || !window.FormData || !window.XMLHttpRequest) return;
    var input = document.getElementById("upload-file");
    var drop = document.getElementById("drop");
    var bar = document.getElementById("upload-progress");
    var error = document.getElementById("upload-error");
    var button = document.getElementById("upload-button");

    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (event) {
        event.preventDefault();
        drop.classList.add("over");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      drop.addEventListener(name, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
      }
    });

    form.addEventListener("submit", function (event) {
      if (!input.files.length) return;  // the browser's own "required" message
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      bar.hidden = false;
      bar.value = 0;
      button.disabled = true;
      error.textContent = "";
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total);
      });
      request.addEventListener("load", function () {
        if (request.status < 400) {
          window.location.assign(request.responseURL || "/library");
          return;
        }
        // The server's page says why; show its reason here without leaving the form.
        var page = new DOMParser().parseFromString(request.responseText, "text/html");
        var reason = page.getElementById("upload-error") || page.getElementById("message");
        error.textContent = reason ? reason.textContent : "HTTP " + request.status;
        bar.hidden = true;
        button.disabled = false;
      });
      request.addEventListener("error", function () {
        error.textContent = button.dataset.broken || "upload failed";
        bar.hidden = true;
        button.disabled = false;
      });
      request.send(new FormData(form));
    });
  }

  document.addEventListener("DOMContentLoaded", uploadForm);
})();
