// Course page: material uploads through the JSON API with a progress bar.
// Without JavaScript the same form posts to the page, which calls the same service.
(function () {
  const form = document.getElementById("material-form");
  if (!form || !window.cp || !window.XMLHttpRequest || !window.FormData) return;

  const progress = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");
  const button = document.getElementById("upload-button");
  const list = document.getElementById("materials-list");
  const empty = document.getElementById("materials-empty");
  const { el } = window.cp;

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  function sizeLabel(bytes) {
    if (bytes < 1024) return `${bytes} bytes`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
    return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  }

  // Field errors from the API's error shape go next to their fields, like the page's own errors.
  function showFieldErrors(fields) {
    form.querySelectorAll("small.field-error.js").forEach((node) => node.remove());
    form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
    Object.entries(fields || {}).forEach(([name, messages]) => {
      const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
      if (!input) return;
      input.setAttribute("aria-invalid", "true");
      const text = Array.isArray(messages) ? messages.join(" ") : String(messages);
      input.after(el("small", { class: "field-error js", id: `${input.id}-error` }, text));
      input.setAttribute("aria-describedby", `${input.id}-error`);
    });
  }

  function removeForm(material) {
    const removeUrl = `/courses/${form.dataset.course}/materials/${material.id}/delete/`;
    return el(
      "form",
      { method: "post", action: removeUrl, class: "inline", "data-confirm": `Remove ${material.title}?` },
      el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: window.cp.csrfToken() }),
      el("button", { type: "submit", class: "secondary outline small" }, "Remove"),
    );
  }

  function addToList(material) {
    const details = [el("br"), el("small", { class: "muted" }, `${material.file_name} · ${sizeLabel(material.size)}`)];
    if (material.description) details.push(el("br"), el("small", {}, material.description));
    const icon = document.getElementById("material-icon");
    const item = el(
      "li",
      { "data-material-id": material.id },
      icon ? icon.content.firstElementChild.cloneNode(true) : null,
      el(
        "div",
        { class: "grow" },
        el("a", { href: material.download_url, class: "material-link", download: "" }, material.title),
        details,
      ),
      removeForm(material),
    );
    list.prepend(item);
    if (empty) empty.hidden = true;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.querySelector("input[type=file]").files[0];
    if (!file) {
      showFieldErrors({ file: ["Choose a file to upload."] });
      return;
    }
    showFieldErrors({});
    const body = new FormData();
    body.append("title", form.querySelector("[name=title]").value);
    body.append("description", form.querySelector("[name=description]").value);
    body.append("file", file);

    const { status, data } = await window.cp.upload(form.dataset.api, body, { progress, button, say });
    if (status === 0) return;
    if (status === 201 && data) {
      say(`Uploaded “${data.title}”.`);
      addToList(data);
      form.reset();
      return;
    }
    const error = (data && data.error) || {};
    showFieldErrors(error.fields);
    say(error.message || `The upload failed (${status}). Try again.`, true);
  });
})();
