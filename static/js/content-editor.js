// Content editor: live Markdown preview (debounced calls to the preview endpoint, which returns
// HTML already sanitised by the server), an address made from the title until it is edited by
// hand, and cover uploads with a progress bar.
(function () {
  if (!window.cp) return;
  const { api } = window.cp;

  // --- live preview --------------------------------------------------------------------------
  const textarea = document.getElementById("body_md");
  const preview = document.getElementById("preview");
  const previewStatus = document.getElementById("preview-status");
  if (textarea && preview) {
    let timer = null;
    let sequence = 0;
    const refresh = async () => {
      const mine = ++sequence;
      previewStatus.textContent = "Updating…";
      try {
        const data = await api("POST", textarea.dataset.preview, { body_md: textarea.value });
        if (mine !== sequence) return; // an older answer arriving late
        // The server's HTML passed the same allow-list sanitiser as published pages.
        preview.innerHTML = data.html;
        previewStatus.textContent = `${data.reading_minutes} min read`;
      } catch (error) {
        if (mine === sequence) previewStatus.textContent = `Preview unavailable: ${error.message}`;
      }
    };
    textarea.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    });
  }

  // --- address from the title ------------------------------------------------------------------
  const title = document.getElementById("title");
  const slug = document.getElementById("slug");
  if (title && slug) {
    const slugify = (text) =>
      text
        .normalize("NFKD")
        .replace(/[\u0300-\u036f]/g, "")
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, 80);
    slug.addEventListener("input", () => {
      slug.dataset.auto = "0";
    });
    title.addEventListener("input", () => {
      if (slug.dataset.auto === "1") slug.value = slugify(title.value);
    });
  }

  // --- cover upload ------------------------------------------------------------------------------
  const form = document.getElementById("cover-form");
  if (form && window.XMLHttpRequest && window.FormData) {
    const progress = document.getElementById("cover-progress");
    const status = document.getElementById("cover-status");
    const button = document.getElementById("cover-button");
    const image = document.getElementById("cover-image");
    const say = (text, isError) => {
      status.textContent = text;
      status.classList.toggle("error", Boolean(isError));
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const file = form.querySelector("input[type=file]").files[0];
      if (!file) {
        say("Choose an image first.", true);
        return;
      }
      const body = new FormData();
      body.append("cover", file);
      const { status, data } = await window.cp.upload(form.dataset.api, body, { progress, button, say });
      if (status === 0) return;
      if (status === 200 && data) {
        say("The cover is saved.");
        if (image && data.cover_url) {
          image.src = data.cover_url;
          image.hidden = false;
        }
        form.reset();
        return;
      }
      const error = (data && data.error) || {};
      say(error.message || `The upload failed (${status}). Try again.`, true);
    });
  }
})();
