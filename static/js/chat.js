// The chat page: rooms list | conversation, live over window.cpLive (live.js owns the socket).
// Every name and message goes into the page as text (window.cp.el / textContent), never as HTML.
(function () {
  const root = document.getElementById("chat");
  const live = window.cpLive;
  if (!root || !live) return;
  const { api, el } = window.cp;
  const data = JSON.parse(document.getElementById("chat-data").textContent);
  const me = data.me.uid;

  const PAGE = 50;
  const TYPING_SEND_MS = 2500; // our own typing frames: one per 2.5 s at most
  const TYPING_SHOW_MS = 4000; // someone else's indicator fades unless they keep typing
  const NEAR_TOP_PX = 120;
  const NEAR_BOTTOM_PX = 80;
  const CONTENT_MAX = 4000;
  const BEGINNING = "This is the beginning of the conversation.";
  const NOTHING_YET = "No messages yet. Say hello!";
  const ROLE_LABELS = { student: "Student", teacher: "Teacher", parent: "Parent", admin: "Admin" };

  const $ = (id) => document.getElementById(id);
  const roomList = $("rooms");
  const roomsEmpty = $("rooms-empty");
  const roomsMore = $("rooms-more");
  const placeholder = $("room-placeholder");
  const roomView = $("room-view");
  const roomName = $("room-name");
  const roomSub = $("room-sub");
  const box = $("messages");
  const list = $("message-list");
  const historyStatus = $("history-status");
  const typingLine = $("typing");
  const jumpNew = $("jump-new");
  const composer = $("composer");
  const input = $("composer-text");
  const composerError = $("composer-error");
  const connection = $("connection");

  const rooms = new Map(); // id -> room as GET /chat/rooms shapes it
  let roomsCursor = data.rooms_cursor;
  let current = null; // the open conversation
  let lastTypingSent = 0;

  // --- small helpers ---------------------------------------------------------------------------------

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    // randomUUID needs a secure context; plain-http development on a LAN address has none.
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function when(iso, withDay) {
    if (!iso) return "";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return "";
    // The profile's time zone and clock (window.cpTime, static/js/page.js), like every page.
    const today = window.cpTime(new Date().toISOString(), "short").split(",")[0] === window.cpTime(iso, "short").split(",")[0];
    if (today && !withDay) return window.cpTime(iso, "time");
    return window.cpTime(iso, withDay ? "datetime" : "short");
  }

  function initials(name) {
    return (name || "?").split(/\s+/).filter(Boolean).slice(0, 2).map((word) => word[0]).join("").toUpperCase() || "?";
  }

  function roomTitle(room) {
    return room.name || (room.kind === "direct" ? "Direct message" : "Chat room");
  }

  function isPhone() {
    return window.matchMedia("(max-width: 767px)").matches;
  }

  function nearBottom() {
    return box.scrollHeight - box.scrollTop - box.clientHeight < NEAR_BOTTOM_PX;
  }

  function scrollToBottom() {
    box.scrollTop = box.scrollHeight;
    jumpNew.hidden = true;
  }

  // --- the rooms list --------------------------------------------------------------------------------

  function activity(room) {
    return Date.parse(room.last_activity_at || (room.last_message && room.last_message.created_at) || 0) || 0;
  }

  function renderRooms() {
    const sorted = [...rooms.values()].sort((a, b) => activity(b) - activity(a));
    roomList.replaceChildren(...sorted.map(roomItem));
    roomsEmpty.hidden = sorted.length > 0;
    roomsMore.hidden = !roomsCursor;
    const total = sorted.reduce((sum, room) => sum + (room.unread || 0), 0);
    document.title = `${total ? `(${total}) ` : ""}Chat · cplatform`;
  }

  function roomItem(room) {
    const last = room.last_message;
    let preview = "No messages yet";
    if (last) {
      const who = last.sender_uid === me ? "You: " : room.kind === "direct" ? "" : `${last.sender_name || "Someone"}: `;
      preview = last.deleted ? `${who}message deleted` : `${who}${last.preview}`;
    }
    const active = current && current.id === room.id;
    const unread = active ? 0 : room.unread || 0;
    const kindLabel = room.kind === "course" ? "Course" : room.kind === "group" ? "Group" : "";
    const link = el(
      "a",
      {
        href: `/chat/${encodeURIComponent(room.id)}/`,
        class: `room-item${active ? " active" : ""}${unread ? " has-unread" : ""}`,
        "data-room": room.id,
        "aria-current": active ? "true" : null,
        onclick: (event) => {
          if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
          event.preventDefault();
          openRoom(room.id, { push: true });
        },
      },
      el("span", { class: `room-avatar kind-${room.kind}`, "aria-hidden": "true" }, initials(roomTitle(room))),
      el(
        "span",
        { class: "room-text" },
        el(
          "span",
          { class: "room-line" },
          el("strong", { class: "room-name" }, roomTitle(room)),
          el("time", { class: "room-time", datetime: last ? last.created_at : "" }, last ? when(last.created_at) : "")
        ),
        el(
          "span",
          { class: "room-line" },
          el("span", { class: "room-preview" }, kindLabel ? el("span", { class: "room-kind" }, kindLabel) : null, preview),
          unread
            ? el("span", { class: "badge unread-badge", "aria-label": `${unread} unread` }, unread > 99 ? "99+" : unread)
            : null
        )
      )
    );
    return el("li", {}, link);
  }

  async function loadRooms({ more } = {}) {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (more && roomsCursor) query.set("cursor", roomsCursor);
    try {
      const page = await api("GET", `/api/v1/chat/rooms?${query}`);
      if (!more) rooms.clear();
      page.items.forEach((room) => rooms.set(room.id, room));
      roomsCursor = page.next_cursor;
      renderRooms();
    } catch (error) {
      showConnection(`Could not load your conversations: ${error.message}`);
    }
  }

  roomsMore.addEventListener("click", () => loadRooms({ more: true }));

  function noteMessageInList(message) {
    const room = rooms.get(message.room_id);
    if (!room) {
      loadRooms(); // a room we have not listed yet (someone just wrote to us for the first time)
      return;
    }
    if (!room.last_message || message.seq >= (room.last_message.seq || 0)) {
      room.last_message = {
        id: message.id,
        seq: message.seq,
        sender_uid: message.sender_uid,
        sender_name: message.sender_name,
        preview: message.deleted ? "" : message.content.slice(0, 120),
        created_at: message.created_at,
        edited: message.edited,
        deleted: message.deleted,
      };
      room.last_activity_at = message.created_at;
    }
    if (message.seq > (room.message_seq || 0)) {
      room.message_seq = message.seq;
      const viewing = current && current.id === room.id && document.visibilityState === "visible";
      if (message.sender_uid !== me && !viewing) room.unread = (room.unread || 0) + 1;
    }
    renderRooms();
  }

  // --- the conversation ----------------------------------------------------------------------------

  function messageItem(message, { pending } = {}) {
    const mine = message.sender_uid === me;
    const body = message.deleted
      ? el("p", { class: "message-body deleted" }, "This message was deleted.")
      : el("p", { class: "message-body" }, message.content);
    const meta = el(
      "span",
      { class: "message-meta" },
      el("span", { class: "message-sender" }, mine ? "You" : message.sender_name || "Someone"),
      " ",
      el("time", { datetime: message.created_at || "", title: when(message.created_at, true) }, when(message.created_at)),
      message.edited && !message.deleted ? el("span", { class: "message-mark" }, " · edited") : null
    );
    const item = el(
      "li",
      {
        class: `message${mine ? " mine" : ""}${pending ? " pending" : ""}${message.deleted ? " is-deleted" : ""}`,
        "data-id": message.id || null,
        "data-seq": message.seq || null,
        "data-client-id": message.client_id || null,
      },
      meta,
      body
    );
    if (pending) item.append(el("span", { class: "message-status" }, "Sending…"));
    if (mine && !pending && !message.deleted) item.append(messageTools(message));
    return item;
  }

  function messageTools(message) {
    return el(
      "span",
      { class: "message-tools" },
      el("button", { type: "button", class: "link-button", onclick: () => startEdit(message.id) }, "Edit"),
      el(
        "button",
        {
          type: "button",
          class: "link-button",
          onclick: () => {
            if (window.confirm("Delete this message for everyone?")) {
              sendOrFail({ type: "message.delete", room: current.id, message_id: message.id });
            }
          },
        },
        "Delete"
      )
    );
  }

  function startEdit(messageId) {
    const item = current && current.items.get(messageId);
    const message = current && current.messages.get(messageId);
    if (!item || !message || item.querySelector(".message-edit")) return;
    const area = el("textarea", { rows: "2", maxlength: String(CONTENT_MAX), "aria-label": "Edit message" });
    area.value = message.content;
    const form = el(
      "form",
      {
        class: "message-edit",
        onsubmit: (event) => {
          event.preventDefault();
          const content = area.value.trim();
          if (content && content !== message.content) {
            sendOrFail({ type: "message.edit", room: current.id, message_id: messageId, content });
          }
          form.remove();
        },
      },
      area,
      el(
        "span",
        { class: "actions" },
        el("button", { type: "submit", class: "small" }, "Save"),
        el("button", { type: "button", class: "small secondary outline", onclick: () => form.remove() }, "Cancel")
      )
    );
    area.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      } else if (event.key === "Escape") {
        form.remove();
      }
    });
    item.append(form);
    area.focus();
  }

  function sendOrFail(frame) {
    if (!live.send(frame)) showConnection("Not connected: try again in a moment.");
  }

  // Insert (or replace) a stored message at its place by seq.
  function putMessage(message) {
    if (!current || message.room_id !== current.id) return;
    const pendingEntry = message.sender_uid === me && current.pending.get(message.client_id);
    if (pendingEntry) {
      pendingEntry.item.remove();
      current.pending.delete(message.client_id);
    }
    const existing = current.items.get(message.id);
    const item = messageItem(message);
    current.messages.set(message.id, message);
    current.items.set(message.id, item);
    if (existing) {
      existing.replaceWith(item);
    } else {
      let before = null;
      for (const node of list.children) {
        const seq = Number(node.dataset.seq);
        if (node.classList.contains("pending")) {
          before = node;
          break;
        }
        if (seq && seq > message.seq) {
          before = node;
          break;
        }
      }
      list.insertBefore(item, before);
    }
    if (message.seq > current.newestSeq) {
      current.newestSeq = message.seq;
      current.newestId = message.id;
    }
    if (!current.oldestSeq || message.seq < current.oldestSeq) {
      current.oldestSeq = message.seq;
      current.oldestId = message.id;
    }
    showSeen();
  }

  function addLiveMessage(message) {
    const stick = nearBottom() || message.sender_uid === me;
    putMessage(message);
    if (historyStatus.textContent === NOTHING_YET) historyStatus.textContent = BEGINNING;
    current.typers.delete(message.sender_uid);
    renderTyping();
    if (stick) {
      scrollToBottom();
      markRead();
    } else {
      jumpNew.hidden = false;
    }
  }

  function showSeen() {
    if (!current || !current.detail || current.detail.kind !== "direct") return;
    list.querySelectorAll(".message-seen").forEach((node) => node.remove());
    const seenSeq = current.peerReadSeq || 0;
    const seen = [...list.querySelectorAll(".message.mine:not(.pending)")].filter(
      (node) => Number(node.dataset.seq) <= seenSeq
    );
    if (seen.length) seen[seen.length - 1].append(el("span", { class: "message-seen" }, "Seen"));
  }

  function renderTyping() {
    if (!current) {
      typingLine.textContent = "";
      return;
    }
    const now = Date.now();
    const names = [];
    current.typers.forEach((until, uid) => {
      if (until > now) names.push(current.names.get(uid) || "Someone");
      else current.typers.delete(uid);
    });
    if (!names.length) typingLine.textContent = "";
    else if (names.length === 1) typingLine.textContent = `${names[0]} is typing…`;
    else if (names.length === 2) typingLine.textContent = `${names[0]} and ${names[1]} are typing…`;
    else typingLine.textContent = "Several people are typing…";
  }
  setInterval(renderTyping, 1000);

  function setView(view) {
    root.dataset.view = view;
  }

  function closeCurrent() {
    if (!current) return;
    live.send({ type: "room.close", room: current.id });
    current = null;
  }

  async function openRoom(roomId, { push } = {}) {
    if (current && current.id === roomId) {
      setView("room");
      return;
    }
    closeCurrent();
    const room = rooms.get(roomId);
    current = {
      id: roomId,
      detail: null,
      names: new Map(),
      messages: new Map(),
      items: new Map(),
      pending: new Map(),
      typers: new Map(),
      buffer: [],
      loaded: false,
      hasMore: false,
      loadingOlder: false,
      oldestId: null,
      oldestSeq: 0,
      newestId: null,
      newestSeq: 0,
      readSeqSent: 0,
      peerReadSeq: 0,
    };
    const opening = current;
    if (push) history.pushState({ room: roomId }, "", `/chat/${encodeURIComponent(roomId)}/`);
    placeholder.hidden = true;
    roomView.hidden = false;
    setView("room");
    roomName.textContent = room ? roomTitle(room) : "Loading…";
    roomSub.textContent = "";
    list.replaceChildren();
    historyStatus.textContent = "Loading messages…";
    typingLine.textContent = "";
    composerError.textContent = "";
    jumpNew.hidden = true;
    renderRooms();
    try {
      const [detail, page] = await Promise.all([
        api("GET", `/api/v1/chat/rooms/${encodeURIComponent(roomId)}`),
        api("GET", `/api/v1/chat/rooms/${encodeURIComponent(roomId)}/messages?limit=${PAGE}`),
      ]);
      if (current !== opening) return; // the user moved on meanwhile
      current.detail = detail;
      detail.members.forEach((member) => current.names.set(member.uid, member.name));
      const peer = detail.read_receipts.find((receipt) => receipt.uid !== me);
      current.peerReadSeq = peer ? peer.last_read_seq : 0;
      roomName.textContent = roomTitle(detail);
      roomSub.textContent =
        detail.kind === "direct"
          ? "Direct message"
          : `${detail.kind === "course" ? "Course room" : "Group"} · ${detail.member_count} members`;
      if (!rooms.has(roomId)) {
        rooms.set(roomId, detail);
      }
      page.items.forEach(putMessage);
      current.hasMore = Boolean(page.next_cursor);
      current.loaded = true;
      current.buffer.splice(0).forEach(putMessage);
      historyStatus.textContent = current.hasMore ? "" : page.items.length ? BEGINNING : NOTHING_YET;
      scrollToBottom();
      announceViewing();
      markRead();
      fillScreen();
      // rooms.js shows the room's details (members, rename, leave, mute) from the same detail.
      document.dispatchEvent(new CustomEvent("cp:room-open", { detail }));
      if (current.submitWhenLoaded) submit();
      if (!isPhone()) input.focus();
    } catch (error) {
      if (current !== opening) return;
      historyStatus.textContent = "";
      roomName.textContent = "This conversation is not available";
      roomSub.textContent = error.message;
      current = null;
    }
  }

  function showRoomsList({ push } = {}) {
    closeCurrent();
    document.dispatchEvent(new CustomEvent("cp:room-close"));
    if (push) history.pushState({}, "", "/chat/");
    setView("rooms");
    placeholder.hidden = false;
    roomView.hidden = true;
    renderRooms();
  }

  $("room-back").addEventListener("click", () => showRoomsList({ push: true }));
  window.addEventListener("popstate", () => {
    const match = window.location.pathname.match(/^\/chat\/([^/]+)\/$/);
    if (match && match[1] !== "new") openRoom(decodeURIComponent(match[1]));
    else showRoomsList();
  });

  // --- older history -----------------------------------------------------------------------------------

  async function loadOlder() {
    if (!current || !current.loaded || !current.hasMore || current.loadingOlder || !current.oldestId) return;
    const loading = current;
    loading.loadingOlder = true;
    historyStatus.textContent = "Loading older messages…";
    try {
      const query = new URLSearchParams({ before: loading.oldestId, limit: String(PAGE) });
      const page = await api("GET", `/api/v1/chat/rooms/${encodeURIComponent(loading.id)}/messages?${query}`);
      if (current !== loading) return;
      // Keep what the reader looks at in place while older messages appear above it.
      const fromBottom = box.scrollHeight - box.scrollTop;
      page.items.forEach(putMessage);
      box.scrollTop = box.scrollHeight - fromBottom;
      loading.hasMore = Boolean(page.next_cursor);
      historyStatus.textContent = loading.hasMore ? "" : BEGINNING;
    } catch (error) {
      if (current === loading) historyStatus.textContent = `Could not load older messages: ${error.message}`;
    } finally {
      loading.loadingOlder = false;
    }
    fillScreen();
  }

  // A first page shorter than the window has no scroll bar to reach the top with: load more now.
  function fillScreen() {
    if (current && current.hasMore && box.scrollHeight <= box.clientHeight + NEAR_TOP_PX) loadOlder();
  }

  box.addEventListener("scroll", () => {
    if (box.scrollTop < NEAR_TOP_PX) loadOlder();
    if (nearBottom()) {
      jumpNew.hidden = true;
      markRead();
    }
  });
  jumpNew.addEventListener("click", () => {
    scrollToBottom();
    markRead();
  });

  // --- read marks and viewing ----------------------------------------------------------------------------

  function markRead() {
    if (!current || !current.loaded || !current.newestId || document.visibilityState !== "visible") return;
    if (!nearBottom() || current.newestSeq <= current.readSeqSent) return;
    current.readSeqSent = current.newestSeq;
    const room = rooms.get(current.id);
    if (room) {
      room.unread = 0;
      renderRooms();
    }
    const frame = { type: "read", room: current.id, message_id: current.newestId };
    if (!live.send(frame)) {
      api("POST", `/api/v1/chat/rooms/${encodeURIComponent(current.id)}/read`, { message_id: current.newestId }).catch(
        () => {
          if (current) current.readSeqSent = 0;
        }
      );
    }
  }

  // The server skips "new message" notifications for the room a socket says it is viewing.
  function announceViewing() {
    if (current && document.visibilityState === "visible") live.send({ type: "room.open", room: current.id });
  }

  document.addEventListener("visibilitychange", () => {
    if (!current) return;
    if (document.visibilityState === "visible") {
      announceViewing();
      markRead();
    } else {
      live.send({ type: "room.close", room: current.id });
    }
  });

  // --- sending -------------------------------------------------------------------------------------

  function sendPending(entry) {
    entry.item.classList.remove("failed");
    const status = entry.item.querySelector(".message-status");
    if (status) status.replaceChildren("Sending…");
    const sent = live.send({ type: "message.send", room: entry.room, content: entry.content, client_id: entry.clientId });
    if (!sent && status) status.replaceChildren("Waiting for the connection…");
  }

  function submit() {
    if (!current) return;
    if (!current.loaded) {
      // Pressed while the room's messages are still loading: sent as soon as they are in.
      current.submitWhenLoaded = true;
      return;
    }
    const content = input.value.trim();
    composerError.textContent = "";
    if (!content) return;
    if (content.length > CONTENT_MAX) {
      composerError.textContent = `A message has at most ${CONTENT_MAX.toLocaleString()} characters (this one has ${content.length.toLocaleString()}).`;
      return;
    }
    const clientId = uuid();
    const item = messageItem(
      { client_id: clientId, sender_uid: me, content, created_at: new Date().toISOString() },
      { pending: true }
    );
    list.append(item);
    const entry = { clientId, content, room: current.id, item };
    current.pending.set(clientId, entry);
    input.value = "";
    autoGrow();
    scrollToBottom();
    sendPending(entry);
  }

  function failPending(clientId, message, retryAfter) {
    const entry = current && current.pending.get(clientId);
    if (!entry) return;
    entry.item.classList.add("failed");
    const status = entry.item.querySelector(".message-status");
    const retry = el("button", { type: "button", class: "link-button", onclick: () => sendPending(entry) }, "Retry");
    status.replaceChildren(`Not sent: ${message} `, retry);
    if (retryAfter) setTimeout(() => entry.item.isConnected && sendPending(entry), (retryAfter + 0.5) * 1000);
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
    input.focus();
  });

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight + 2, 160)}px`;
  }

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  input.addEventListener("input", () => {
    autoGrow();
    const now = Date.now();
    if (current && current.loaded && input.value.trim() && now - lastTypingSent > TYPING_SEND_MS) {
      if (live.send({ type: "typing", room: current.id })) lastTypingSent = now;
    }
  });

  // --- frames ----------------------------------------------------------------------------------------

  function showConnection(text) {
    connection.textContent = text || "";
    connection.hidden = !text;
  }

  function incoming(message) {
    noteMessageInList(message);
    if (!current || message.room_id !== current.id) return;
    if (!current.loaded) current.buffer.push(message);
    else addLiveMessage(message);
  }

  live.on("message.new", (frame) => incoming(frame.message));
  live.on("message.updated", (frame) => {
    noteMessageInList(frame.message);
    if (current && current.loaded && current.items.has(frame.message.id)) putMessage(frame.message);
  });
  live.on("message.deleted", (frame) => {
    noteMessageInList(frame.message);
    if (current && current.loaded && current.items.has(frame.message.id)) putMessage(frame.message);
  });
  live.on("ack", (frame) => {
    if (frame.frame === "message.send" && frame.message) incoming(frame.message);
    else if (frame.message && current && current.items.has(frame.message.id)) putMessage(frame.message);
  });
  live.on("error", (frame) => {
    if (frame.client_id && current && current.pending.has(frame.client_id)) {
      failPending(frame.client_id, frame.message, frame.retry_after);
    } else if (frame.frame === "message.edit" || frame.frame === "message.delete") {
      composerError.textContent = frame.message;
    }
  });
  live.on("typing", (frame) => {
    if (!current || frame.room !== current.id || frame.uid === me) return;
    current.typers.set(frame.uid, Date.now() + TYPING_SHOW_MS);
    renderTyping();
  });
  live.on("read", (frame) => {
    const room = rooms.get(frame.room);
    if (frame.uid === me) {
      // Another device (or this page) moved our mark: the list follows.
      if (room) {
        room.unread = Math.max(0, (room.message_seq || 0) - frame.last_read_seq);
        renderRooms();
      }
    } else if (current && frame.room === current.id) {
      current.peerReadSeq = Math.max(current.peerReadSeq, frame.last_read_seq);
      showSeen();
    }
  });
  live.on("presence", (frame) => {
    if (current && current.detail && current.detail.kind === "direct" && current.detail.other_uid === frame.uid) {
      roomSub.textContent = frame.online ? "Online" : "Offline";
    }
  });
  live.on("room.joined", (frame) => {
    if (frame.room && frame.room.id && !rooms.has(frame.room.id)) {
      rooms.set(frame.room.id, frame.room);
      renderRooms();
    }
  });
  live.on("room.left", (frame) => {
    rooms.delete(frame.room);
    if (current && current.id === frame.room) showRoomsList({ push: true });
    renderRooms();
  });
  live.on("room.renamed", (frame) => {
    const room = rooms.get(frame.room);
    if (room) room.name = frame.name;
    if (current && current.id === frame.room) {
      roomName.textContent = frame.name;
      if (current.detail) current.detail.name = frame.name;
    }
    renderRooms();
  });
  live.on("member.added", (frame) => {
    if (current && frame.room === current.id) current.names.set(frame.uid, frame.name);
  });
  live.on("sync.result", (frame) => {
    if (!current || frame.room !== current.id) return;
    frame.messages.forEach(incoming);
    if (frame.has_more && current.newestId) live.send({ type: "sync", room: current.id, after: current.newestId });
  });
  live.on("close", (event) => {
    if (event.code === 4401 || event.code === 4403) {
      showConnection("You are signed out here. Reload the page to sign in again.");
    } else {
      showConnection("Connection lost: reconnecting…");
    }
  });
  live.on("open", (event) => {
    showConnection("");
    if (event.reconnected) {
      // Frames are at most once: catch up on what was said while we were away.
      loadRooms();
      if (current && current.loaded) {
        if (current.newestId) live.send({ type: "sync", room: current.id, after: current.newestId });
        else reloadEmptyRoom();
      }
    }
    announceViewing();
    if (current) current.pending.forEach(sendPending); // same client_id: the server stores each once
  });

  async function reloadEmptyRoom() {
    const room = current;
    try {
      const page = await api("GET", `/api/v1/chat/rooms/${encodeURIComponent(room.id)}/messages?limit=${PAGE}`);
      if (current === room) page.items.forEach(incoming);
    } catch (error) {
      // the next reconnect tries again
    }
  }

  // --- starting a conversation -----------------------------------------------------------------------

  const newToggle = $("new-chat-toggle");
  const newPanel = $("new-chat");
  newToggle.addEventListener("click", () => {
    newPanel.hidden = !newPanel.hidden;
    newToggle.setAttribute("aria-expanded", String(!newPanel.hidden));
    if (!newPanel.hidden) {
      const first = newPanel.querySelector("input:not([type=hidden])");
      if (first) first.focus();
    }
  });

  async function startDirect(uid, button) {
    if (button) button.setAttribute("aria-busy", "true");
    try {
      const room = await api("POST", `/api/v1/chat/direct/${encodeURIComponent(uid)}`);
      rooms.set(room.id, room);
      newPanel.hidden = true;
      newToggle.setAttribute("aria-expanded", "false");
      renderRooms();
      openRoom(room.id, { push: true });
    } catch (error) {
      $("people-status").textContent = error.message;
    } finally {
      if (button) button.removeAttribute("aria-busy");
    }
  }

  // Buttons of the contacts list and the uid form work without JavaScript too (POST /chat/new/).
  newPanel.addEventListener("submit", (event) => {
    const form = event.target;
    const uid = form.querySelector("[name=uid]");
    if (!uid || !uid.value.trim()) return;
    event.preventDefault();
    startDirect(uid.value.trim(), event.submitter || form.querySelector("button"));
  });

  const peopleQuery = $("people-q");
  if (peopleQuery) {
    const results = $("people-results");
    let timer = null;
    let asked = "";
    peopleQuery.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = peopleQuery.value.trim();
        if (q === asked) return;
        asked = q;
        if (q.length < 2) {
          results.replaceChildren();
          $("people-status").textContent = "";
          return;
        }
        try {
          const page = await api("GET", `/api/v1/users?${new URLSearchParams({ q, limit: "8" })}`);
          if (asked !== q) return;
          const people = page.items.filter((person) => person.uid !== me);
          $("people-status").textContent = people.length ? "" : "Nobody found.";
          results.replaceChildren(
            ...people.map((person) =>
              el(
                "li",
                {},
                el("span", { class: "avatar small initials", "aria-hidden": "true" }, initials(person.display_name)),
                el(
                  "span",
                  { class: "grow person" },
                  el("strong", {}, person.display_name),
                  " ",
                  el("span", { class: `role-badge role-${person.role}` }, ROLE_LABELS[person.role] || "")
                ),
                el(
                  "button",
                  {
                    type: "button",
                    class: "small outline",
                    "data-uid": person.uid,
                    onclick: (event) => startDirect(person.uid, event.currentTarget),
                  },
                  "Message"
                )
              )
            )
          );
        } catch (error) {
          $("people-status").textContent = error.message;
        }
      }, 250);
    });
  }

  // --- start -------------------------------------------------------------------------------------------

  // The conversation fills the window below whatever sits above it (the navigation wraps on phones).
  function fitToWindow() {
    root.style.setProperty("--chat-top", `${Math.max(0, root.getBoundingClientRect().top + window.scrollY)}px`);
  }
  fitToWindow();
  window.addEventListener("resize", fitToWindow);

  // For rooms.js: a group it created joins the list and opens; leaving goes back to the list.
  window.cpChat = {
    me,
    role: data.me.role,
    showRoom(room) {
      rooms.set(room.id, room);
      newPanel.hidden = true;
      newToggle.setAttribute("aria-expanded", "false");
      renderRooms();
      openRoom(room.id, { push: true });
    },
    forgetRoom(roomId) {
      rooms.delete(roomId);
      showRoomsList({ push: true });
    },
    currentDetail: () => (current ? current.detail : null),
  };

  data.rooms.forEach((room) => rooms.set(room.id, room));
  renderRooms();
  if (data.room) openRoom(data.room);
  else showRoomsList();
})();
