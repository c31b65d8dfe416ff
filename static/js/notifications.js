// The notifications page: local times, mark-read without a reload, new notifications appear live.
(function () {
  const list = document.getElementById("notification-list");
  if (!list) return;
  const { api, el } = window.cp;
  const live = window.cpLive;
  const empty = document.getElementById("notifications-empty");
  const readAll = document.getElementById("read-all");
  const firstPage = !new URLSearchParams(window.location.search).get("cursor");
  const ICONS = { message: "M4 5h16v11H10l-6 4z", lesson: "M3 5h18v16H3zM3 10h18M8 3v4M16 3v4", enrollment: "M2 9l10-5 10 5-10 5zM6 11v5c3 2 9 2 12 0v-5" };
  const BELL = "M6 16v-5a6 6 0 0 1 12 0v5l2 2H4zM10 21a2 2 0 0 0 4 0";

  function localTime(node) {
    const date = new Date(node.getAttribute("datetime"));
    if (Number.isNaN(date.getTime())) return;
    node.textContent = window.cpTime(node.getAttribute("datetime"), "datetime");
  }
  list.querySelectorAll("time[datetime]").forEach(localTime);

  function changeUnread(delta) {
    if (live) live.setUnread(live.unread + delta);
    const total = document.getElementById("unread-total");
    if (total) {
      const value = Math.max(0, Number(total.textContent) + delta);
      total.textContent = String(value);
      total.hidden = value === 0;
    }
    if (readAll && delta > 0) readAll.disabled = false;
  }

  async function markRead(item, options) {
    if (!item || !item.classList.contains("unread")) return;
    item.classList.remove("unread");
    const form = item.querySelector("form.mark-read");
    if (form) form.remove();
    changeUnread(-1);
    try {
      await api("POST", `/api/v1/notifications/${encodeURIComponent(item.dataset.id)}/read`, undefined, options);
    } catch (error) {
      if (error.status !== 404) {
        item.classList.add("unread");
        changeUnread(1);
      }
    }
  }

  list.addEventListener("submit", (event) => {
    if (!event.target.classList.contains("mark-read")) return;
    event.preventDefault();
    markRead(event.target.closest(".notification"));
  });
  // Opening a notification reads it; keepalive lets the request finish while the next page loads.
  list.addEventListener("click", (event) => {
    const link = event.target.closest("a.notification-title");
    if (link) markRead(link.closest(".notification"), { keepalive: true });
  });

  function icon(kind) {
    const path = ICONS[kind.split(".")[0]] || BELL;
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "icon");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("fill", "none");
    svg.setAttribute("stroke", "currentColor");
    svg.setAttribute("stroke-width", "2");
    const shape = document.createElementNS("http://www.w3.org/2000/svg", "path");
    shape.setAttribute("d", path);
    svg.append(shape);
    return svg;
  }

  function linkOf(item) {
    const data = item.data || {};
    const safe = (value) => typeof value === "string" && /^[A-Za-z0-9_\-:]{1,200}$/.test(value);
    if (item.kind.startsWith("message.") && safe(data.room_id)) return `/chat/${data.room_id}/`;
    if (safe(data.course_id)) return `/courses/${data.course_id}/`;
    return "";
  }

  function notificationItem(item) {
    const link = linkOf(item);
    const title = link
      ? el("a", { href: link, class: "notification-title", "data-id": item.id }, item.title)
      : el("span", { class: "notification-title" }, item.title);
    const time = el("time", { datetime: item.created_at || "" }, "");
    localTime(time);
    const mark = el(
      "form",
      { method: "post", action: `/notifications/${encodeURIComponent(item.id)}/read/`, class: "mark-read" },
      el("button", { type: "submit", class: "small secondary outline" }, "Mark read")
    );
    return el(
      "li",
      { class: "notification unread fresh", "data-id": item.id },
      icon(item.kind || ""),
      el("div", { class: "notification-text" }, title, item.body ? el("span", { class: "notification-body" }, item.body) : null, time),
      mark
    );
  }

  if (live && firstPage) {
    live.on("notification.new", (frame) => {
      const item = frame.notification;
      if (!item || list.querySelector(`[data-id="${CSS.escape(item.id)}"]`)) return;
      list.prepend(notificationItem(item));
      if (empty) empty.hidden = true;
      const total = document.getElementById("unread-total");
      if (total) {
        total.textContent = String(Number(total.textContent) + 1);
        total.hidden = false;
      }
      if (readAll) readAll.disabled = false;
    });
  }
})();
