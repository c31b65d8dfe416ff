// Page helpers: JSON API calls with the session cookie and CSRF token, safe DOM building, busy forms.
(function () {
  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    // The CSRF cookie is not always readable (or set yet): every page with a form carries the token too.
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  async function api(method, path, body, options) {
    const init = { method, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() } };
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, Object.assign(init, options || {}));
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (parseError) {
      data = null; // an HTML error page from a proxy: keep the status, drop the body
    }
    if (!response.ok) {
      const error = new Error((data && data.error && data.error.message) || response.statusText);
      error.status = response.status;
      error.body = data;
      throw error;
    }
    return data;
  }

  // Safe text insertion: user content never goes through innerHTML.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
    });
    children.flat().forEach((child) => {
      if (child === null || child === undefined) return;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  // A POST form asks for confirmation when it says so, shows a spinner on its button and ignores a second click while the page loads.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post" || event.defaultPrevented) return;
    // Forms that undo something ask first: <form data-confirm="Unlink Sam?">.
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (form.dataset.busy === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.busy = "1";
    const button = event.submitter || form.querySelector("button[type=submit]");
    if (button) button.setAttribute("aria-busy", "true");
  });
  // Back/forward cache restores the page as it was left: make its forms usable again.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("form[data-busy]").forEach((form) => {
      delete form.dataset.busy;
      form.querySelectorAll("[aria-busy]").forEach((node) => node.removeAttribute("aria-busy"));
    });
  });

  // A multipart upload with a progress bar (fetch cannot report upload progress): the button is
  // busy meanwhile. Resolves {status, data}; a broken connection resolves status 0 after saying so.
  function upload(url, body, { progress, button, say }) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
      const done = () => {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      };
      xhr.upload.onprogress = (progressEvent) => {
        if (!progressEvent.lengthComputable) return;
        const percent = Math.round((progressEvent.loaded / progressEvent.total) * 100);
        progress.value = percent;
        say(`Uploading… ${percent}%`);
      };
      xhr.onload = () => {
        done();
        let data = null;
        try {
          data = JSON.parse(xhr.responseText);
        } catch (parseError) {
          data = null; // an HTML error from a proxy: keep the status only
        }
        if (xhr.status >= 200 && xhr.status < 300) {
          progress.value = 100;
        } else {
          progress.hidden = true;
        }
        resolve({ status: xhr.status, data });
      };
      xhr.onerror = () => {
        done();
        progress.hidden = true;
        say("The connection broke off during the upload. Try again.", true);
        resolve({ status: 0, data: null });
      };
      progress.value = 0;
      progress.hidden = false;
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      say("Uploading… 0%");
      xhr.send(body);
    });
  }

  window.cp = { api, el, csrfToken, upload };
})();
