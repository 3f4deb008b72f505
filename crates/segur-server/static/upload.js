// Proof file uploads with a progress bar, in chunks, resumable (tus 1.0 core: HEAD gives the
// offset, PATCH appends at Upload-Offset). Without JavaScript the form posts as multipart.
"use strict";
(function () {
  function fmt(n) {
    var u = ["octets", "Kio", "Mio", "Gio", "Tio"], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1).replace(".", ",") : n) + " " + u[i];
  }
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  async function errorText(resp) {
    try { var j = await resp.json(); return j.message || ("erreur " + resp.status); }
    catch (e) { return "erreur " + resp.status; }
  }
  async function offsetOf(loc) {
    var r = await fetch(loc, { method: "HEAD", credentials: "same-origin", headers: { "Tus-Resumable": "1.0.0" } });
    if (!r.ok) throw new Error("reprise impossible (" + r.status + ")");
    return parseInt(r.headers.get("Upload-Offset") || "0", 10);
  }
  async function send(form, file, line) {
    var bar = line.querySelector("progress"), out = line.querySelector("output");
    var resp = await fetch("/api/v1/candidatures/" + encodeURIComponent(form.dataset.candidature) + "/uploads", {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        requirement: form.elements.exigence.value,
        scenario: parseInt(form.elements.scenario.value, 10),
        proof: parseInt(form.elements.preuve.value, 10),
        file_name: file.name, size: file.size,
        effective_date: form.elements.date_effet.value || null
      })
    });
    if (resp.status !== 201) throw new Error(await errorText(resp));
    var loc = (await resp.json()).location, chunk = parseInt(form.dataset.chunk, 10) || 8388608;
    var offset = 0, failures = 0;
    while (offset < file.size) {
      try {
        var r = await fetch(loc, {
          method: "PATCH", credentials: "same-origin",
          headers: { "Content-Type": "application/offset+octet-stream", "Upload-Offset": String(offset), "Tus-Resumable": "1.0.0" },
          body: file.slice(offset, Math.min(offset + chunk, file.size))
        });
        if (r.status === 409) { offset = await offsetOf(loc); continue; }
        if (r.status !== 204 && r.status !== 200) {
          var msg = await errorText(r);
          if (r.status >= 500 && failures < 20) throw new Error(msg);
          failures = 99; throw new Error(msg);
        }
        offset = parseInt(r.headers.get("Upload-Offset") || String(offset), 10);
        failures = 0;
        bar.value = offset; out.textContent = fmt(offset) + " / " + fmt(file.size);
        if (r.status === 200) { var done = await r.json(); return done; }
      } catch (e) {
        if (failures >= 20) throw e;
        failures++;
        out.textContent = "connexion interrompue, reprise… (" + failures + ")";
        await sleep(Math.min(30000, 1000 * failures));
        try { offset = await offsetOf(loc); } catch (e2) { /* retried on the next turn */ }
      }
    }
    return null;
  }
  document.querySelectorAll("form.upload").forEach(function (form) {
    form.addEventListener("submit", async function (ev) {
      if (!window.fetch || !window.Blob || !Blob.prototype.slice) return;
      ev.preventDefault();
      var files = form.elements.fichier.files, zone = form.querySelector(".upload-progress");
      var button = form.querySelector("button[type=submit]"), max = parseInt(form.dataset.max, 10);
      button.disabled = true; zone.textContent = "";
      var ok = true;
      for (var i = 0; i < files.length; i++) {
        var f = files[i], line = document.createElement("p");
        var label = document.createElement("span"); label.textContent = f.name + " : ";
        var bar = document.createElement("progress"); bar.max = f.size || 1; bar.value = 0;
        var out = document.createElement("output"); out.textContent = "0 / " + fmt(f.size);
        line.appendChild(label); line.appendChild(bar); line.appendChild(document.createTextNode(" ")); line.appendChild(out);
        zone.appendChild(line);
        if (f.size > max) { out.textContent = "refusé : plus de " + fmt(max); ok = false; continue; }
        try {
          await send(form, f, line);
          out.textContent = "déposé (" + fmt(f.size) + "), analyse antivirus en cours";
        } catch (e) { out.textContent = "refusé : " + e.message; ok = false; }
      }
      button.disabled = false;
      if (ok) { setTimeout(function () { window.location.reload(); }, 800); }
    });
  });
})();
